package scheduler

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func taint(key, value string, effect corev1.TaintEffect) corev1.Taint {
	return corev1.Taint{Key: key, Value: value, Effect: effect}
}

func toleration(key string, op corev1.TolerationOperator, value string, effect corev1.TaintEffect) corev1.Toleration {
	return corev1.Toleration{Key: key, Operator: op, Value: value, Effect: effect}
}

func tolerating(tols ...corev1.Toleration) *corev1.Pod {
	return podWith(func(p *corev1.Pod) { p.Spec.Tolerations = tols })
}

// The cases of upstream's TestTaintTolerationFilter, and the empty-key and
// empty-effect rules.
func TestTaintTolerationFilter(t *testing.T) {
	const (
		noSchedule = corev1.TaintEffectNoSchedule
		noExecute  = corev1.TaintEffectNoExecute
		prefer     = corev1.TaintEffectPreferNoSchedule
	)
	for _, tc := range []struct {
		name   string
		pod    *corev1.Pod
		taints []corev1.Taint
		fits   bool
	}{
		{"no tolerations, a NoSchedule taint", tolerating(), []corev1.Taint{taint("dedicated", "user1", noSchedule)}, false},
		{"Equal toleration of the taint", tolerating(toleration("dedicated", corev1.TolerationOpEqual, "user1", noSchedule)),
			[]corev1.Taint{taint("dedicated", "user1", noSchedule)}, true},
		{"Equal toleration of another value", tolerating(toleration("dedicated", corev1.TolerationOpEqual, "user2", noSchedule)),
			[]corev1.Taint{taint("dedicated", "user1", noSchedule)}, false},
		{"Exists toleration of the key", tolerating(toleration("foo", corev1.TolerationOpExists, "", noSchedule)),
			[]corev1.Taint{taint("foo", "bar", noSchedule)}, true},
		{"every taint tolerated", tolerating(toleration("dedicated", corev1.TolerationOpEqual, "user2", noSchedule),
			toleration("foo", corev1.TolerationOpExists, "", noSchedule)),
			[]corev1.Taint{taint("dedicated", "user2", noSchedule), taint("foo", "", noSchedule)}, true},
		{"key and value match, another effect", tolerating(toleration("foo", corev1.TolerationOpEqual, "bar", prefer)),
			[]corev1.Taint{taint("foo", "bar", noSchedule)}, false},
		{"empty effect matches every effect", tolerating(toleration("foo", corev1.TolerationOpEqual, "bar", "")),
			[]corev1.Taint{taint("foo", "bar", noSchedule), taint("foo", "bar", noExecute)}, true},
		{"untolerated PreferNoSchedule does not block", tolerating(toleration("dedicated", corev1.TolerationOpEqual, "user2", noSchedule)),
			[]corev1.Taint{taint("dedicated", "user1", prefer)}, true},
		{"no tolerations, PreferNoSchedule only", tolerating(), []corev1.Taint{taint("dedicated", "user1", prefer)}, true},
		{"empty key with Exists tolerates every taint", tolerating(toleration("", corev1.TolerationOpExists, "", "")),
			[]corev1.Taint{taint("a", "1", noSchedule), taint("b", "", noExecute), taint("node.kubernetes.io/unschedulable", "", noSchedule)}, true},
		{"empty key with Exists and an effect tolerates that effect only", tolerating(toleration("", corev1.TolerationOpExists, "", noSchedule)),
			[]corev1.Taint{taint("a", "1", noSchedule), taint("b", "", noExecute)}, false},
		{"untolerated NoExecute", tolerating(toleration("a", corev1.TolerationOpExists, "", noSchedule)),
			[]corev1.Taint{taint("a", "", noExecute)}, false},
		{"the default operator is Equal", tolerating(toleration("a", "", "1", noSchedule)), []corev1.Taint{taint("a", "1", noSchedule)}, true},
		// TaintTolerationComparisonOperators is alpha and off in v1.37.
		{"Gt is not honoured", tolerating(toleration("sla", corev1.TolerationOperator("Gt"), "90", noSchedule)),
			[]corev1.Taint{taint("sla", "95", noSchedule)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.pod, cluster([]*corev1.Node{node("node-1", nil, tc.taints...)}))
			r := result(t, d, "node-1")
			if r.Feasible() != tc.fits {
				t.Fatalf("fits = %v, want %v (%s)", r.Feasible(), tc.fits, verdicts(d))
			}
			if !tc.fits && (r.Plugin != "TaintToleration" || len(r.Reasons) != 1 || r.Reasons[0] != "node(s) had untolerated taint(s)") {
				t.Fatalf("rejected by %s %q, want TaintToleration's untolerated taint(s)", r.Plugin, r.Reasons)
			}
		})
	}
}

// The cases of upstream's TestTaintTolerationScore: a node scores by the
// PreferNoSchedule taints the pod does not tolerate, fewest best.
func TestTaintTolerationScore(t *testing.T) {
	prefer := corev1.TaintEffectPreferNoSchedule
	for _, tc := range []struct {
		name  string
		pod   *corev1.Pod
		nodes []*corev1.Node
		want  map[string]int64
	}{
		{"tolerated taints score higher than intolerable ones",
			tolerating(toleration("foo", corev1.TolerationOpEqual, "bar", prefer)),
			[]*corev1.Node{node("node-a", nil, taint("foo", "bar", prefer)), node("node-b", nil, taint("foo", "blah", prefer))},
			map[string]int64{"node-a": 100, "node-b": 0}},
		{"nodes whose taints are all tolerated score the same",
			tolerating(toleration("foo", corev1.TolerationOpEqual, "bar", prefer), toleration("cpu-type", corev1.TolerationOpEqual, "arm64", prefer)),
			[]*corev1.Node{node("node-a", nil), node("node-b", nil, taint("foo", "bar", prefer)),
				node("node-c", nil, taint("foo", "bar", prefer), taint("cpu-type", "arm64", prefer))},
			map[string]int64{"node-a": 100, "node-b": 100, "node-c": 100}},
		{"the more intolerable taints, the lower the score",
			tolerating(toleration("foo", corev1.TolerationOpEqual, "bar", prefer)),
			[]*corev1.Node{node("node-a", nil), node("node-b", nil, taint("cpu-type", "arm64", prefer)),
				node("node-c", nil, taint("cpu-type", "arm64", prefer), taint("disk-type", "ssd", prefer))},
			map[string]int64{"node-a": 100, "node-b": 50, "node-c": 0}},
		{"only PreferNoSchedule taints and tolerations count",
			tolerating(toleration("cpu-type", corev1.TolerationOpEqual, "arm64", corev1.TaintEffectNoSchedule)),
			[]*corev1.Node{node("node-a", nil), node("node-b", nil, taint("cpu-type", "arm64", prefer)),
				node("node-c", nil, taint("cpu-type", "arm64", corev1.TaintEffectNoSchedule), taint("disk-type", "ssd", prefer))},
			map[string]int64{"node-a": 100, "node-b": 0, "node-c": 0}},
		{"an empty-effect toleration counts", tolerating(toleration("foo", corev1.TolerationOpExists, "", "")),
			[]*corev1.Node{node("node-a", nil, taint("foo", "1", prefer)), node("node-b", nil, taint("bar", "1", prefer))},
			map[string]int64{"node-a": 100, "node-b": 0}},
		{"no taints, no tolerations", tolerating(), []*corev1.Node{node("node-a", nil), node("node-b", nil)},
			map[string]int64{"node-a": 100, "node-b": 100}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.pod, cluster(tc.nodes))
			for name, want := range tc.want {
				if got := score(t, d, name, "TaintToleration"); got.Normalized != want || got.Weight != 3 {
					t.Errorf("%s: TaintToleration %+v, want normalised %d weight 3", name, got, want)
				}
			}
		})
	}
}

// A PreferNoSchedule taint is avoided while another node fits (node-1
// would win the tie by name otherwise).
func TestPreferNoScheduleAvoidedWhenOthersFit(t *testing.T) {
	nodes := []*corev1.Node{node("node-1", nil, taint("maintenance", "soon", corev1.TaintEffectPreferNoSchedule)), node("node-2", nil)}
	if d := Decide(podWith(nil), cluster(nodes)); d.Node != "node-2" {
		t.Fatalf("chose %s, want node-2:\n%s", d.Node, verdicts(d))
	}
	// Alone, the tainted node still takes the pod.
	if d := Decide(podWith(nil), cluster(nodes[:1])); d.Node != "node-1" {
		t.Fatalf("chose %q, want node-1: PreferNoSchedule never blocks", d.Node)
	}
}
