package scheduler

import (
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
)

// Upstream's nodeaffinity reasons.
const (
	reasonNodeAffinity         = "node(s) didn't match Pod's node affinity/selector"
	reasonNodeAffinityConflict = "pod affinity terms conflict"
)

// nodeAffinityFilter is upstream's NodeAffinity filter: the node must match
// the pod's nodeSelector and one of the terms of its required node affinity
// (component-helpers' nodeaffinity does the matching: In, NotIn, Exists,
// DoesNotExist, Gt and Lt on labels, Gt and Lt parsing integers; In and
// NotIn on the field metadata.name).
var nodeAffinityFilter = filterPlugin{
	name: "NodeAffinity",
	preFilter: func(c *cycle) (sets.Set[string], *status) {
		var required *corev1.NodeSelector
		if a := c.pod.Spec.Affinity; a != nil && a.NodeAffinity != nil {
			required = a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
		}
		if required == nil && c.pod.Spec.NodeSelector == nil {
			return nil, skipped
		}
		if required == nil || len(required.NodeSelectorTerms) == 0 {
			return nil, nil
		}
		// Terms that each name nodes with matchFields metadata.name In
		// restrict the pod to those nodes (upstream's PreFilterResult); a
		// term that names none leaves every node possible.
		var names sets.Set[string]
		for _, t := range required.NodeSelectorTerms {
			var term sets.Set[string]
			for _, r := range t.MatchFields {
				if r.Key == metav1.ObjectNameField && r.Operator == corev1.NodeSelectorOpIn {
					if term == nil {
						term = sets.New(r.Values...)
					} else {
						term = term.Intersection(sets.New(r.Values...))
					}
				}
			}
			if term == nil {
				return nil, nil
			}
			names = names.Union(term)
		}
		if len(names) == 0 {
			return nil, reject(codeUnresolvable, "the matchFields of every required term name no node in common", reasonNodeAffinityConflict)
		}
		return names, nil
	},
	filter: func(c *cycle, ni *nodeInfo) *status {
		if ok, _ := c.required.Match(ni.node); ok {
			return nil
		}
		detail := "no term of the pod's required node affinity matches the node's labels"
		if sel := c.pod.Spec.NodeSelector; len(sel) > 0 && !labels.SelectorFromSet(sel).Matches(labels.Set(ni.node.Labels)) {
			detail = "the node's labels do not match the pod's nodeSelector " + selectorString(sel)
		}
		return reject(codeUnresolvable, detail, reasonNodeAffinity)
	},
}

func selectorString(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// nodeAffinityScore is upstream's NodeAffinity score (weight 2): the sum of
// the weights of the pod's preferred terms the node matches, scaled so the
// best node scores 100. A pod with no preferred terms skips it.
var nodeAffinityScore = scorePlugin{
	name:   "NodeAffinity",
	weight: 2,
	preScore: func(c *cycle, _ []*nodeInfo) bool {
		a := c.pod.Spec.Affinity
		if a == nil || a.NodeAffinity == nil || a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution == nil {
			return false
		}
		terms, err := nodeaffinity.NewPreferredSchedulingTerms(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution)
		if err != nil {
			return false // the API rejects such terms; upstream fails the attempt
		}
		c.preferred = terms
		return true
	},
	score:     func(c *cycle, ni *nodeInfo) int64 { return c.preferred.Score(ni.node) },
	normalize: func(_ *cycle, _ []*nodeInfo, scores []int64) { defaultNormalizeScore(false, scores) },
}
