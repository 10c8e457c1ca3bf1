package nodelifecycle

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)


// conditionTaintKeys are the NoSchedule taints this controller owns.
var conditionTaintKeys = []string{corev1.TaintNodeUnschedulable, corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable}

// withConditionTaints is node's taints with the NoSchedule condition taints
// its state asks for, others (the learner's, NoExecute ones) kept in place.
func withConditionTaints(node *corev1.Node) []corev1.Taint {
	wanted := map[string]bool{corev1.TaintNodeUnschedulable: node.Spec.Unschedulable}
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			wanted[corev1.TaintNodeNotReady] = c.Status == corev1.ConditionFalse
			wanted[corev1.TaintNodeUnreachable] = c.Status == corev1.ConditionUnknown
		}
	}
	var out []corev1.Taint
	have := map[string]bool{}
	for _, t := range node.Spec.Taints {
		if t.Effect == corev1.TaintEffectNoSchedule && owned(t.Key) {
			if !wanted[t.Key] {
				continue // the state that asked for it is gone
			}
			have[t.Key] = true
		}
		out = append(out, t)
	}
	for _, key := range conditionTaintKeys {
		if wanted[key] && !have[key] {
			// Upstream stamps the time the taint was added.
			now := metav1.NewTime(time.Now())
			out = append(out, corev1.Taint{Key: key, Effect: corev1.TaintEffectNoSchedule, TimeAdded: &now})
		}
	}
	return out
}

func owned(key string) bool {
	for _, k := range conditionTaintKeys {
		if k == key {
			return true
		}
	}
	return false
}

// taintsEqual compares taints by key, value and effect, in order.
func taintsEqual(a, b []corev1.Taint) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || a[i].Value != b[i].Value || a[i].Effect != b[i].Effect {
			return false
		}
	}
	return true
}
