package scheduler

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
)

// Upstream's podtopologyspread reasons.
const (
	reasonSpread             = "node(s) didn't match pod topology spread constraints"
	reasonSpreadMissingLabel = reasonSpread + " (missing required label)"
)

// systemDefaultConstraints are upstream's system default spreading, applied
// to a pod that has no topologySpreadConstraints of its own but belongs to
// a controller: soft spreading over hostnames (maxSkew 3) and zones (maxSkew 5).
var systemDefaultConstraints = []corev1.TopologySpreadConstraint{
	{TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.ScheduleAnyway, MaxSkew: 3},
	{TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.ScheduleAnyway, MaxSkew: 5},
}

// spreadConstraint is a parsed TopologySpreadConstraint.
type spreadConstraint struct {
	maxSkew            int32
	topologyKey        string
	selector           labels.Selector
	minDomains         int32
	nodeAffinityPolicy corev1.NodeInclusionPolicy
	nodeTaintsPolicy   corev1.NodeInclusionPolicy
}

// spreadConstraints are the pod's constraints of one kind (DoNotSchedule
// for the filter, ScheduleAnyway for the score); a pod with none of its
// own gets the system defaults, when it has a default selector.
func spreadConstraints(pod *corev1.Pod, action corev1.UnsatisfiableConstraintAction) []spreadConstraint {
	if len(pod.Spec.TopologySpreadConstraints) > 0 {
		return parseSpreadConstraints(pod.Spec.TopologySpreadConstraints, pod.Labels, action)
	}
	cs := parseSpreadConstraints(systemDefaultConstraints, pod.Labels, action)
	if len(cs) == 0 {
		return nil
	}
	sel := defaultSelector(pod)
	if sel.Empty() {
		return nil
	}
	for i := range cs {
		cs[i].selector = sel
	}
	return cs
}

func parseSpreadConstraints(in []corev1.TopologySpreadConstraint, podLabels map[string]string, action corev1.UnsatisfiableConstraintAction) []spreadConstraint {
	var out []spreadConstraint
	for _, c := range in {
		if c.WhenUnsatisfiable != action {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(c.LabelSelector)
		if err != nil {
			continue // the API validates selectors
		}
		// matchLabelKeys: the pod's own values of those keys narrow the selector.
		if len(c.MatchLabelKeys) > 0 {
			set := labels.Set{}
			for _, k := range c.MatchLabelKeys {
				if v, ok := podLabels[k]; ok {
					set[k] = v
				}
			}
			if reqs, ok := sel.Requirements(); ok && len(set) > 0 {
				merged := labels.SelectorFromSet(set)
				sel = merged.Add(reqs...)
			}
		}
		sc := spreadConstraint{maxSkew: c.MaxSkew, topologyKey: c.TopologyKey, selector: sel,
			minDomains: 1, nodeAffinityPolicy: corev1.NodeInclusionPolicyHonor, nodeTaintsPolicy: corev1.NodeInclusionPolicyIgnore}
		if c.MinDomains != nil {
			sc.minDomains = *c.MinDomains
		}
		if c.NodeAffinityPolicy != nil {
			sc.nodeAffinityPolicy = *c.NodeAffinityPolicy
		}
		if c.NodeTaintsPolicy != nil {
			sc.nodeTaintsPolicy = *c.NodeTaintsPolicy
		}
		out = append(out, sc)
	}
	return out
}

var (
	replicationControllerKind = corev1.SchemeGroupVersion.WithKind("ReplicationController")
	replicaSetKind            = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "ReplicaSet"}
	statefulSetKind           = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "StatefulSet"}
)

// defaultSelector stands in for upstream's helper.DefaultSelector, which
// merges the selectors of the Services, ReplicationControllers,
// ReplicaSets and StatefulSets that select the pod. The lab serves none of
// those objects, so a pod whose controller (ownerReference with
// controller: true) is a ReplicationController, ReplicaSet or StatefulSet
// is spread with its own labels as the selector — the labels its
// controller stamped on all its replicas — and any other pod is not
// spread by default, as upstream leaves a pod no controller or Service selects.
func defaultSelector(pod *corev1.Pod) labels.Selector {
	owner := metav1.GetControllerOfNoCopy(pod)
	if owner == nil {
		return labels.Everything() // empty: no default spreading
	}
	gv, err := schema.ParseGroupVersion(owner.APIVersion)
	if err != nil {
		return labels.Everything()
	}
	switch gv.WithKind(owner.Kind) {
	case replicationControllerKind, replicaSetKind, statefulSetKind:
		return labels.SelectorFromSet(pod.Labels)
	}
	return labels.Everything()
}

// includes says whether node counts as a domain of c for pod: it must
// match the pod's required node affinity unless nodeAffinityPolicy is
// Ignore, and carry no taint the pod does not tolerate when
// nodeTaintsPolicy is Honor.
func (c *spreadConstraint) includes(cy *cycle, node *corev1.Node) bool {
	if c.nodeAffinityPolicy == corev1.NodeInclusionPolicyHonor {
		if ok, _ := cy.required.Match(node); !ok {
			return false
		}
	}
	if c.nodeTaintsPolicy == corev1.NodeInclusionPolicyHonor {
		if _, untolerated := untoleratedTaint(cy.pod, node); untolerated {
			return false
		}
	}
	return true
}

// hasTopologyKeys: the node carries every constraint's topology key.
func hasTopologyKeys(node *corev1.Node, cs []spreadConstraint) bool {
	for _, c := range cs {
		if _, ok := node.Labels[c.topologyKey]; !ok {
			return false
		}
	}
	return true
}

// countMatching counts the pods of ns sel selects, leaving out those being
// deleted.
func countMatching(pods []*podInfo, sel labels.Selector, ns string) int {
	if sel.Empty() {
		return 0
	}
	n := 0
	for _, p := range pods {
		if p.pod.DeletionTimestamp != nil || p.pod.Namespace != ns {
			continue
		}
		if sel.Matches(labels.Set(p.pod.Labels)) {
			n++
		}
	}
	return n
}

// spreadState is PodTopologySpread's PreFilter: for each DoNotSchedule
// constraint, the matching pods in each domain (the topology values of the
// nodes that count) and the fewest in any domain.
type spreadState struct {
	constraints []spreadConstraint
	counts      []map[string]int
	min         []int
}

// podTopologySpreadFilter is upstream's PodTopologySpread filter: placing
// the pod in the node's domain must keep, for every DoNotSchedule
// constraint, the matching pods there (the pod counted if it matches)
// within maxSkew of the emptiest domain — taken as 0 while fewer than
// minDomains domains exist. A node without a constraint's topology key
// cannot take the pod.
var podTopologySpreadFilter = filterPlugin{
	name: "PodTopologySpread",
	preFilter: func(c *cycle) (sets.Set[string], *status) {
		cs := spreadConstraints(c.pod, corev1.DoNotSchedule)
		if len(cs) == 0 {
			return nil, skipped
		}
		s := &spreadState{constraints: cs, counts: make([]map[string]int, len(cs)), min: make([]int, len(cs))}
		for i := range cs {
			s.counts[i] = map[string]int{}
		}
		for _, ni := range c.snap.nodes {
			if !hasTopologyKeys(ni.node, cs) {
				continue
			}
			for i := range cs {
				if !cs[i].includes(c, ni.node) {
					continue
				}
				s.counts[i][ni.node.Labels[cs[i].topologyKey]] += countMatching(ni.pods, cs[i].selector, c.pod.Namespace)
			}
		}
		for i := range cs {
			s.min[i] = 0
			if len(s.counts[i]) >= int(cs[i].minDomains) {
				first := true
				for _, n := range s.counts[i] {
					if first || n < s.min[i] {
						s.min[i], first = n, false
					}
				}
			}
		}
		c.spread = s
		return nil, nil
	},
	filter: func(c *cycle, ni *nodeInfo) *status {
		s := c.spread
		self := labels.Set(c.pod.Labels)
		for i, sc := range s.constraints {
			value, ok := ni.node.Labels[sc.topologyKey]
			if !ok {
				return reject(codeUnresolvable, "the node has no label "+sc.topologyKey+", the topology key of a constraint", reasonSpreadMissingLabel)
			}
			selfMatch := 0
			if sc.selector.Matches(self) {
				selfMatch = 1
			}
			matching := s.counts[i][value]
			if skew := matching + selfMatch - s.min[i]; skew > int(sc.maxSkew) {
				return reject(codeUnschedulable, fmt.Sprintf("%s=%s would hold %d matching pods against %d in the emptiest domain: skew %d > maxSkew %d",
					sc.topologyKey, value, matching+selfMatch, s.min[i], skew, sc.maxSkew), reasonSpread)
			}
		}
		return nil
	},
}
