package scheduler

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func term(app string) corev1.PodAffinityTerm { return termOn(app, corev1.LabelHostname) }

func termOn(app, key string) corev1.PodAffinityTerm {
	return corev1.PodAffinityTerm{
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
		TopologyKey:   key,
	}
}

func affine(p *corev1.Pod, terms ...corev1.PodAffinityTerm) *corev1.Pod {
	if p.Spec.Affinity == nil {
		p.Spec.Affinity = &corev1.Affinity{}
	}
	p.Spec.Affinity.PodAffinity = &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: terms}
	return p
}

func repelled(p *corev1.Pod, terms ...corev1.PodAffinityTerm) *corev1.Pod {
	if p.Spec.Affinity == nil {
		p.Spec.Affinity = &corev1.Affinity{}
	}
	p.Spec.Affinity.PodAntiAffinity = &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: terms}
	return p
}

func inNamespace(ns string, p *corev1.Pod) *corev1.Pod { p.Namespace = ns; return p }

func namespace(name string, labels map[string]string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
}

// The cases of upstream's TestRequiredAffinitySingleNode and
// TestRequiredAffinityMultipleNodes: required affinity, anti-affinity and
// the existing pods' anti-affinity, on hostnames and on a shared zone.
func TestInterPodAffinityFilter(t *testing.T) {
	twoHosts := []*corev1.Node{node("node-1", nil), node("node-2", nil)}
	zones := []*corev1.Node{zoned("node-1", "a"), zoned("node-2", "a"), zoned("node-3", "b")}
	withNS := func(ns string, sel *metav1.LabelSelector, names ...string) corev1.PodAffinityTerm {
		t := term("cache")
		t.NamespaceSelector, t.Namespaces = sel, names
		return t
	}
	for _, tc := range []struct {
		name       string
		pod        *corev1.Pod
		nodes      []*corev1.Node
		pods       []*corev1.Pod
		namespaces []*corev1.Namespace
		want       string
	}{
		{"affinity: beside the matching pod", affine(labelled("web", "web"), term("cache")), twoHosts,
			[]*corev1.Pod{on("node-2", labelled("cache", "cache"))},
			nil, "node-1: InterPodAffinity node(s) didn't match pod affinity rules\nnode-2: fits\n"},
		{"affinity: no matching pod anywhere", affine(labelled("web", "web"), term("cache")), twoHosts, nil,
			nil, "node-1: InterPodAffinity node(s) didn't match pod affinity rules\nnode-2: InterPodAffinity node(s) didn't match pod affinity rules\n"},
		{"affinity: the first of a group that selects itself goes anywhere", affine(labelled("cache-1", "cache"), term("cache")), twoHosts, nil,
			nil, "node-1: fits\nnode-2: fits\n"},
		{"affinity: a matching pod elsewhere ends the exemption", affine(labelled("cache-2", "cache"), term("cache")), twoHosts,
			[]*corev1.Pod{on("node-1", labelled("cache-1", "cache"))},
			nil, "node-1: fits\nnode-2: InterPodAffinity node(s) didn't match pod affinity rules\n"},
		{"affinity: a shared zone", affine(labelled("web", "web"), termOn("cache", "zone")), zones,
			[]*corev1.Pod{on("node-1", labelled("cache", "cache"))},
			nil, "node-1: fits\nnode-2: fits\nnode-3: InterPodAffinity node(s) didn't match pod affinity rules\n"},
		{"affinity: a node without the topology key", affine(labelled("web", "web"), termOn("cache", "zone")),
			[]*corev1.Node{zoned("node-1", "a"), zoned("node-2", "")}, []*corev1.Pod{on("node-1", labelled("cache", "cache"))},
			nil, "node-1: fits\nnode-2: InterPodAffinity node(s) didn't match pod affinity rules\n"},
		{"affinity: every term must match the same pods", affine(labelled("web", "web"), term("cache"), term("db")), twoHosts,
			[]*corev1.Pod{on("node-1", labelled("cache", "cache")), on("node-1", labelled("db", "db"))},
			nil, "node-1: InterPodAffinity node(s) didn't match pod affinity rules\nnode-2: InterPodAffinity node(s) didn't match pod affinity rules\n"},
		{"anti-affinity: not beside the selected pod", repelled(labelled("pod-second", "backend"), term("myapp")), twoHosts,
			[]*corev1.Pod{on("node-1", labelled("pod-first", "myapp"))},
			nil, "node-1: InterPodAffinity node(s) didn't match pod anti-affinity rules\nnode-2: fits\n"},
		{"anti-affinity on a shared zone leaves the second pod pending", repelled(labelled("pod-second", "backend"), termOn("myapp", "zone")),
			[]*corev1.Node{zoned("node-1", "a"), zoned("node-2", "a")}, []*corev1.Pod{on("node-1", labelled("pod-first", "myapp"))},
			nil, "node-1: InterPodAffinity node(s) didn't match pod anti-affinity rules\nnode-2: InterPodAffinity node(s) didn't match pod anti-affinity rules\n"},
		{"anti-affinity: a node without the topology key passes", repelled(labelled("web", "web"), termOn("myapp", "zone")),
			[]*corev1.Node{zoned("node-1", "a"), zoned("node-2", "")}, []*corev1.Pod{on("node-1", labelled("first", "myapp"))},
			nil, "node-1: InterPodAffinity node(s) didn't match pod anti-affinity rules\nnode-2: fits\n"},
		{"existing pods' anti-affinity repels the pod", labelled("new", "myapp"), twoHosts,
			[]*corev1.Pod{on("node-1", repelled(labelled("loner", "x"), term("myapp")))},
			nil, "node-1: InterPodAffinity node(s) didn't satisfy existing pods anti-affinity rules\nnode-2: fits\n"},
		{"existing pods' anti-affinity over a zone", labelled("new", "myapp"), zones,
			[]*corev1.Pod{on("node-1", repelled(labelled("loner", "x"), termOn("myapp", "zone")))},
			nil, "node-1: InterPodAffinity node(s) didn't satisfy existing pods anti-affinity rules\nnode-2: InterPodAffinity node(s) didn't satisfy existing pods anti-affinity rules\nnode-3: fits\n"},
		{"existing pods' anti-affinity selects its own namespace only", inNamespace("team", labelled("new", "myapp")), twoHosts,
			[]*corev1.Pod{on("node-1", repelled(labelled("loner", "x"), term("myapp")))},
			nil, "node-1: fits\nnode-2: fits\n"},
		{"existing pods' anti-affinity with a namespaceSelector", inNamespace("team", labelled("new", "myapp")), twoHosts,
			[]*corev1.Pod{on("node-1", repelled(labelled("loner", "x"), func() corev1.PodAffinityTerm {
				t := term("myapp")
				t.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "front"}}
				return t
			}()))},
			[]*corev1.Namespace{namespace("default", nil), namespace("team", map[string]string{"tier": "front"})},
			"node-1: InterPodAffinity node(s) didn't satisfy existing pods anti-affinity rules\nnode-2: fits\n"},
		{"affinity selects the pod's own namespace by default", affine(labelled("web", "web"), term("cache")), twoHosts,
			[]*corev1.Pod{on("node-1", inNamespace("team", labelled("cache", "cache")))}, nil,
			"node-1: InterPodAffinity node(s) didn't match pod affinity rules\nnode-2: InterPodAffinity node(s) didn't match pod affinity rules\n"},
		{"affinity with namespaces", affine(labelled("web", "web"), withNS("", nil, "team")), twoHosts,
			[]*corev1.Pod{on("node-1", inNamespace("team", labelled("cache", "cache"))), on("node-2", labelled("cache-d", "cache"))}, nil,
			"node-1: fits\nnode-2: InterPodAffinity node(s) didn't match pod affinity rules\n"},
		{"affinity with a namespaceSelector", affine(labelled("web", "web"), withNS("", &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "cache"}})), twoHosts,
			[]*corev1.Pod{on("node-1", inNamespace("team", labelled("cache", "cache"))), on("node-2", labelled("cache-d", "cache"))},
			[]*corev1.Namespace{namespace("default", nil), namespace("team", map[string]string{"tier": "cache"})},
			"node-1: fits\nnode-2: InterPodAffinity node(s) didn't match pod affinity rules\n"},
		{"namespaces and a namespaceSelector add up", affine(labelled("web", "web"), withNS("", &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "cache"}}, "default")),
			twoHosts, []*corev1.Pod{on("node-1", inNamespace("team", labelled("cache", "cache"))), on("node-2", labelled("cache-d", "cache"))},
			[]*corev1.Namespace{namespace("default", nil), namespace("team", map[string]string{"tier": "cache"})},
			"node-1: fits\nnode-2: fits\n"},
		{"an empty namespaceSelector selects every namespace", repelled(labelled("web", "web"), withNS("", &metav1.LabelSelector{})),
			twoHosts, []*corev1.Pod{on("node-1", inNamespace("team", labelled("cache", "cache")))}, nil,
			"node-1: InterPodAffinity node(s) didn't match pod anti-affinity rules\nnode-2: fits\n"},
		{"affinity is checked before anti-affinity", repelled(affine(labelled("web", "web"), term("cache")), term("db")), twoHosts,
			[]*corev1.Pod{on("node-1", labelled("db", "db"))},
			nil, "node-1: InterPodAffinity node(s) didn't match pod affinity rules\nnode-2: InterPodAffinity node(s) didn't match pod affinity rules\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := cluster(tc.nodes, tc.pods...)
			cl.Namespaces = tc.namespaces
			if got := verdicts(Decide(tc.pod, cl)); got != tc.want {
				t.Fatalf("verdicts:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func preferring(p *corev1.Pod, affinity, anti []corev1.WeightedPodAffinityTerm) *corev1.Pod {
	if p.Spec.Affinity == nil {
		p.Spec.Affinity = &corev1.Affinity{}
	}
	if affinity != nil {
		if p.Spec.Affinity.PodAffinity == nil {
			p.Spec.Affinity.PodAffinity = &corev1.PodAffinity{}
		}
		p.Spec.Affinity.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution = affinity
	}
	if anti != nil {
		if p.Spec.Affinity.PodAntiAffinity == nil {
			p.Spec.Affinity.PodAntiAffinity = &corev1.PodAntiAffinity{}
		}
		p.Spec.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution = anti
	}
	return p
}

func weighted(w int32, t corev1.PodAffinityTerm) []corev1.WeightedPodAffinityTerm {
	return []corev1.WeightedPodAffinityTerm{{Weight: w, PodAffinityTerm: t}}
}

// The cases of upstream's TestPreferredAffinity: preferred terms of the
// pod and of the bound pods, weighted, normalised between the lowest and
// the highest node.
func TestInterPodAffinityScore(t *testing.T) {
	zones := []*corev1.Node{zoned("node-1", "a"), zoned("node-2", "a"), zoned("node-3", "b")}
	for _, tc := range []struct {
		name string
		pod  *corev1.Pod
		pods []*corev1.Pod
		want map[string][2]int64 // raw, normalised
	}{
		{"preferred affinity for a zone", preferring(labelled("web", "web"), weighted(5, termOn("cache", "zone")), nil),
			[]*corev1.Pod{on("node-1", labelled("cache", "cache"))},
			map[string][2]int64{"node-1": {5, 100}, "node-2": {5, 100}, "node-3": {0, 0}}},
		{"preferred anti-affinity for a host", preferring(labelled("web", "web"), nil, weighted(3, term("web"))),
			[]*corev1.Pod{on("node-2", labelled("web-1", "web"))},
			map[string][2]int64{"node-1": {0, 100}, "node-2": {-3, 0}, "node-3": {0, 100}}},
		{"weights add up: two matching pods", preferring(labelled("web", "web"), weighted(2, term("cache")), nil),
			[]*corev1.Pod{on("node-1", labelled("cache-1", "cache")), on("node-1", labelled("cache-2", "cache")), on("node-3", labelled("cache-3", "cache"))},
			map[string][2]int64{"node-1": {4, 100}, "node-2": {0, 0}, "node-3": {2, 50}}},
		{"a bound pod's required affinity for the pod counts 1", labelled("cache", "cache"),
			[]*corev1.Pod{on("node-3", affine(labelled("web", "web"), term("cache")))},
			map[string][2]int64{"node-1": {0, 0}, "node-2": {0, 0}, "node-3": {1, 100}}},
		{"a bound pod's preferred anti-affinity for the pod", labelled("noisy", "noisy"),
			[]*corev1.Pod{on("node-1", preferring(labelled("quiet", "quiet"), nil, weighted(10, termOn("noisy", "zone"))))},
			map[string][2]int64{"node-1": {-10, 0}, "node-2": {-10, 0}, "node-3": {0, 100}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.pod, cluster(zones, tc.pods...))
			for name, want := range tc.want {
				if got := score(t, d, name, "InterPodAffinity"); got.Raw != want[0] || got.Normalized != want[1] || got.Weight != 2 {
					t.Errorf("%s: InterPodAffinity %+v, want raw %d normalised %d weight 2", name, got, want[0], want[1])
				}
			}
		})
	}
	// Nothing to weigh: skipped.
	if got := score(t, Decide(labelled("web", "web"), cluster(zones)), "node-1", "InterPodAffinity"); !got.Skipped {
		t.Errorf("no affinity anywhere: %+v, want skipped", got)
	}
}
