package nodelifecycle

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// conditionTaintKeys are the NoSchedule taints this controller owns, in the
// order it adds them: upstream's nodeConditionToTaintKeyStatusMap keys and
// the cordon's.
var conditionTaintKeys = []string{
	corev1.TaintNodeUnschedulable, corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable,
	corev1.TaintNodeMemoryPressure, corev1.TaintNodeDiskPressure, corev1.TaintNodePIDPressure,
	corev1.TaintNodeNetworkUnavailable,
}

// wantedConditionTaints says which NoSchedule taints the node's state asks
// for (upstream's doNoScheduleTaintingPass).
func wantedConditionTaints(node *corev1.Node) map[string]bool {
	wanted := map[string]bool{corev1.TaintNodeUnschedulable: node.Spec.Unschedulable}
	for _, c := range node.Status.Conditions {
		switch c.Type {
		case corev1.NodeReady:
			wanted[corev1.TaintNodeNotReady] = c.Status == corev1.ConditionFalse
			wanted[corev1.TaintNodeUnreachable] = c.Status == corev1.ConditionUnknown
		case corev1.NodeMemoryPressure:
			wanted[corev1.TaintNodeMemoryPressure] = c.Status == corev1.ConditionTrue
		case corev1.NodeDiskPressure:
			wanted[corev1.TaintNodeDiskPressure] = c.Status == corev1.ConditionTrue
		case corev1.NodePIDPressure:
			wanted[corev1.TaintNodePIDPressure] = c.Status == corev1.ConditionTrue
		case corev1.NodeNetworkUnavailable:
			wanted[corev1.TaintNodeNetworkUnavailable] = c.Status == corev1.ConditionTrue
		}
	}
	return wanted
}

// withConditionTaints is node's taints with the NoSchedule condition taints
// its state asks for, others (the learner's, NoExecute ones) kept in place;
// a taint added is stamped with now, as upstream's SwapNodeControllerTaint.
func withConditionTaints(node *corev1.Node, now time.Time) []corev1.Taint {
	wanted := wantedConditionTaints(node)
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
			added := metav1.NewTime(now)
			out = append(out, corev1.Taint{Key: key, Effect: corev1.TaintEffectNoSchedule, TimeAdded: &added})
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

// The NoExecute taints of TaintBasedEvictions (upstream's
// UnreachableTaintTemplate and NotReadyTaintTemplate).
var (
	unreachableNoExecute = corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}
	notReadyNoExecute    = corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute}
)

// hasTaint reports whether taints hold one of t's key and effect.
func hasTaint(taints []corev1.Taint, t corev1.Taint) bool {
	for _, have := range taints {
		if have.MatchTaint(&t) {
			return true
		}
	}
	return false
}

// swappedTaints is taints without those of remove's keys and effects and
// with add (when not nil) added or its value updated, stamped with now
// (upstream's AddOrUpdateTaintOnNode and RemoveTaintOffNode in one).
func swappedTaints(taints []corev1.Taint, add *corev1.Taint, remove []corev1.Taint, now time.Time) []corev1.Taint {
	var out []corev1.Taint
	found := false
	for _, t := range taints {
		if hasTaint(remove, t) {
			continue
		}
		if add != nil && t.MatchTaint(add) {
			found = true
			t.Value = add.Value
		}
		out = append(out, t)
	}
	if add != nil && !found {
		t := *add
		stamp := metav1.NewTime(now)
		t.TimeAdded = &stamp
		out = append(out, t)
	}
	return out
}
