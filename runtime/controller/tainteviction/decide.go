package tainteviction

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"
)

// Decide applies the controller's rule to a pod on a node with these
// NoExecute taints: evict at once when one is not tolerated; after the
// shortest tolerationSeconds of the tolerations used; not at all when every
// taint is tolerated without a time limit. As upstream's
// GetMatchingTolerations, the toleration used for a taint is the first of
// the pod's that tolerates it.
func Decide(taints []corev1.Taint, tolerations []corev1.Toleration) (evict bool, after time.Duration) {
	if len(taints) == 0 {
		return false, 0
	}
	shortest := time.Duration(-1) // -1: no limit seen yet
	for i := range taints {
		used := firstTolerating(&taints[i], tolerations)
		if used == nil {
			return true, 0
		}
		if used.TolerationSeconds == nil {
			continue
		}
		// Upstream's getMinTolerationTime: zero or less means at once.
		d := time.Duration(max(*used.TolerationSeconds, 0)) * time.Second
		if shortest < 0 || d < shortest {
			shortest = d
		}
	}
	if shortest < 0 {
		return false, 0
	}
	return true, shortest
}

func firstTolerating(taint *corev1.Taint, tolerations []corev1.Toleration) *corev1.Toleration {
	for i := range tolerations {
		if tolerations[i].ToleratesTaint(klog.Background(), taint, false) {
			return &tolerations[i]
		}
	}
	return nil
}

// noExecute returns the node's NoExecute taints (none for a missing node).
func noExecute(node *corev1.Node) []corev1.Taint {
	if node == nil {
		return nil
	}
	var taints []corev1.Taint
	for _, t := range node.Spec.Taints {
		if t.Effect == corev1.TaintEffectNoExecute {
			taints = append(taints, t)
		}
	}
	return taints
}
