package scheduler

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func node(name string, labels map[string]string, taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec:       corev1.NodeSpec{Taints: taints},
		Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("2"),
			corev1.ResourceMemory: resource.MustParse("4Gi"),
			corev1.ResourcePods:   resource.MustParse("110"),
		}},
	}
}

func podWith(mutate func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
	}
	if mutate != nil {
		mutate(p)
	}
	return p
}

func TestPickFitsFirstMatchingNode(t *testing.T) {
	nodes := []*corev1.Node{node("node-2", map[string]string{"disktype": "ssd"}), node("node-1", nil)}
	got, _ := Pick(podWith(nil), nodes, nil)
	if got == nil || got.Name != "node-1" {
		t.Fatalf("Pick = %v, want node-1 (first by name)", got)
	}
	got, _ = Pick(podWith(func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"disktype": "ssd"} }), nodes, nil)
	if got == nil || got.Name != "node-2" {
		t.Fatalf("Pick with nodeSelector = %v, want node-2", got)
	}
}

func TestPickReportsUpstreamReasons(t *testing.T) {
	tainted := node("node-1", nil, corev1.Taint{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule})
	plain := node("node-2", nil)
	pod := podWith(func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"disktype": "ssd"} })
	got, diag := Pick(pod, []*corev1.Node{tainted, plain}, nil)
	if got != nil {
		t.Fatalf("Pick = %s, want no node", got.Name)
	}
	want := "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
	if msg := diag.Message(2); msg != want {
		t.Fatalf("message:\n got %q\nwant %q", msg, want)
	}
}

func TestPickToleratedTaint(t *testing.T) {
	tainted := node("node-1", nil, corev1.Taint{Key: "gpu", Value: "true", Effect: corev1.TaintEffectNoSchedule})
	pod := podWith(func(p *corev1.Pod) {
		p.Spec.Tolerations = []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpEqual, Value: "true", Effect: corev1.TaintEffectNoSchedule}}
	})
	if got, diag := Pick(pod, []*corev1.Node{tainted}, nil); got == nil {
		t.Fatalf("tolerated taint refused: %s", diag.Message(1))
	}
	// PreferNoSchedule never blocks scheduling.
	soft := node("node-1", nil, corev1.Taint{Key: "x", Effect: corev1.TaintEffectPreferNoSchedule})
	if got, _ := Pick(podWith(nil), []*corev1.Node{soft}, nil); got == nil {
		t.Fatal("PreferNoSchedule taint blocked scheduling")
	}
}

func TestPickResources(t *testing.T) {
	big := podWith(func(p *corev1.Pod) {
		p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("3"),
			corev1.ResourceMemory: resource.MustParse("8Gi"),
		}
	})
	_, diag := Pick(big, []*corev1.Node{node("node-1", nil)}, nil)
	want := "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
	if msg := diag.Message(1); msg != want {
		t.Fatalf("message:\n got %q\nwant %q", msg, want)
	}
	half := podWith(func(p *corev1.Pod) {
		p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1500m")}
	})
	assigned := map[string][]*corev1.Pod{"node-1": {half}}
	if got, _ := Pick(half, []*corev1.Node{node("node-1", nil)}, assigned); got != nil {
		t.Fatal("second 1500m pod fit on a 2-CPU node already holding one")
	}
}

func TestRequestsTakesLargestInitContainer(t *testing.T) {
	p := podWith(func(p *corev1.Pod) {
		p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}
		p.Spec.InitContainers = []corev1.Container{{Name: "init", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")}}}}
	})
	got := Requests(p)[corev1.ResourceCPU]
	if got.MilliValue() != 500 {
		t.Fatalf("Requests cpu = %s, want 500m", got.String())
	}
}

func TestUnschedulableNode(t *testing.T) {
	n := node("node-1", nil)
	n.Spec.Unschedulable = true
	_, diag := Pick(podWith(nil), []*corev1.Node{n}, nil)
	if diag[reasonUnschedulable] != 1 {
		t.Fatalf("diagnosis %v, want %q", diag, reasonUnschedulable)
	}
}
