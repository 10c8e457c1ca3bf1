package scheduler

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func spread(key string, maxSkew int32, when corev1.UnsatisfiableConstraintAction, mutate ...func(*corev1.TopologySpreadConstraint)) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		c := corev1.TopologySpreadConstraint{MaxSkew: maxSkew, TopologyKey: key, WhenUnsatisfiable: when,
			LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "foo", Operator: metav1.LabelSelectorOpExists}}}}
		for _, m := range mutate {
			m(&c)
		}
		p.Spec.TopologySpreadConstraints = append(p.Spec.TopologySpreadConstraints, c)
	}
}

// fooPod is a pod labelled foo= on node.
func fooPod(name, node string) *corev1.Pod {
	return on(node, podWith(func(p *corev1.Pod) {
		p.Name, p.UID, p.Labels = name, types.UID("uid-"+name), map[string]string{"foo": ""}
	}))
}

func zoned(name, zone string, labels ...string) *corev1.Node {
	l := map[string]string{"zone": zone}
	for i := 0; i+1 < len(labels); i += 2 {
		l[labels[i]] = labels[i+1]
	}
	if zone == "" {
		delete(l, "zone")
	}
	return node(name, l)
}

// The cases of upstream's TestSingleConstraint and TestMultipleConstraints.
func TestPodTopologySpreadFilter(t *testing.T) {
	selfFoo := func(p *corev1.Pod) { p.Labels = map[string]string{"foo": ""} }
	honor, ignore := corev1.NodeInclusionPolicyHonor, corev1.NodeInclusionPolicyIgnore
	fourNodes := []*corev1.Node{zoned("node-a", "zone1"), zoned("node-b", "zone1"), zoned("node-x", "zone2"), zoned("node-y", "zone2")}
	for _, tc := range []struct {
		name  string
		pod   []func(*corev1.Pod)
		nodes []*corev1.Node
		pods  []*corev1.Pod
		want  string // verdicts
	}{
		{"the fuller zone is refused", []func(*corev1.Pod){selfFoo, spread("zone", 1, corev1.DoNotSchedule)}, fourNodes,
			[]*corev1.Pod{fooPod("p-a", "node-a"), fooPod("p-b", "node-b")},
			"node-a: PodTopologySpread node(s) didn't match pod topology spread constraints\nnode-b: PodTopologySpread node(s) didn't match pod topology spread constraints\nnode-x: fits\nnode-y: fits\n"},
		{"within maxSkew", []func(*corev1.Pod){selfFoo, spread("zone", 1, corev1.DoNotSchedule)}, fourNodes,
			[]*corev1.Pod{fooPod("p-a", "node-a"), fooPod("p-x", "node-x")},
			"node-a: fits\nnode-b: fits\nnode-x: fits\nnode-y: fits\n"},
		{"the pod counts only when it matches", []func(*corev1.Pod){spread("zone", 2, corev1.DoNotSchedule)}, fourNodes,
			[]*corev1.Pod{fooPod("p-a", "node-a"), fooPod("p-b", "node-b")},
			"node-a: fits\nnode-b: fits\nnode-x: fits\nnode-y: fits\n"},
		{"a node without the topology key", []func(*corev1.Pod){selfFoo, spread("zone", 1, corev1.DoNotSchedule)},
			[]*corev1.Node{zoned("node-a", "zone1"), zoned("node-z", "")}, nil,
			"node-a: fits\nnode-z: PodTopologySpread node(s) didn't match pod topology spread constraints (missing required label)\n"},
		{"hostname", []func(*corev1.Pod){selfFoo, spread(corev1.LabelHostname, 1, corev1.DoNotSchedule)},
			[]*corev1.Node{node("node-1", nil), node("node-2", nil)}, []*corev1.Pod{fooPod("p-1", "node-1")},
			"node-1: PodTopologySpread node(s) didn't match pod topology spread constraints\nnode-2: fits\n"},
		{"fewer domains than minDomains: the emptiest counts 0", []func(*corev1.Pod){selfFoo,
			spread("zone", 1, corev1.DoNotSchedule, func(c *corev1.TopologySpreadConstraint) { three := int32(3); c.MinDomains = &three })},
			[]*corev1.Node{zoned("node-a", "zone1"), zoned("node-x", "zone2")}, []*corev1.Pod{fooPod("p-a", "node-a"), fooPod("p-x", "node-x")},
			"node-a: PodTopologySpread node(s) didn't match pod topology spread constraints\nnode-x: PodTopologySpread node(s) didn't match pod topology spread constraints\n"},
		{"nodeAffinityPolicy Honor leaves out the nodes the pod cannot go to", []func(*corev1.Pod){selfFoo,
			func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"env": "prod"} }, spread(corev1.LabelHostname, 1, corev1.DoNotSchedule)},
			[]*corev1.Node{zoned("node-1", "", "env", "prod"), zoned("node-2", ""), zoned("node-3", "", "env", "prod")},
			[]*corev1.Pod{fooPod("p-1", "node-1"), fooPod("p-3", "node-3")},
			"node-1: fits\nnode-2: NodeAffinity node(s) didn't match Pod's node affinity/selector\nnode-3: fits\n"},
		{"nodeAffinityPolicy Ignore counts them", []func(*corev1.Pod){selfFoo,
			func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"env": "prod"} },
			spread(corev1.LabelHostname, 1, corev1.DoNotSchedule, func(c *corev1.TopologySpreadConstraint) { c.NodeAffinityPolicy = &ignore })},
			[]*corev1.Node{zoned("node-1", "", "env", "prod"), zoned("node-2", ""), zoned("node-3", "", "env", "prod")},
			[]*corev1.Pod{fooPod("p-1", "node-1"), fooPod("p-3", "node-3")},
			"node-1: PodTopologySpread node(s) didn't match pod topology spread constraints\nnode-2: NodeAffinity node(s) didn't match Pod's node affinity/selector\nnode-3: PodTopologySpread node(s) didn't match pod topology spread constraints\n"},
		{"nodeTaintsPolicy Honor leaves out tainted nodes", []func(*corev1.Pod){selfFoo,
			spread(corev1.LabelHostname, 1, corev1.DoNotSchedule, func(c *corev1.TopologySpreadConstraint) { c.NodeTaintsPolicy = &honor })},
			[]*corev1.Node{node("node-1", nil), node("node-2", nil, taint("gpu", "", corev1.TaintEffectNoSchedule))},
			[]*corev1.Pod{fooPod("p-1", "node-1")},
			"node-1: fits\nnode-2: TaintToleration node(s) had untolerated taint(s)\n"},
		{"nodeTaintsPolicy Ignore (the default) counts them", []func(*corev1.Pod){selfFoo, spread(corev1.LabelHostname, 1, corev1.DoNotSchedule)},
			[]*corev1.Node{node("node-1", nil), node("node-2", nil, taint("gpu", "", corev1.TaintEffectNoSchedule))},
			[]*corev1.Pod{fooPod("p-1", "node-1")},
			"node-1: PodTopologySpread node(s) didn't match pod topology spread constraints\nnode-2: TaintToleration node(s) had untolerated taint(s)\n"},
		{"matchLabelKeys narrows the selector to the pod's own values", []func(*corev1.Pod){
			func(p *corev1.Pod) { p.Labels = map[string]string{"foo": "", "hash": "v2"} },
			spread(corev1.LabelHostname, 1, corev1.DoNotSchedule, func(c *corev1.TopologySpreadConstraint) { c.MatchLabelKeys = []string{"hash"} })},
			[]*corev1.Node{node("node-1", nil), node("node-2", nil)},
			[]*corev1.Pod{fooPod("p-1", "node-1"), fooPod("p-2", "node-1")},
			"node-1: fits\nnode-2: fits\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := verdicts(Decide(podWith(func(p *corev1.Pod) {
				for _, m := range tc.pod {
					m(p)
				}
			}), cluster(tc.nodes, tc.pods...))); got != tc.want {
				t.Fatalf("verdicts:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// Pods of other namespaces and pods being deleted do not count.
func TestPodTopologySpreadCountsLiveSameNamespacePods(t *testing.T) {
	other := fooPod("other", "node-1")
	other.Namespace = "team"
	going := fooPod("going", "node-1")
	going.DeletionTimestamp = &metav1.Time{}
	pod := podWith(func(p *corev1.Pod) {
		p.Labels = map[string]string{"foo": ""}
		spread(corev1.LabelHostname, 1, corev1.DoNotSchedule)(p)
	})
	d := Decide(pod, cluster([]*corev1.Node{node("node-1", nil), node("node-2", nil)}, other, going))
	if !result(t, d, "node-1").Feasible() {
		t.Fatalf("node-1 refused: %s", verdicts(d))
	}
}

// replicaOf is a pod of the ReplicaSet web-abc, as its controller makes them.
func replicaOf(name string) *corev1.Pod {
	yes := true
	return podWith(func(p *corev1.Pod) {
		p.Name, p.UID = name, types.UID("uid-"+name)
		p.Labels = map[string]string{"app": "web", "pod-template-hash": "abc"}
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-abc", UID: "rs-uid", Controller: &yes}}
	})
}

// Upstream's TestPodTopologySpreadScore, with the system default
// constraints for a pod of a ReplicaSet.
func TestPodTopologySpreadScore(t *testing.T) {
	nodes := []*corev1.Node{node("node-1", nil), node("node-2", nil)}
	d := Decide(replicaOf("web-3"), cluster(nodes, on("node-1", replicaOf("web-1")), on("node-1", replicaOf("web-2"))))
	for name, want := range map[string][2]int64{"node-1": {5, 40}, "node-2": {2, 100}} {
		if got := score(t, d, name, "PodTopologySpread"); got.Raw != want[0] || got.Normalized != want[1] || got.Weight != 2 {
			t.Errorf("%s: PodTopologySpread %+v, want raw %d normalised %d", name, got, want[0], want[1])
		}
	}
	// A pod no controller owns is not spread by default.
	loner := replicaOf("loner")
	loner.OwnerReferences = nil
	if got := score(t, Decide(loner, cluster(nodes)), "node-1", "PodTopologySpread"); !got.Skipped {
		t.Errorf("a pod without a controller: %+v, want skipped", got)
	}
	// A pod's own ScheduleAnyway constraint: nodes without the key are left
	// out (0), the emptiest zone scores 100.
	zones := []*corev1.Node{zoned("node-a", "zone1"), zoned("node-b", "zone2"), zoned("node-c", "")}
	d = Decide(podWith(spread("zone", 1, corev1.ScheduleAnyway)), cluster(zones, fooPod("p-1", "node-a"), fooPod("p-2", "node-a")))
	for name, want := range map[string][2]int64{"node-a": {3, 0}, "node-b": {0, 100}, "node-c": {0, 0}} {
		if got := score(t, d, name, "PodTopologySpread"); got.Raw != want[0] || got.Normalized != want[1] {
			t.Errorf("%s: PodTopologySpread %+v, want raw %d normalised %d", name, got, want[0], want[1])
		}
	}
}

// The replicas of a ReplicaSet spread over the nodes by default, even
// where LeastAllocated alone would pile them on the biggest node, as it
// does with the same pods when no controller owns them.
func TestReplicasSpreadByDefault(t *testing.T) {
	nodes := []*corev1.Node{sized("node-1", "8", "16Gi"), sized("node-2", "2", "4Gi")}
	place := func(pods []*corev1.Pod) map[string]int {
		var bound []*corev1.Pod
		count := map[string]int{}
		for _, p := range pods {
			d := Decide(p, cluster(nodes, bound...))
			bound = append(bound, on(d.Node, p))
			count[d.Node]++
		}
		return count
	}
	var replicas, loners []*corev1.Pod
	for i := 0; i < 4; i++ {
		r := replicaOf(fmt.Sprintf("web-%d", i))
		replicas = append(replicas, r)
		l := r.DeepCopy()
		l.OwnerReferences = nil
		loners = append(loners, l)
	}
	if got := place(replicas); got["node-1"] != 2 || got["node-2"] != 2 {
		t.Fatalf("replicas placed %v, want 2 on each node", got)
	}
	if got := place(loners); got["node-1"] != 4 {
		t.Fatalf("pods without a controller placed %v, want all 4 on the big node-1", got)
	}
}
