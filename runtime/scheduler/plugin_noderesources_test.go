package scheduler

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// sized is a node with the given allocatable cpu and memory.
func sized(name, cpu, mem string) *corev1.Node {
	n := node(name, nil)
	n.Status.Allocatable[corev1.ResourceCPU] = resource.MustParse(cpu)
	n.Status.Allocatable[corev1.ResourceMemory] = resource.MustParse(mem)
	return n
}

// The cases of upstream's TestEnoughRequests: every resource short is a
// reason; a request beyond the node's whole allocatable is unresolvable.
func TestNodeResourcesFitFilter(t *testing.T) {
	sidecar := corev1.ContainerRestartPolicyAlways
	cpuPod := func(cpu string) *corev1.Pod { return on("node-1", podWith(requests(cpu, ""))) }
	const (
		notHelpful = " preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
		noVictims  = " preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
	)
	for _, tc := range []struct {
		name     string
		pod      func(*corev1.Pod)
		node     func(*corev1.Node)
		existing []*corev1.Pod
		want     string // the FailedScheduling message; "" fits
	}{
		{"fits", requests("1", "1Gi"), nil, []*corev1.Pod{cpuPod("500m")}, ""},
		{"more than the node has", requests("3", "8Gi"), nil, nil,
			"0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory." + notHelpful},
		{"more than is free", requests("1500m", ""), nil, []*corev1.Pod{cpuPod("1500m")},
			"0/1 nodes are available: 1 Insufficient cpu." + noVictims},
		{"too many pods", nil, func(n *corev1.Node) { n.Status.Allocatable[corev1.ResourcePods] = resource.MustParse("1") },
			[]*corev1.Pod{cpuPod("")}, "0/1 nodes are available: 1 Too many pods." + noVictims},
		{"no pods allocatable", nil, func(n *corev1.Node) { delete(n.Status.Allocatable, corev1.ResourcePods) }, nil,
			"0/1 nodes are available: 1 Too many pods." + noVictims},
		{"the largest init container counts", func(p *corev1.Pod) {
			requests("100m", "")(p)
			p.Spec.InitContainers = []corev1.Container{{Name: "init", Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("3")}}}}
		}, nil, nil, "0/1 nodes are available: 1 Insufficient cpu." + notHelpful},
		{"init and app containers do not add up", func(p *corev1.Pod) {
			requests("1", "")(p)
			p.Spec.InitContainers = []corev1.Container{{Name: "init", Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}}}
		}, nil, []*corev1.Pod{cpuPod("500m")}, ""},
		{"sidecars add to the app containers", func(p *corev1.Pod) {
			requests("1500m", "")(p)
			p.Spec.InitContainers = []corev1.Container{{Name: "proxy", RestartPolicy: &sidecar, Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}}}
		}, nil, nil, "0/1 nodes are available: 1 Insufficient cpu." + notHelpful},
		{"the overhead counts", func(p *corev1.Pod) {
			requests("1500m", "")(p)
			p.Spec.Overhead = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("600m")}
		}, nil, nil, "0/1 nodes are available: 1 Insufficient cpu." + notHelpful},
		{"pod-level requests", func(p *corev1.Pod) {
			p.Spec.Resources = &corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("5Gi")}}
		}, nil, nil, "0/1 nodes are available: 1 Insufficient memory." + notHelpful},
		{"an extended resource the node lacks", func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{"example.com/gpu": resource.MustParse("1")}
		}, nil, nil, "0/1 nodes are available: 1 Insufficient example.com/gpu." + notHelpful},
		{"an extended resource the node has", func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{"example.com/gpu": resource.MustParse("1")}
		}, func(n *corev1.Node) { n.Status.Allocatable["example.com/gpu"] = resource.MustParse("2") }, nil, ""},
		{"a pod requesting nothing fits a full node", nil, nil, []*corev1.Pod{cpuPod("2")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := node("node-1", nil)
			if tc.node != nil {
				tc.node(n)
			}
			for i, p := range tc.existing {
				p.Name, p.UID = p.Name+string(rune('a'+i)), p.UID+"-"+"x"
			}
			d := Decide(podWith(tc.pod), cluster([]*corev1.Node{n}, tc.existing...))
			if d.Message != tc.want {
				t.Fatalf("message\n got %q\nwant %q", d.Message, tc.want)
			}
			if tc.want != "" && d.Nodes[0].Plugin != "NodeResourcesFit" {
				t.Fatalf("rejected by %s", d.Nodes[0].Plugin)
			}
		})
	}
}

// Upstream's TestLeastAllocatedScoringStrategy: the share of cpu and of
// memory left free with the pod placed, ×100, averaged.
func TestLeastAllocatedScore(t *testing.T) {
	nodes := []*corev1.Node{sized("node-a", "4", "10000"), sized("node-b", "6", "10000")}
	d := Decide(podWith(requests("3", "5000")), cluster(nodes))
	for name, want := range map[string]int64{"node-a": 37, "node-b": 50} {
		if got := score(t, d, name, "NodeResourcesFit"); got.Normalized != want || got.Raw != want || got.Weight != 1 {
			t.Errorf("%s: NodeResourcesFit %+v, want %d", name, got, want)
		}
	}
	// A best-effort pod counts as 100m and 200Mi; so do the pods on the node.
	busy := on("node-1", labelled("busy", "x"))
	d = Decide(podWith(nil), cluster([]*corev1.Node{node("node-1", nil), node("node-2", nil)}, busy))
	if a, b := score(t, d, "node-1", "NodeResourcesFit").Raw, score(t, d, "node-2", "NodeResourcesFit").Raw; a != 90 || b != 95 {
		t.Fatalf("best-effort scores node-1 %d node-2 %d, want 90 and 95", a, b)
	}
	if d.Node != "node-2" {
		t.Fatalf("chose %s, want node-2, the emptier", d.Node)
	}
}

// Upstream's TestNodeResourcesBalancedAllocation, with v1.37's rule: the
// change in balance the pod makes, around 75.
func TestBalancedAllocationScore(t *testing.T) {
	cpuHeavy := on("node-c", podWith(requests("3", "")))
	cpuHeavy.Name, cpuHeavy.UID = "cpu-heavy", "uid-cpu-heavy"
	nodes := []*corev1.Node{sized("node-a", "4", "10000"), sized("node-b", "6", "10000"), sized("node-c", "4", "10000")}
	d := Decide(podWith(requests("3", "5000")), cluster(nodes[:2]))
	for name, want := range map[string]int64{"node-a": 68, "node-b": 75} {
		if got := score(t, d, name, "NodeResourcesBalancedAllocation"); got.Normalized != want || got.Weight != 1 {
			t.Errorf("%s: BalancedAllocation %+v, want %d", name, got, want)
		}
	}
	// A memory-only pod on a node whose cpu is busy evens it out.
	d = Decide(podWith(requests("", "5000")), cluster(nodes, cpuHeavy))
	if got := score(t, d, "node-c", "NodeResourcesBalancedAllocation"); got.Normalized != 87 {
		t.Errorf("node-c: BalancedAllocation %+v, want 87", got)
	}
	if got := score(t, d, "node-a", "NodeResourcesBalancedAllocation"); got.Normalized != 62 {
		t.Errorf("node-a: BalancedAllocation %+v, want 62 (the pod unbalances an empty node)", got)
	}
	// A best-effort pod skips the plugin.
	if got := score(t, Decide(podWith(nil), cluster(nodes)), "node-a", "NodeResourcesBalancedAllocation"); !got.Skipped {
		t.Errorf("best-effort pod: %+v, want skipped", got)
	}
}

func TestRequestsTakesLargestInitContainer(t *testing.T) {
	p := podWith(func(p *corev1.Pod) {
		requests("100m", "")(p)
		p.Spec.InitContainers = []corev1.Container{{Name: "init", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")}}}}
	})
	if got := Requests(p)[corev1.ResourceCPU]; got.MilliValue() != 500 {
		t.Fatalf("Requests cpu = %s, want 500m", got.String())
	}
}
