package scheduler

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// labNodes are the lab's default nodes, like a kubeadm cluster's.
func labNodes() []*corev1.Node {
	return []*corev1.Node{
		node("control-plane", map[string]string{"node-role.kubernetes.io/control-plane": ""},
			taint("node-role.kubernetes.io/control-plane", "", corev1.TaintEffectNoSchedule)),
		node("node-1", nil), node("node-2", nil),
	}
}

// The plugins and weights of kube-scheduler v1.37's default profile, in
// its order (pkg/scheduler/apis/config/v1/default_plugins.go).
func TestDefaultProfile(t *testing.T) {
	var filters []string
	for _, p := range defaultFilters {
		filters = append(filters, p.name)
	}
	want := []string{"NodeName", "NodeUnschedulable", "TaintToleration", "NodeAffinity", "NodePorts", "NodeResourcesFit", "PodTopologySpread", "InterPodAffinity"}
	if !slices.Equal(filters, want) {
		t.Errorf("filters %v, want %v", filters, want)
	}
	var scores []string
	weights := map[string]int64{}
	for _, p := range defaultScores {
		scores = append(scores, p.name)
		weights[p.name] = p.weight
	}
	want = []string{"TaintToleration", "NodeAffinity", "NodeResourcesFit", "PodTopologySpread", "InterPodAffinity", "NodeResourcesBalancedAllocation", "ImageLocality"}
	if !slices.Equal(scores, want) {
		t.Errorf("score plugins %v, want %v", scores, want)
	}
	for name, w := range map[string]int64{"TaintToleration": 3, "NodeAffinity": 2, "NodeResourcesFit": 1, "PodTopologySpread": 2,
		"InterPodAffinity": 2, "NodeResourcesBalancedAllocation": 1, "ImageLocality": 1} {
		if weights[name] != w {
			t.Errorf("%s weight %d, want %d", name, weights[name], w)
		}
	}
}

// FailedScheduling messages as upstream's FitError words them.
func TestFailedSchedulingMessages(t *testing.T) {
	never := corev1.PreemptNever
	for _, tc := range []struct {
		name  string
		pod   func(*corev1.Pod)
		nodes []*corev1.Node
		want  string
	}{
		{"the lab's nodes and an unmatched nodeSelector", wantsSSD, labNodes(),
			"0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't match Pod's node affinity/selector. " +
				"preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."},
		{"one plugin per node: the first that rejects it", func(p *corev1.Pod) { wantsSSD(p); requests("3", "")(p) }, labNodes(),
			"0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't match Pod's node affinity/selector. " +
				"preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."},
		{"a pod that never preempts", func(p *corev1.Pod) { requests("3", "")(p); p.Spec.PreemptionPolicy = &never }, []*corev1.Node{node("node-1", nil)},
			"0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never."},
		{"a cordoned node", nil, []*corev1.Node{func() *corev1.Node { n := node("node-1", nil); n.Spec.Unschedulable = true; return n }()},
			"0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."},
		{"no nodes", nil, nil, "no nodes available to schedule pods"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(podWith(tc.pod), cluster(tc.nodes))
			if d.Message != tc.want || d.Node != "" {
				t.Fatalf("message (node %q)\n got %q\nwant %q", d.Node, d.Message, tc.want)
			}
		})
	}
}

// Preemption looks at the nodes it could help: those short of room the
// pod could have if pods of lower priority went; the lab has none.
func TestPreemptionMessageCountsResolvableNodes(t *testing.T) {
	busy := on("node-1", podWith(requests("2", "")))
	busy.Name, busy.UID = "busy", "uid-busy"
	nodes := []*corev1.Node{labNodes()[0], sized("node-1", "4", "4Gi"), node("node-2", nil)}
	d := Decide(podWith(requests("3", "")), cluster(nodes, busy))
	want := "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu. " +
		"preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling."
	if d.Message != want {
		t.Fatalf("message\n got %q\nwant %q", d.Message, want)
	}
}

// Reasons are sorted as the "N reason" strings are, digits first, as upstream does.
func TestDiagnosisSortsAsStrings(t *testing.T) {
	d := Diagnosis{"b": 10, "a": 2}
	if got, want := d.Message(12), "0/12 nodes are available: 10 b, 2 a."; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// A node rejected by several plugins reports the first: TaintToleration
// comes before NodeAffinity and NodeResourcesFit.
func TestFirstRejectingPluginReports(t *testing.T) {
	d := Decide(podWith(func(p *corev1.Pod) { wantsSSD(p); requests("3", "")(p) }), cluster(labNodes()[:1]))
	r := d.Nodes[0]
	if r.Plugin != "TaintToleration" || r.Detail != "the pod does not tolerate the taint node-role.kubernetes.io/control-plane:NoSchedule" {
		t.Fatalf("rejected by %s (%s), want TaintToleration", r.Plugin, r.Detail)
	}
}

// Equal totals go to the node first by name (upstream leaves it to chance).
func TestTiesGoToTheFirstNodeByName(t *testing.T) {
	nodes := []*corev1.Node{node("node-c", nil), node("node-a", nil), node("node-b", nil)}
	d := Decide(podWith(nil), cluster(nodes))
	if d.Node != "node-a" || !d.Scored {
		t.Fatalf("chose %s (scored %v), want node-a", d.Node, d.Scored)
	}
	if a, b := result(t, d, "node-a").Total, result(t, d, "node-b").Total; a != b {
		t.Fatalf("totals %d and %d differ", a, b)
	}
}

// One feasible node is taken as it is; its scores are still worked out.
func TestSingleFeasibleNodeIsNotScored(t *testing.T) {
	d := Decide(podWith(nil), cluster(labNodes()[:2]))
	if d.Node != "node-1" || d.Scored {
		t.Fatalf("chose %s (scored %v), want node-1 unscored", d.Node, d.Scored)
	}
	if r := result(t, d, "node-1"); len(r.Scores) != len(defaultScores) || r.Total == 0 {
		t.Fatalf("node-1 scores %+v", r)
	}
}

// The total is the sum of the normalised scores times the weights.
func TestTotalsAreWeightedSums(t *testing.T) {
	d := Decide(podWith(requests("500m", "1Gi")), cluster(labNodes()))
	for _, r := range d.Nodes {
		if !r.Feasible() {
			continue
		}
		var sum int64
		for _, ps := range r.Scores {
			if ps.Normalized < 0 || ps.Normalized > 100 {
				t.Errorf("%s %s normalised %d", r.Name, ps.Plugin, ps.Normalized)
			}
			if !ps.Skipped {
				sum += ps.Normalized * ps.Weight
			}
		}
		if sum != r.Total {
			t.Errorf("%s total %d, want %d", r.Name, r.Total, sum)
		}
	}
}

// A pod that names its node is restricted to it by NodeName's PreFilter.
func TestNodeNameRestrictsToTheNamedNode(t *testing.T) {
	d := Decide(podWith(func(p *corev1.Pod) { p.Spec.NodeName = "node-2" }), cluster(labNodes()))
	if d.Node != "node-2" {
		t.Fatalf("chose %q: %s", d.Node, verdicts(d))
	}
	if r := result(t, d, "node-1"); r.Reasons[0] != "node(s) didn't satisfy plugin(s) [NodeName]" {
		t.Fatalf("node-1: %q", r.Reasons)
	}
	d = Decide(podWith(func(p *corev1.Pod) { p.Spec.NodeName = "elsewhere" }), cluster(labNodes()))
	if want := "0/3 nodes are available: 3 node(s) didn't satisfy plugin(s) [NodeName]. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."; d.Message != want {
		t.Fatalf("message %q", d.Message)
	}
}

// A cordoned node takes pods that tolerate node.kubernetes.io/unschedulable.
func TestNodeUnschedulable(t *testing.T) {
	n := node("node-1", nil)
	n.Spec.Unschedulable = true
	pod := tolerating(toleration(corev1.TaintNodeUnschedulable, corev1.TolerationOpExists, "", corev1.TaintEffectNoSchedule))
	if d := Decide(pod, cluster([]*corev1.Node{n})); d.Node != "node-1" {
		t.Fatalf("a pod tolerating the unschedulable taint was refused: %s", verdicts(d))
	}
}

// ImageLocality favours the node that has the pod's images.
func TestImageLocalityScore(t *testing.T) {
	withImage := node("node-2", nil)
	withImage.Status.Images = []corev1.ContainerImage{{Names: []string{"nginx:latest"}, SizeBytes: 500 * mb}}
	d := Decide(podWith(nil), cluster([]*corev1.Node{node("node-1", nil), withImage}))
	// 500 MiB on one node of two: 250 MiB, between 23 MiB and 1000 MiB.
	if got := score(t, d, "node-2", "ImageLocality"); got.Normalized != 100*(250-23)/(1000-23) {
		t.Fatalf("node-2 ImageLocality %+v", got)
	}
	if d.Node != "node-2" {
		t.Fatalf("chose %s, want node-2 with the image", d.Node)
	}
}
