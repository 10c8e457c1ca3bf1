package printers

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podlab/podlab/runtime/api"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func waiting(reason string) corev1.ContainerState {
	return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}
}

func terminated(code int32, reason string) corev1.ContainerState {
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason, FinishedAt: ago(time.Minute)}}
}

var runningState = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ago(time.Hour)}}

func TestPodStatusColumn(t *testing.T) {
	init2 := []corev1.Container{{Name: "a"}, {Name: "b"}}
	cases := []struct {
		name string
		pod  corev1.Pod
		want string
	}{
		{"pending init", corev1.Pod{Spec: corev1.PodSpec{InitContainers: init2}, Status: corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{{Name: "a", State: waiting("PodInitializing")}, {Name: "b", State: waiting("PodInitializing")}}}}, "Init:0/2"},
		{"second init", corev1.Pod{Spec: corev1.PodSpec{InitContainers: init2}, Status: corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{{Name: "a", State: terminated(0, "Completed")}, {Name: "b", State: runningState}}}}, "Init:1/2"},
		{"init error", corev1.Pod{Spec: corev1.PodSpec{InitContainers: init2}, Status: corev1.PodStatus{Phase: corev1.PodFailed,
			InitContainerStatuses: []corev1.ContainerStatus{{Name: "a", State: terminated(1, "Error")}}}}, "Init:Error"},
		{"init crash loop", corev1.Pod{Spec: corev1.PodSpec{InitContainers: init2}, Status: corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{{Name: "a", State: waiting("CrashLoopBackOff")}}}}, "Init:CrashLoopBackOff"},
		{"creating", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{State: waiting("ContainerCreating")}}}}, "ContainerCreating"},
		{"crash loop", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{State: waiting("CrashLoopBackOff")}}}}, "CrashLoopBackOff"},
		{"oom", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{State: terminated(137, "OOMKilled")}}}}, "OOMKilled"},
		{"completed", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodSucceeded, ContainerStatuses: []corev1.ContainerStatus{{State: terminated(0, "Completed")}}}}, "Completed"},
		{"exit code", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{{State: terminated(3, "")}}}}, "ExitCode:3"},
		{"running", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Ready: true, State: runningState}}}}, "Running"},
		{"terminating", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &metav1.Time{Time: now}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Ready: true, State: runningState}}}}, "Terminating"},
	}
	for _, c := range cases {
		if got := PodStatus(&c.pod); got != c.want {
			t.Errorf("%s: STATUS %q, want %q", c.name, got, c.want)
		}
	}
}

func fixturePod() *corev1.Pod {
	grace := int64(30)
	prio := int32(0)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "liveness-exec", Namespace: "default", CreationTimestamp: ago(5 * time.Minute), Labels: map[string]string{"test": "liveness"}},
		Spec: corev1.PodSpec{
			NodeName: "node-1", ServiceAccountName: "default", Priority: &prio, TerminationGracePeriodSeconds: &grace,
			Containers: []corev1.Container{{
				Name: "liveness", Image: "busybox",
				Args:  []string{"/bin/sh", "-c", "touch /tmp/healthy; sleep 30; rm -rf /tmp/healthy; sleep 600"},
				Ports: []corev1.ContainerPort{{ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
				LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"cat", "/tmp/healthy"}}},
					InitialDelaySeconds: 5, TimeoutSeconds: 1, PeriodSeconds: 5, SuccessThreshold: 1, FailureThreshold: 3},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080), Scheme: corev1.URISchemeHTTP}},
					TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3},
				Resources:    corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}, Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}},
				Env:          []corev1.EnvVar{{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}}},
				VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/data"}},
			}},
			Volumes:     []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
			Tolerations: []corev1.Toleration{{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: func() *int64 { v := int64(300); return &v }()}},
		},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning, HostIP: "172.18.0.1", PodIP: "172.18.0.5", PodIPs: []corev1.PodIP{{IP: "172.18.0.5"}}, StartTime: &metav1.Time{Time: now.Add(-5 * time.Minute)},
			QOSClass: corev1.PodQOSBurstable,
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodReady, Status: corev1.ConditionTrue}, {Type: corev1.PodScheduled, Status: corev1.ConditionTrue},
			},
			ContainerStatuses: []corev1.ContainerStatus{{
				Name: "liveness", Ready: true, RestartCount: 2, Image: "busybox", ImageID: "docker://sha256:abc", ContainerID: "docker://123",
				State:                runningState,
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "Error", StartedAt: ago(3 * time.Minute), FinishedAt: ago(2 * time.Minute)}},
			}},
		},
	}
}

func TestGetPodsTables(t *testing.T) {
	p := fixturePod()
	var buf bytes.Buffer
	PrintTable(&buf, api.Pods, []api.Object{p}, TableOptions{Now: now})
	buf.WriteString("--- wide, all namespaces, labels\n")
	PrintTable(&buf, api.Pods, []api.Object{p}, TableOptions{Now: now, Wide: true, WithNamespace: true, ShowLabels: true})
	golden(t, "get-pods", buf.Bytes())
}

func TestDescribePod(t *testing.T) {
	events := []corev1.Event{
		{Type: "Normal", Reason: "Scheduled", Message: "Successfully assigned default/liveness-exec to node-1", Source: corev1.EventSource{Component: "default-scheduler"}, LastTimestamp: ago(5 * time.Minute), FirstTimestamp: ago(5 * time.Minute), Count: 1},
		{Type: "Warning", Reason: "Unhealthy", Message: "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory", Source: corev1.EventSource{Component: "kubelet", Host: "node-1"}, LastTimestamp: ago(2 * time.Minute), FirstTimestamp: ago(4 * time.Minute), Count: 6},
	}
	var buf bytes.Buffer
	if err := Describe(&buf, fixturePod(), events, nil, now); err != nil {
		t.Fatal(err)
	}
	golden(t, "describe-pod", buf.Bytes())
}

func TestProbeString(t *testing.T) {
	p := fixturePod().Spec.Containers[0]
	if got := ProbeString(p.LivenessProbe); got != "exec [cat /tmp/healthy] delay=5s timeout=1s period=5s #success=1 #failure=3" {
		t.Errorf("liveness = %q", got)
	}
	if got := ProbeString(p.ReadinessProbe); got != "http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3" {
		t.Errorf("readiness = %q", got)
	}
}

func TestObjectsAsNameYAMLAndList(t *testing.T) {
	var buf bytes.Buffer
	p := fixturePod()
	PrintObjects(&buf, "name", api.Pods, []api.Object{p}, false)
	if buf.String() != "pod/liveness-exec\n" {
		t.Fatalf("name = %q", buf.String())
	}
	buf.Reset()
	PrintObjects(&buf, "yaml", api.Pods, []api.Object{p, p}, true)
	if !bytes.HasPrefix(buf.Bytes(), []byte("apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n")) || !bytes.Contains(buf.Bytes(), []byte("kind: List")) {
		t.Fatalf("yaml list:\n%s", buf.String())
	}
	if p.Kind != "" {
		t.Fatal("printing mutated the caller's object")
	}
}
