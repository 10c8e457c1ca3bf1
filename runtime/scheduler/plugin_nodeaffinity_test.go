package scheduler

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func requiredTerms(terms ...corev1.NodeSelectorTerm) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: terms}}}
	}
}

func expr(key string, op corev1.NodeSelectorOperator, values ...string) corev1.NodeSelectorTerm {
	return corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}}
}

// The cases of upstream's TestNodeAffinity filter: nodeSelector and
// required terms, each operator, terms ORed and requirements ANDed.
func TestNodeAffinityFilter(t *testing.T) {
	foo := map[string]string{"foo": "bar"}
	for _, tc := range []struct {
		name   string
		pod    func(*corev1.Pod)
		labels map[string]string
		fits   bool
	}{
		{"no selector", nil, nil, true},
		{"nodeSelector missing on the node", func(p *corev1.Pod) { p.Spec.NodeSelector = foo }, nil, false},
		{"nodeSelector matched", func(p *corev1.Pod) { p.Spec.NodeSelector = foo }, foo, true},
		{"nodeSelector another value", func(p *corev1.Pod) { p.Spec.NodeSelector = foo }, map[string]string{"foo": "baz"}, false},
		{"In", requiredTerms(expr("foo", corev1.NodeSelectorOpIn, "value1", "bar")), foo, true},
		{"In, no value matches", requiredTerms(expr("foo", corev1.NodeSelectorOpIn, "value1", "value2")), foo, false},
		{"NotIn", requiredTerms(expr("foo", corev1.NodeSelectorOpNotIn, "value1")), foo, true},
		{"NotIn of the node's value", requiredTerms(expr("foo", corev1.NodeSelectorOpNotIn, "bar")), foo, false},
		{"NotIn without the label", requiredTerms(expr("foo", corev1.NodeSelectorOpNotIn, "bar")), nil, true},
		{"Exists", requiredTerms(expr("foo", corev1.NodeSelectorOpExists)), foo, true},
		{"Exists without the label", requiredTerms(expr("foo", corev1.NodeSelectorOpExists)), nil, false},
		{"DoesNotExist", requiredTerms(expr("foo", corev1.NodeSelectorOpDoesNotExist)), nil, true},
		{"DoesNotExist with the label", requiredTerms(expr("foo", corev1.NodeSelectorOpDoesNotExist)), foo, false},
		{"Gt parses integers", requiredTerms(expr("gpus", corev1.NodeSelectorOpGt, "1")), map[string]string{"gpus": "4"}, true},
		{"Gt, lower value", requiredTerms(expr("gpus", corev1.NodeSelectorOpGt, "4")), map[string]string{"gpus": "4"}, false},
		{"Gt, a label that is no integer", requiredTerms(expr("gpus", corev1.NodeSelectorOpGt, "1")), map[string]string{"gpus": "many"}, false},
		{"Lt", requiredTerms(expr("gen", corev1.NodeSelectorOpLt, "10")), map[string]string{"gen": "9"}, true},
		{"Lt, higher value", requiredTerms(expr("gen", corev1.NodeSelectorOpLt, "10")), map[string]string{"gen": "10"}, false},
		{"terms are ORed", requiredTerms(expr("foo", corev1.NodeSelectorOpIn, "nope"), expr("foo", corev1.NodeSelectorOpExists)), foo, true},
		{"requirements of a term are ANDed", requiredTerms(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{
			{Key: "foo", Operator: corev1.NodeSelectorOpIn, Values: []string{"bar"}},
			{Key: "kernel", Operator: corev1.NodeSelectorOpExists}}}), foo, false},
		{"an empty term list matches no node", requiredTerms(), foo, false},
		{"an empty term matches no node", requiredTerms(corev1.NodeSelectorTerm{}), foo, false},
		{"nodeSelector and affinity must both match", func(p *corev1.Pod) {
			requiredTerms(expr("foo", corev1.NodeSelectorOpExists))(p)
			p.Spec.NodeSelector = map[string]string{"disk": "ssd"}
		}, foo, false},
		{"matchFields metadata.name In", requiredTerms(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{
			{Key: metav1.ObjectNameField, Operator: corev1.NodeSelectorOpIn, Values: []string{"node-1"}}}}), nil, true},
		{"matchFields metadata.name NotIn", requiredTerms(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{
			{Key: metav1.ObjectNameField, Operator: corev1.NodeSelectorOpNotIn, Values: []string{"node-1"}}}}), nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(podWith(tc.pod), cluster([]*corev1.Node{node("node-1", tc.labels)}))
			r := result(t, d, "node-1")
			if r.Feasible() != tc.fits {
				t.Fatalf("fits = %v, want %v (%s)", r.Feasible(), tc.fits, verdicts(d))
			}
			if !tc.fits && (r.Plugin != "NodeAffinity" || r.Reasons[0] != "node(s) didn't match Pod's node affinity/selector") {
				t.Fatalf("rejected by %s %q", r.Plugin, r.Reasons)
			}
		})
	}
}

// Terms that all name nodes through matchFields restrict the pod to those
// nodes in PreFilter: the others are not filtered at all.
func TestNodeAffinityMatchFieldsPreFilter(t *testing.T) {
	nodes := []*corev1.Node{node("node-1", nil), node("node-2", nil), node("node-3", nil, taint("x", "", corev1.TaintEffectNoSchedule))}
	names := func(values ...string) corev1.NodeSelectorTerm {
		return corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{{Key: metav1.ObjectNameField, Operator: corev1.NodeSelectorOpIn, Values: values}}}
	}
	d := Decide(podWith(requiredTerms(names("node-3"))), cluster(nodes))
	want := "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. " +
		"preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
	if d.Message != want {
		t.Fatalf("message\n got %q\nwant %q", d.Message, want)
	}
	// Two terms name nodes in common with nothing: a conflict, reported
	// by PreFilter for the whole cluster.
	d = Decide(podWith(requiredTerms(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{
		{Key: metav1.ObjectNameField, Operator: corev1.NodeSelectorOpIn, Values: []string{"node-1"}},
		{Key: metav1.ObjectNameField, Operator: corev1.NodeSelectorOpIn, Values: []string{"node-2"}}}})), cluster(nodes))
	want = "0/3 nodes are available: pod affinity terms conflict. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
	if d.Message != want {
		t.Fatalf("message\n got %q\nwant %q", d.Message, want)
	}
	// A term naming no node leaves every node possible.
	if d := Decide(podWith(requiredTerms(names("node-2"), expr("foo", corev1.NodeSelectorOpDoesNotExist))), cluster(nodes)); d.Node != "node-1" {
		t.Fatalf("chose %q, want node-1 (first by name of the equal nodes)", d.Node)
	}
}

func preferredTerms(terms ...corev1.PreferredSchedulingTerm) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: terms}}
	}
}

// Upstream's TestNodeAffinityPriority: the weights of the preferred terms
// a node matches, scaled so the best node scores 100.
func TestNodeAffinityScore(t *testing.T) {
	pod := podWith(preferredTerms(
		corev1.PreferredSchedulingTerm{Weight: 2, Preference: expr("foo", corev1.NodeSelectorOpIn, "bar")},
		corev1.PreferredSchedulingTerm{Weight: 5, Preference: expr("key", corev1.NodeSelectorOpIn, "value")},
	))
	nodes := []*corev1.Node{
		node("node-1", map[string]string{"foo": "bar"}),
		node("node-2", map[string]string{"foo": "bar", "key": "value"}),
		node("node-3", map[string]string{"az": "az1"}),
	}
	d := Decide(pod, cluster(nodes))
	for name, want := range map[string][2]int64{"node-1": {2, 28}, "node-2": {7, 100}, "node-3": {0, 0}} {
		if got := score(t, d, name, "NodeAffinity"); got.Raw != want[0] || got.Normalized != want[1] || got.Weight != 2 {
			t.Errorf("%s: NodeAffinity %+v, want raw %d normalised %d weight 2", name, got, want[0], want[1])
		}
	}
	if d.Node != "node-2" {
		t.Fatalf("chose %s, want node-2, the preferred node", d.Node)
	}
	// Without preferred terms the plugin is skipped.
	if got := score(t, Decide(podWith(nil), cluster(nodes)), "node-1", "NodeAffinity"); !got.Skipped {
		t.Fatalf("NodeAffinity %+v, want skipped", got)
	}
}

// A pod that prefers a node lands there even when it is not first by name
// and other nodes fit as well.
func TestPreferredNodeAffinityLandsOnThePreferredNode(t *testing.T) {
	nodes := []*corev1.Node{node("node-1", nil), node("node-2", map[string]string{"disktype": "ssd"}), node("node-3", nil)}
	pod := podWith(preferredTerms(corev1.PreferredSchedulingTerm{Weight: 1, Preference: expr("disktype", corev1.NodeSelectorOpIn, "ssd")}))
	if d := Decide(pod, cluster(nodes)); d.Node != "node-2" {
		t.Fatalf("chose %s, want node-2:\n%s", d.Node, verdicts(d))
	}
}
