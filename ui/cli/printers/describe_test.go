package printers

import (
	"bytes"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podlab/podlab/runtime/api"
)

// fixturePod is the liveness-exec pod of the probes chapter after two
// restarts, with an init container and one of each env and volume form.
func fixturePod() *corev1.Pod {
	hostPathDir := corev1.HostPathDirectoryOrCreate
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "liveness-exec", Namespace: "default", CreationTimestamp: ago(5 * time.Minute),
			Labels: map[string]string{"test": "liveness", "app": "web"},
			Annotations: map[string]string{
				lastAppliedAnnotation: `{"apiVersion":"v1","kind":"Pod"}`,
				"example.com/note":    "short",
				"example.com/script":  "line one\nline two\n",
			}},
		Spec: corev1.PodSpec{
			NodeName: "node-1", ServiceAccountName: "default", Priority: ptr(int32(0)), TerminationGracePeriodSeconds: ptr(int64(30)),
			NodeSelector: map[string]string{"kubernetes.io/os": "linux", "disk": "ssd"},
			InitContainers: []corev1.Container{{
				Name: "init-myservice", Image: "busybox:1.35", Command: []string{"sh", "-c", "until nslookup myservice; do echo waiting; sleep 2; done"},
			}},
			Containers: []corev1.Container{{
				Name: "liveness", Image: "busybox:1.35",
				Args:  []string{"/bin/sh", "-c", "touch /tmp/healthy; sleep 30; rm -rf /tmp/healthy; sleep 600"},
				Ports: []corev1.ContainerPort{{ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
				LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"cat", "/tmp/healthy"}}},
					InitialDelaySeconds: 5, TimeoutSeconds: 1, PeriodSeconds: 5, SuccessThreshold: 1, FailureThreshold: 3},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080), Scheme: corev1.URISchemeHTTP}},
					TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3},
				StartupProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("http")}},
					TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 30},
				Resources: corev1.ResourceRequirements{
					Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi"), corev1.ResourceCPU: resource.MustParse("500m")},
					Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi"), corev1.ResourceCPU: resource.MustParse("250m")}},
				EnvFrom: []corev1.EnvFromSource{
					{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "game-config"}}},
					{Prefix: "DB_", SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Optional: ptr(true)}},
				},
				Env: []corev1.EnvVar{
					{Name: "GREETING", Value: "hello"},
					{Name: "MULTI", Value: "one\ntwo"},
					{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
					{Name: "NODE_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "spec.nodeName"}}},
					{Name: "MEM_LIMIT", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.memory", Divisor: resource.MustParse("1Mi")}}},
					{Name: "LIVES", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "game-config"}, Key: "lives"}}},
					{Name: "PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Key: "password", Optional: ptr(false)}}},
				},
				VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/data"}, {Name: "config", MountPath: "/etc/config", ReadOnly: true}, {Name: "logs", MountPath: "/var/log/app", SubPath: "app"}},
			}},
			Volumes: []corev1.Volume{
				{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: ptr(resource.MustParse("128Mi"))}}},
				{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "game-config"}}}},
				{Name: "creds", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "db"}}},
				{Name: "logs", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/log/lab", Type: &hostPathDir}}},
				{Name: "podinfo", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{
					{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}},
					{Path: "cpu_limit", ResourceFieldRef: &corev1.ResourceFieldSelector{ContainerName: "liveness", Resource: "limits.cpu"}}}}}},
				{Name: "kube-api-access-x7k2p", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
					{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{ExpirationSeconds: ptr(int64(3607)), Path: "token"}},
					{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"}}},
					{DownwardAPI: &corev1.DownwardAPIProjection{}}}}}},
			},
			Tolerations: []corev1.Toleration{
				{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))},
				{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))},
				{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "lab", Effect: corev1.TaintEffectNoSchedule},
			},
		},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning, HostIP: "172.18.0.2", PodIP: "10.244.0.5", PodIPs: []corev1.PodIP{{IP: "10.244.0.5"}}, StartTime: agoPtr(5 * time.Minute),
			QOSClass: corev1.PodQOSBurstable,
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodReadyToStartContainers, Status: corev1.ConditionTrue},
				{Type: corev1.PodInitialized, Status: corev1.ConditionTrue},
				{Type: corev1.PodReady, Status: corev1.ConditionTrue},
				{Type: corev1.ContainersReady, Status: corev1.ConditionTrue},
				{Type: corev1.PodScheduled, Status: corev1.ConditionTrue},
			},
			InitContainerStatuses: []corev1.ContainerStatus{{
				Name: "init-myservice", Image: "busybox:1.35", ImageID: "docker://sha256:7a8b", ContainerID: "docker://0f1e",
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: ago(5 * time.Minute), FinishedAt: ago(290 * time.Second)}},
			}},
			ContainerStatuses: []corev1.ContainerStatus{{
				Name: "liveness", Ready: true, RestartCount: 2, Image: "busybox:1.35", ImageID: "docker://sha256:7a8b", ContainerID: "docker://9c3d",
				State:                running(),
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "Error", StartedAt: ago(3 * time.Minute), FinishedAt: ago(2 * time.Minute)}},
			}},
		},
	}
}

func TestDescribePod(t *testing.T) {
	var buf bytes.Buffer
	if err := Describe(&buf, fixturePod(), fixtureEvents()[:3], nil, now); err != nil {
		t.Fatal(err)
	}
	golden(t, "describe-pod", buf.Bytes())
}

// A pod being deleted, not yet scheduled pods, and a failed pod show the
// other branches of the page.
func TestDescribePodStates(t *testing.T) {
	terminating := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "lab", CreationTimestamp: ago(time.Hour), DeletionTimestamp: agoPtr(12 * time.Second), DeletionGracePeriodSeconds: ptr(int64(30)),
			Annotations:     map[string]string{"example.com/long": strings.Repeat("0123456789", 15)},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-7d4b9c", Controller: ptr(true)}}},
		Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "nginx", Image: "nginx:1.27",
			SecurityContext: &corev1.SecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
			Ports:           []corev1.ContainerPort{{Name: "http", ContainerPort: 80, Protocol: corev1.ProtocolTCP}, {ContainerPort: 53, HostPort: 5353, Protocol: corev1.ProtocolUDP}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, HostIP: "172.18.0.2", PodIP: "10.244.0.6", PodIPs: []corev1.PodIP{{IP: "10.244.0.6"}}, StartTime: agoPtr(time.Hour),
			ContainerStatuses: []corev1.ContainerStatus{{Name: "nginx", Image: "nginx:1.27", State: running(), Ready: true}}},
	}
	pending := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "unscheduled", Namespace: "default", CreationTimestamp: ago(time.Minute)},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "busybox:1.35", Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("1Gi")}}}}},
		Status:     corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable"}}},
	}
	failed := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "oom", Namespace: "default", CreationTimestamp: ago(time.Minute)},
		Spec:       corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "hog", Image: "busybox:1.35"}}},
		Status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted", Message: "The node was low on resource: memory.", HostIP: "172.18.0.2", QOSClass: corev1.PodQOSBestEffort,
			ContainerStatuses: []corev1.ContainerStatus{{Name: "hog", Image: "busybox:1.35",
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Signal: 9, Reason: "OOMKilled", Message: "killed", StartedAt: ago(50 * time.Second), FinishedAt: ago(40 * time.Second)}}}}},
	}
	var buf bytes.Buffer
	for _, p := range []*corev1.Pod{terminating, pending, failed} {
		buf.WriteString("$ kubectl describe pod " + p.Name + "\n")
		if err := Describe(&buf, p, []corev1.Event{}, nil, now); err != nil {
			t.Fatal(err)
		}
	}
	golden(t, "describe-pod-states", buf.Bytes())
}

func TestDescribeDoesNotModifyItsInput(t *testing.T) {
	pod := fixturePod()
	events := fixtureEvents()
	before := events[0].Name
	var buf bytes.Buffer
	if err := Describe(&buf, pod, events, nil, now); err != nil {
		t.Fatal(err)
	}
	if events[0].Name != before {
		t.Error("Describe reordered the caller's events")
	}
	if pod.Spec.Tolerations[0].Key != "node.kubernetes.io/unreachable" || pod.Spec.Containers[0].VolumeMounts[0].MountPath != "/data" {
		t.Error("Describe sorted the pod's tolerations or mounts in place")
	}
}

func TestEventAge(t *testing.T) {
	evs := fixtureEvents()
	for _, c := range []struct {
		e    corev1.Event
		want string
	}{
		{evs[0], "5m"},
		{evs[1], "5m"},
		{evs[2], "2m (x6 over 4m)"},
		{corev1.Event{FirstTimestamp: ago(10 * time.Minute), LastTimestamp: ago(30 * time.Second), Count: 1}, "10m"},
		{corev1.Event{EventTime: metav1.NewMicroTime(now.Add(-8 * time.Minute)),
			Series: &corev1.EventSeries{Count: 4, LastObservedTime: metav1.NewMicroTime(now.Add(-10 * time.Second))}}, "10s (x4 over 8m)"},
	} {
		if got := EventAge(&c.e, now); got != c.want {
			t.Errorf("EventAge = %q, want %q", got, c.want)
		}
	}
}

func TestProbeString(t *testing.T) {
	c := fixturePod().Spec.Containers[0]
	for _, tc := range []struct {
		probe *corev1.Probe
		want  string
	}{
		{c.LivenessProbe, "exec [cat /tmp/healthy] delay=5s timeout=1s period=5s #success=1 #failure=3"},
		{c.ReadinessProbe, "http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3"},
		{c.StartupProbe, "tcp-socket :http delay=0s timeout=1s period=10s #success=1 #failure=30"},
		{&corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Host: "10.0.0.1", Path: "/a b", Port: intstr.FromInt32(80), Scheme: corev1.URISchemeHTTPS}}, PeriodSeconds: 10},
			"http-get https://10.0.0.1:80/a%20b delay=0s timeout=0s period=10s #success=0 #failure=0"},
		{&corev1.Probe{ProbeHandler: corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 2379, Service: ptr("liveness")}}, TimeoutSeconds: 1},
			"grpc <pod>:2379 liveness delay=0s timeout=1s period=0s #success=0 #failure=0"},
	} {
		if got := ProbeString(tc.probe); got != tc.want {
			t.Errorf("ProbeString = %q, want %q", got, tc.want)
		}
	}
}

func TestDescribeNode(t *testing.T) {
	onNode := func(name string, phase corev1.PodPhase, cpu, mem string) corev1.Pod {
		return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", CreationTimestamp: ago(10 * time.Minute)},
			Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(mem)}}}}},
			Status: corev1.PodStatus{Phase: phase}}
	}
	pods := []corev1.Pod{
		onNode("web", corev1.PodRunning, "250m", "64Mi"),
		onNode("done", corev1.PodSucceeded, "1", "1Gi"),
		{ObjectMeta: metav1.ObjectMeta{Name: "besteffort", Namespace: "lab", CreationTimestamp: ago(2 * time.Hour)}, Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "c"}}}, Status: corev1.PodStatus{Phase: corev1.PodRunning}},
	}
	events := []corev1.Event{fixtureEvents()[3]}
	var buf bytes.Buffer
	if err := Describe(&buf, fixtureNode(), events, &Related{Pods: pods, Lease: fixtureLease()}, now); err != nil {
		t.Fatal(err)
	}
	golden(t, "describe-node", buf.Bytes())
}

func TestDescribeOtherKinds(t *testing.T) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "lab", Labels: map[string]string{"kubernetes.io/metadata.name": "lab"}}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "game-config", Namespace: "default"},
		Data:       map[string]string{"game.properties": "enemies=aliens\nlives=3\n", "allowed": `"true"`},
		BinaryData: map[string][]byte{"logo.png": make([]byte, 1024)}}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db-user-pass", Namespace: "default"}, Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{"username": []byte("admin"), "password": []byte("S!B\\*d$zDsb=")}}
	ev := fixtureEvents()[2]
	ev.UID = "6f1c"
	ev.ResourceVersion = "412"
	ev.CreationTimestamp = ago(4 * time.Minute)
	ev.ReportingController = "kubelet"
	ev.ReportingInstance = "node-1"
	var buf bytes.Buffer
	for _, c := range []struct {
		cmd    string
		obj    api.Object
		events []corev1.Event
	}{
		{"kubectl describe namespace lab", ns, nil},
		{"kubectl describe configmap game-config", cm, []corev1.Event{}},
		{"kubectl describe secret db-user-pass", secret, nil},
		{"kubectl describe event liveness-exec.3", &ev, []corev1.Event{}},
	} {
		buf.WriteString("$ " + c.cmd + "\n")
		if err := Describe(&buf, c.obj, c.events, nil, now); err != nil {
			t.Fatal(err)
		}
	}
	golden(t, "describe-others", buf.Bytes())
}

// fixtureLease is node-1's heartbeat: held by its kubelet, renewed 7 s ago,
// never acquired (the kubelet leaves acquireTime unset, as upstream's).
func fixtureLease() *coordinationv1.Lease {
	holder := "node-1"
	renewed := metav1.NewMicroTime(now.Add(-7 * time.Second))
	return &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: "node-1", Namespace: corev1.NamespaceNodeLease},
		Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder, RenewTime: &renewed},
	}
}
