package scheduler

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// InterPodAffinity's filter reasons (upstream's interpodaffinity plugin).
const (
	reasonPodAffinity       = "node(s) didn't match pod affinity rules"
	reasonPodAntiAffinity   = "node(s) didn't match pod anti-affinity rules"
	reasonExistingAntiAffin = "node(s) didn't satisfy existing pods anti-affinity rules"
)

// placed is a pod already bound, with the node it runs on.
type placed struct {
	pod  *corev1.Pod
	node *corev1.Node
}

// interPodFit is the InterPodAffinity filter for the required terms: the
// pod's affinity must find a matching pod in node's topology domain, its
// anti-affinity must find none there, and no pod there may repel it.
// A namespaceSelector that is empty means every namespace; a non-empty one
// is not evaluated (the lab's namespaces carry no labels to match).
func interPodFit(pod *corev1.Pod, node *corev1.Node, others []placed) []string {
	var affinity, anti []corev1.PodAffinityTerm
	if a := pod.Spec.Affinity; a != nil {
		if a.PodAffinity != nil {
			affinity = a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution
		}
		if a.PodAntiAffinity != nil {
			anti = a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
		}
	}
	for _, term := range affinity {
		if !anyInDomain(term, pod, node, others) && !(noneAnywhere(term, pod, others) && termMatches(term, pod, pod)) {
			return []string{reasonPodAffinity}
		}
	}
	for _, term := range anti {
		if anyInDomain(term, pod, node, others) {
			return []string{reasonPodAntiAffinity}
		}
	}
	for _, o := range others {
		a := o.pod.Spec.Affinity
		if a == nil || a.PodAntiAffinity == nil {
			continue
		}
		for _, term := range a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
			if sameDomain(term.TopologyKey, o.node, node) && termMatches(term, o.pod, pod) {
				return []string{reasonExistingAntiAffin}
			}
		}
	}
	return nil
}

// anyInDomain says whether a placed pod in node's domain of the term's
// topology matches the term (of owner).
func anyInDomain(term corev1.PodAffinityTerm, owner *corev1.Pod, node *corev1.Node, others []placed) bool {
	for _, o := range others {
		if sameDomain(term.TopologyKey, o.node, node) && termMatches(term, owner, o.pod) {
			return true
		}
	}
	return false
}

func noneAnywhere(term corev1.PodAffinityTerm, owner *corev1.Pod, others []placed) bool {
	for _, o := range others {
		if termMatches(term, owner, o.pod) {
			return false
		}
	}
	return true
}

// sameDomain: both nodes carry the topology key with the same value.
func sameDomain(key string, a, b *corev1.Node) bool {
	va, oka := a.Labels[key]
	vb, okb := b.Labels[key]
	return oka && okb && va == vb
}

// termMatches says whether p is one of the pods term (of owner) selects.
func termMatches(term corev1.PodAffinityTerm, owner, p *corev1.Pod) bool {
	if !termNamespace(term, owner, p.Namespace) {
		return false
	}
	if term.LabelSelector == nil {
		return false
	}
	sel, err := metav1.LabelSelectorAsSelector(term.LabelSelector)
	if err != nil {
		return false
	}
	return sel.Matches(labels.Set(p.Labels))
}

func termNamespace(term corev1.PodAffinityTerm, owner *corev1.Pod, ns string) bool {
	if ns := term.NamespaceSelector; ns != nil && len(ns.MatchLabels) == 0 && len(ns.MatchExpressions) == 0 {
		return true
	}
	if len(term.Namespaces) == 0 {
		return ns == owner.Namespace
	}
	for _, n := range term.Namespaces {
		if n == ns {
			return true
		}
	}
	return false
}
