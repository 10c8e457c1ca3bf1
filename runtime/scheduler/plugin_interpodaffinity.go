package scheduler

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/sets"
)

// Upstream's interpodaffinity reasons.
const (
	reasonPodAffinity       = "node(s) didn't match pod affinity rules"
	reasonPodAntiAffinity   = "node(s) didn't match pod anti-affinity rules"
	reasonExistingAntiAffin = "node(s) didn't satisfy existing pods anti-affinity rules"
)

// topologyPair is a topology domain: the nodes whose label key has value.
type topologyPair struct{ key, value string }

// podAffinityState is InterPodAffinity's PreFilter: the pod's required
// terms with their namespace selectors resolved to namespaces, and, per
// topology domain, the bound pods that match all its affinity terms, that
// its anti-affinity selects, and whose required anti-affinity selects it
// (with the first such pod, to explain).
type podAffinityState struct {
	affinity, anti                   []affinityTerm
	affinityCounts, antiCounts       map[topologyPair]int64
	existingAnti                     map[topologyPair]int64
	antiExample, existingAntiExample map[topologyPair]string
}

// resolveNamespaces turns a term's namespaceSelector into the namespaces
// it selects now, as upstream does for the incoming pod's terms (an empty
// selector, every namespace, stays as it is).
func (c *cycle) resolveNamespaces(t affinityTerm) affinityTerm {
	if t.nsSelector.Empty() {
		return t
	}
	t.namespaces = t.namespaces.Clone().Insert(c.snap.namespacesMatching(t.nsSelector)...)
	t.nsSelector = labels.Nothing()
	return t
}

func (c *cycle) resolveAll(terms []affinityTerm) []affinityTerm {
	out := make([]affinityTerm, len(terms))
	for i, t := range terms {
		out[i] = c.resolveNamespaces(t)
	}
	return out
}

// matchesAll says whether p matches every term (and there is one), the
// rule for a pod to count toward the pod's affinity.
func matchesAll(terms []affinityTerm, p *podInfo) bool {
	if len(terms) == 0 {
		return false
	}
	for i := range terms {
		if !terms[i].matches(p.pod, nil) {
			return false
		}
	}
	return true
}

func podKey(p *podInfo) string { return p.pod.Namespace + "/" + p.pod.Name }

// interPodAffinityFilter is upstream's InterPodAffinity filter, in its
// order: the pod's required affinity (every term needs a matching pod in
// the node's domain of its topology key, unless no pod anywhere matches
// and the pod matches its own terms — the first of a group), its required
// anti-affinity (no selected pod in the node's domain), and the required
// anti-affinity of the bound pods (none may select it in a domain the
// node is in). A node without a term's topology key fails affinity but
// passes anti-affinity.
var interPodAffinityFilter = filterPlugin{
	name: "InterPodAffinity",
	preFilter: func(c *cycle) (sets.Set[string], *status) {
		if err := c.info.parseErr; err != nil {
			return nil, reject(codeUnresolvable, "a label selector of the pod's affinity does not parse", fmt.Sprintf("parsing pod: %+v", err))
		}
		s := &podAffinityState{
			affinity: c.resolveAll(c.info.requiredAffinity), anti: c.resolveAll(c.info.requiredAnti),
			affinityCounts: map[topologyPair]int64{}, antiCounts: map[topologyPair]int64{}, existingAnti: map[topologyPair]int64{},
			antiExample: map[topologyPair]string{}, existingAntiExample: map[topologyPair]string{},
		}
		for _, ni := range c.snap.nodes {
			for _, p := range ni.withRequiredAnti {
				for i := range p.requiredAnti {
					t := &p.requiredAnti[i]
					if v, ok := ni.node.Labels[t.topologyKey]; ok && t.matches(c.pod, c.nsLabels) {
						tp := topologyPair{t.topologyKey, v}
						s.existingAnti[tp]++
						if s.existingAntiExample[tp] == "" {
							s.existingAntiExample[tp] = podKey(p)
						}
					}
				}
			}
			if len(s.affinity) == 0 && len(s.anti) == 0 {
				continue
			}
			for _, p := range ni.pods {
				if matchesAll(s.affinity, p) {
					for _, t := range s.affinity {
						if v, ok := ni.node.Labels[t.topologyKey]; ok {
							s.affinityCounts[topologyPair{t.topologyKey, v}]++
						}
					}
				}
				for i := range s.anti {
					t := &s.anti[i]
					if v, ok := ni.node.Labels[t.topologyKey]; ok && t.matches(p.pod, nil) {
						tp := topologyPair{t.topologyKey, v}
						s.antiCounts[tp]++
						if s.antiExample[tp] == "" {
							s.antiExample[tp] = podKey(p)
						}
					}
				}
			}
		}
		if len(s.existingAnti) == 0 && len(s.affinity) == 0 && len(s.anti) == 0 {
			return nil, skipped
		}
		c.podAffinity = s
		return nil, nil
	},
	filter: func(c *cycle, ni *nodeInfo) *status {
		s := c.podAffinity
		node := ni.node
		if len(s.affinity) > 0 {
			exist := true
			for _, t := range s.affinity {
				v, ok := node.Labels[t.topologyKey]
				if !ok {
					return reject(codeUnresolvable, "the node has no label "+t.topologyKey+", the topology key of a required pod affinity term", reasonPodAffinity)
				}
				if s.affinityCounts[topologyPair{t.topologyKey, v}] <= 0 {
					exist = false
				}
			}
			if !exist && !(len(s.affinityCounts) == 0 && matchesAll(s.affinity, c.info)) {
				return reject(codeUnresolvable, "no pod matching the pod's required affinity runs in the node's "+domains(node, s.affinity), reasonPodAffinity)
			}
		}
		for _, t := range s.anti {
			if v, ok := node.Labels[t.topologyKey]; ok {
				tp := topologyPair{t.topologyKey, v}
				if s.antiCounts[tp] > 0 {
					return reject(codeUnschedulable, fmt.Sprintf("pod %s, which the pod's required anti-affinity selects, runs in %s=%s", s.antiExample[tp], tp.key, tp.value), reasonPodAntiAffinity)
				}
			}
		}
		if len(s.existingAnti) > 0 {
			var hit *topologyPair
			for k, v := range node.Labels {
				if tp := (topologyPair{k, v}); s.existingAnti[tp] > 0 && (hit == nil || k < hit.key) {
					hit = &tp
				}
			}
			if hit != nil {
				return reject(codeUnschedulable, fmt.Sprintf("the required anti-affinity of pod %s, in %s=%s, selects this pod",
					s.existingAntiExample[*hit], hit.key, hit.value), reasonExistingAntiAffin)
			}
		}
		return nil
	},
}

// domains names the node's domains of the terms' topology keys.
func domains(node *corev1.Node, terms []affinityTerm) string {
	seen := sets.New[string]()
	out := ""
	for _, t := range terms {
		if seen.Has(t.topologyKey) {
			continue
		}
		seen.Insert(t.topologyKey)
		if out != "" {
			out += ", "
		}
		out += t.topologyKey + "=" + node.Labels[t.topologyKey]
	}
	return out
}
