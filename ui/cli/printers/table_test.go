package printers

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
)

// table prints objs under each set of options, sections named by title.
func table(t *testing.T, res api.Resource, objs []api.Object, sections map[string]TableOptions, order ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, title := range order {
		fmt.Fprintf(&buf, "$ %s\n", title)
		if err := PrintTable(&buf, res, objs, sections[title]); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func fixturePods() []api.Object {
	web := fixturePod()
	crasher := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "crasher", Namespace: "lab", CreationTimestamp: ago(26 * time.Hour), Labels: map[string]string{"app": "crasher", "tier": "backend"}},
		Spec:       corev1.PodSpec{NodeName: "node-2", Containers: []corev1.Container{{Name: "app"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIPs: []corev1.PodIP{{IP: "172.18.0.7"}}, PodIP: "172.18.0.7",
			ContainerStatuses: []corev1.ContainerStatus{{Name: "app", State: waiting("CrashLoopBackOff"), RestartCount: 12,
				LastTerminationState: lastTerminated(90 * time.Second)}}},
	}
	pending := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "init-demo", Namespace: "default", CreationTimestamp: ago(7 * time.Second), Labels: map[string]string{"app.kubernetes.io/name": "demo"}},
		Spec:       corev1.PodSpec{InitContainers: []corev1.Container{{Name: "wait"}, {Name: "seed"}}, Containers: []corev1.Container{{Name: "app"}, {Name: "side"}}},
		Status:     corev1.PodStatus{Phase: corev1.PodPending, InitContainerStatuses: []corev1.ContainerStatus{{Name: "wait", State: running()}, {Name: "seed", State: waiting("PodInitializing")}}},
	}
	return []api.Object{web, crasher, pending}
}

func TestGetPodsTables(t *testing.T) {
	golden(t, "get-pods", table(t, api.Pods, fixturePods(), map[string]TableOptions{
		"kubectl get pods":                                            {Now: now},
		"kubectl get pods -o wide":                                    {Now: now, Wide: true},
		"kubectl get pods -A --show-labels":                           {Now: now, WithNamespace: true, ShowLabels: true},
		"kubectl get pods -L app,app.kubernetes.io/name --no-headers": {Now: now, NoHeaders: true, LabelColumns: []string{"app", "app.kubernetes.io/name"}},
	}, "kubectl get pods", "kubectl get pods -o wide", "kubectl get pods -A --show-labels", "kubectl get pods -L app,app.kubernetes.io/name --no-headers"))
}

func fixtureNode() *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "node-1", CreationTimestamp: ago(3 * 24 * time.Hour),
			Labels:      map[string]string{"kubernetes.io/hostname": "node-1", "kubernetes.io/os": "linux", "node-role.kubernetes.io/control-plane": ""},
			Annotations: map[string]string{"node.alpha.kubernetes.io/ttl": "0"}},
		Spec: corev1.NodeSpec{PodCIDR: "10.244.0.0/24", PodCIDRs: []string{"10.244.0.0/24"},
			Taints: []corev1.Taint{{Key: "node.kubernetes.io/unschedulable", Effect: corev1.TaintEffectNoSchedule}, {Key: "dedicated", Value: "lab", Effect: corev1.TaintEffectNoExecute}}},
		Status: corev1.NodeStatus{
			Conditions: []corev1.NodeCondition{
				{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, LastHeartbeatTime: ago(time.Minute), LastTransitionTime: ago(3 * 24 * time.Hour), Reason: "KubeletHasSufficientMemory", Message: "kubelet has sufficient memory available"},
				{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: ago(time.Minute), LastTransitionTime: ago(3 * 24 * time.Hour), Reason: "KubeletReady", Message: "kubelet is posting ready status"},
			},
			Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "172.18.0.2"}, {Type: corev1.NodeHostName, Address: "node-1"}},
			Capacity: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("4Gi"),
				corev1.ResourcePods: resource.MustParse("110"), corev1.ResourceEphemeralStorage: resource.MustParse("20Gi")},
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("4Gi"),
				corev1.ResourcePods: resource.MustParse("110"), corev1.ResourceEphemeralStorage: resource.MustParse("20Gi")},
			NodeInfo: corev1.NodeSystemInfo{MachineID: "m1", SystemUUID: "u1", BootID: "b1", KernelVersion: "6.1.0-podlab", OSImage: "podlab virtual node",
				OperatingSystem: "linux", Architecture: "amd64", ContainerRuntimeVersion: "docker://20.10.24", KubeletVersion: "v1.34.0-podlab"},
		},
	}
}

func TestGetNodesTables(t *testing.T) {
	ready := fixtureNode()
	cordoned := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "node-2", CreationTimestamp: ago(90 * time.Minute), Labels: map[string]string{"kubernetes.io/role": "worker"}},
		Spec:       corev1.NodeSpec{Unschedulable: true},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionUnknown}},
			Addresses: []corev1.NodeAddress{{Type: corev1.NodeExternalIP, Address: "203.0.113.9"}}},
	}
	fresh := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-3", CreationTimestamp: ago(30 * time.Second)}}
	golden(t, "get-nodes", table(t, api.Nodes, []api.Object{ready, cordoned, fresh}, map[string]TableOptions{
		"kubectl get nodes":         {Now: now},
		"kubectl get nodes -o wide": {Now: now, Wide: true},
		"kubectl get nodes -A":      {Now: now, WithNamespace: true},
	}, "kubectl get nodes", "kubectl get nodes -o wide", "kubectl get nodes -A"))
}

func fixtureEvents() []corev1.Event {
	ref := corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "liveness-exec", APIVersion: "v1"}
	withPath := ref
	withPath.FieldPath = "spec.containers{liveness}"
	return []corev1.Event{
		{ObjectMeta: metav1.ObjectMeta{Name: "liveness-exec.1", Namespace: "default"}, InvolvedObject: ref, Type: "Normal", Reason: "Scheduled",
			Message: "Successfully assigned default/liveness-exec to node-1", ReportingController: "default-scheduler", EventTime: metav1.NewMicroTime(now.Add(-5 * time.Minute))},
		{ObjectMeta: metav1.ObjectMeta{Name: "liveness-exec.2", Namespace: "default"}, InvolvedObject: withPath, Type: "Normal", Reason: "Pulled",
			Message: "Container image \"busybox:1.35\" already present on machine\n", Source: corev1.EventSource{Component: "kubelet", Host: "node-1"},
			FirstTimestamp: ago(5 * time.Minute), LastTimestamp: ago(5 * time.Minute), Count: 1},
		{ObjectMeta: metav1.ObjectMeta{Name: "liveness-exec.3", Namespace: "default"}, InvolvedObject: withPath, Type: "Warning", Reason: "Unhealthy",
			Message: "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory", Source: corev1.EventSource{Component: "kubelet", Host: "node-1"},
			FirstTimestamp: ago(4 * time.Minute), LastTimestamp: ago(2 * time.Minute), Count: 6},
		{ObjectMeta: metav1.ObjectMeta{Name: "node-1.4", Namespace: "default"}, InvolvedObject: corev1.ObjectReference{Kind: "Node", Name: "node-1"}, Type: "Normal", Reason: "NodeReady",
			Message: "Node node-1 status is now: NodeReady", Source: corev1.EventSource{Component: "kubelet", Host: "node-1"},
			FirstTimestamp: ago(3 * 24 * time.Hour), LastTimestamp: ago(3 * 24 * time.Hour), Count: 1},
	}
}

func TestGetEventsTables(t *testing.T) {
	var objs []api.Object
	for _, e := range fixtureEvents() {
		objs = append(objs, &e)
	}
	golden(t, "get-events", table(t, api.Events, objs, map[string]TableOptions{
		"kubectl get events":         {Now: now},
		"kubectl get events -o wide": {Now: now, Wide: true},
		"kubectl get events -A":      {Now: now, WithNamespace: true},
	}, "kubectl get events", "kubectl get events -o wide", "kubectl get events -A"))
}

func TestGetOtherTables(t *testing.T) {
	var buf bytes.Buffer
	ns := []api.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default", CreationTimestamp: ago(400 * 24 * time.Hour)}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "lab", CreationTimestamp: ago(61 * time.Second), Labels: map[string]string{"kubernetes.io/metadata.name": "lab"}}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}},
	}
	cms := []api.Object{
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "game-config", Namespace: "default", CreationTimestamp: ago(11 * time.Minute)},
			Data: map[string]string{"game.properties": "lives=3\n", "ui.properties": "color=purple\n"}, BinaryData: map[string][]byte{"logo.png": {1, 2, 3}}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kube-root-ca.crt", Namespace: "default", CreationTimestamp: ago(400 * 24 * time.Hour)}, Data: map[string]string{"ca.crt": "x"}},
	}
	secrets := []api.Object{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db-user-pass", Namespace: "default", CreationTimestamp: ago(3 * time.Hour)}, Type: corev1.SecretTypeOpaque,
			Data: map[string][]byte{"username": []byte("admin"), "password": []byte("S!B\\*d$zDsb=")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "tls", Namespace: "default", CreationTimestamp: ago(3 * time.Hour)}, Type: corev1.SecretTypeTLS},
	}
	for _, s := range []struct {
		cmd  string
		res  api.Resource
		objs []api.Object
		opts TableOptions
	}{
		{"kubectl get namespaces --show-labels", api.Namespaces, ns, TableOptions{Now: now, ShowLabels: true}},
		{"kubectl get configmaps", api.ConfigMaps, cms, TableOptions{Now: now}},
		{"kubectl get configmaps -A", api.ConfigMaps, cms, TableOptions{Now: now, WithNamespace: true}},
		{"kubectl get secrets", api.Secrets, secrets, TableOptions{Now: now}},
	} {
		fmt.Fprintf(&buf, "$ %s\n", s.cmd)
		if err := PrintTable(&buf, s.res, s.objs, s.opts); err != nil {
			t.Fatal(err)
		}
	}
	golden(t, "get-others", buf.Bytes())
}

func TestTableCellsStayOnOneLine(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", CreationTimestamp: ago(time.Minute)},
		Status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Bad\x1b[31mReason\nsecond line"}}
	row, err := Row(api.Pods, pod, TableOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if row[2] != "Bad^[[31mReason..." {
		t.Errorf("STATUS cell = %q, want the first line with the escape neutralised and \"...\"", row[2])
	}
}

func TestTabWriterMinimumWidth(t *testing.T) {
	// A one-letter -L column still takes kubectl's minimum cell width of 6
	// (padding included); a missing label is an empty cell.
	var buf bytes.Buffer
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", CreationTimestamp: ago(time.Minute), Labels: map[string]string{"a": "x"}}}
	if err := PrintTable(&buf, api.Pods, []api.Object{pod}, TableOptions{Now: now, LabelColumns: []string{"a", "b"}}); err != nil {
		t.Fatal(err)
	}
	want := "NAME   READY   STATUS   RESTARTS   AGE   A     B\np      0/0              0          60s   x     \n"
	if buf.String() != want {
		t.Errorf("got\n%q\nwant\n%q", buf.String(), want)
	}
}

func TestNoResources(t *testing.T) {
	for _, c := range []struct {
		ns   string
		all  bool
		want string
	}{
		{"default", false, "No resources found in default namespace."},
		{"lab", false, "No resources found in lab namespace."},
		{"default", true, "No resources found"},
		{"", false, "No resources found"},
	} {
		if got := NoResources(c.ns, c.all); got != c.want {
			t.Errorf("NoResources(%q, %t) = %q, want %q", c.ns, c.all, got, c.want)
		}
	}
}

func TestAge(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{time.Time{}, "<unknown>"},
		{now.Add(time.Minute), "<invalid>"},
		{now.Add(-59 * time.Second), "59s"},
		{now.Add(-119 * time.Second), "119s"},
		{now.Add(-(2*time.Minute + 3*time.Second)), "2m3s"},
		{now.Add(-15 * time.Minute), "15m"},
		{now.Add(-(3*time.Hour + 20*time.Minute)), "3h20m"},
		{now.Add(-26 * time.Hour), "26h"},
		{now.Add(-400 * 24 * time.Hour), "400d"},
	} {
		if got := Age(c.t, now); got != c.want {
			t.Errorf("Age(%v ago) = %q, want %q", now.Sub(c.t), got, c.want)
		}
	}
}

// With several types asked for, kubectl names each object's kind before
// its name, with the group unless core.
func TestShowKindNamesKindAndGroup(t *testing.T) {
	opts := TableOptions{Now: now, ShowKind: true, WithNamespace: true}
	var buf bytes.Buffer
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "game-config", Namespace: "default", CreationTimestamp: ago(time.Minute)}}
	if err := PrintTable(&buf, api.ConfigMaps, []api.Object{cm}, opts); err != nil {
		t.Fatal(err)
	}
	want := "NAMESPACE   NAME                    DATA   AGE\ndefault     configmap/game-config   0      60s\n"
	if buf.String() != want {
		t.Errorf("configmaps:\n%s\nwant:\n%s", buf.String(), want)
	}
	if got := KindPrefix(api.Deployments); got != "deployment.apps" {
		t.Errorf("deployments: %q", got)
	}
	if got := KindPrefix(api.Pods); got != "pod" {
		t.Errorf("pods: %q", got)
	}
}
