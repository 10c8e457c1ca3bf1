package endpointutil

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestFindPort(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		InitContainers: []corev1.Container{
			{Name: "once", Ports: []corev1.ContainerPort{{Name: "init", ContainerPort: 1, Protocol: corev1.ProtocolTCP}}},
			{Name: "sidecar", RestartPolicy: &always, Ports: []corev1.ContainerPort{{Name: "metrics", ContainerPort: 9090, Protocol: corev1.ProtocolTCP}}},
		},
		Containers: []corev1.Container{{Name: "web", Ports: []corev1.ContainerPort{
			{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP},
			{Name: "dns", ContainerPort: 5353, Protocol: corev1.ProtocolUDP},
		}}},
	}}
	for _, tc := range []struct {
		target intstr.IntOrString
		proto  corev1.Protocol
		want   int32
		ok     bool
	}{
		{intstr.FromString("http"), corev1.ProtocolTCP, 8080, true},
		{intstr.FromString("dns"), corev1.ProtocolTCP, 0, false}, // protocol must match
		{intstr.FromString("dns"), corev1.ProtocolUDP, 5353, true},
		{intstr.FromString("metrics"), corev1.ProtocolTCP, 9090, true}, // a sidecar's
		{intstr.FromString("init"), corev1.ProtocolTCP, 0, false},      // not a plain init container's
		{intstr.FromInt32(7000), corev1.ProtocolTCP, 7000, true},
	} {
		got, err := FindPort(pod, &corev1.ServicePort{Port: 80, TargetPort: tc.target, Protocol: tc.proto})
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("%s/%s: %d, %v", tc.target.String(), tc.proto, got, err)
		}
	}
}

func TestShouldPodBeInEndpoints(t *testing.T) {
	now := metav1.Now()
	running := corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "172.18.0.2"}
	cases := []struct {
		pod         corev1.Pod
		terminating bool
		want        bool
	}{
		{corev1.Pod{Status: running}, false, true},
		{corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning}}, true, false},
		{corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodSucceeded, PodIP: "172.18.0.2"}}, true, false},
		{corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Status: running}, false, false},
		{corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Status: running}, true, true},
	}
	for i, tc := range cases {
		if got := ShouldPodBeInEndpoints(&tc.pod, tc.terminating); got != tc.want {
			t.Errorf("case %d: %v", i, got)
		}
	}
}

func TestTriggerTime(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web", CreationTimestamp: metav1.NewTime(t0)}}
	pod := func(name string, at time.Time) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.PodStatus{Conditions: []corev1.PodCondition{
			{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(at)}}}}
	}
	tr := NewTriggerTimeTracker()
	a, b := pod("a", t0.Add(time.Minute)), pod("b", t0.Add(2*time.Minute))
	// First sync: the Service's creation is the earliest change.
	if got := tr.Compute(svc, []*corev1.Pod{a, b}); !got.Equal(t0) {
		t.Errorf("first: %v", got)
	}
	// Nothing moved: no trigger time.
	if got := tr.Compute(svc, []*corev1.Pod{a, b}); !got.IsZero() {
		t.Errorf("unchanged: %v", got)
	}
	// b's readiness changed: its transition.
	b = pod("b", t0.Add(5*time.Minute))
	if got := tr.Compute(svc, []*corev1.Pod{a, b}); !got.Equal(t0.Add(5 * time.Minute)) {
		t.Errorf("b changed: %v", got)
	}
	tr.Forget("default", "web")
	if got := tr.Compute(svc, []*corev1.Pod{a, b}); !got.Equal(t0) {
		t.Errorf("after forget: %v", got)
	}
}
