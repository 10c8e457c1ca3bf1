package scheduler

import (
	corev1 "k8s.io/api/core/v1"
	v1helper "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/klog/v2"
)

// reasonTaint is the reason upstream's TaintToleration filter gives in
// v1.37 (earlier releases named the taint: "untolerated taint {key: value}").
const reasonTaint = "node(s) had untolerated taint(s)"

// comparisonOperators: upstream's TaintTolerationComparisonOperators
// feature (Gt and Lt tolerations) is alpha and off in v1.37.
const comparisonOperators = false

// doNotSchedule is upstream's DoNotScheduleTaintsFilterFunc: the taints a
// pod must tolerate to be placed (NoSchedule and NoExecute).
func doNotSchedule(t *corev1.Taint) bool {
	return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
}

// untoleratedTaint is the first NoSchedule or NoExecute taint of node the
// pod does not tolerate (component-helpers' matching: an Exists toleration
// with an empty key tolerates every taint, an empty effect every effect).
func untoleratedTaint(pod *corev1.Pod, node *corev1.Node) (corev1.Taint, bool) {
	return v1helper.FindMatchingUntoleratedTaint(klog.Background(), node.Spec.Taints, pod.Spec.Tolerations, doNotSchedule, comparisonOperators)
}

// taintString is kubectl's form of a taint: key=value:Effect.
func taintString(t corev1.Taint) string {
	s := t.Key
	if t.Value != "" {
		s += "=" + t.Value
	}
	return s + ":" + string(t.Effect)
}

// taintTolerationFilter is upstream's TaintToleration filter.
var taintTolerationFilter = filterPlugin{
	name: "TaintToleration",
	filter: func(c *cycle, ni *nodeInfo) *status {
		taint, untolerated := untoleratedTaint(c.pod, ni.node)
		if !untolerated {
			return nil
		}
		return reject(codeUnresolvable, "the pod does not tolerate the taint "+taintString(taint), reasonTaint)
	},
}

// taintTolerationScore is upstream's TaintToleration score (weight 3): a
// node scores the PreferNoSchedule taints the pod does not tolerate (with
// its tolerations of empty or PreferNoSchedule effect), reversed on
// normalising, so the node with the fewest scores 100.
var taintTolerationScore = scorePlugin{
	name:   "TaintToleration",
	weight: 3,
	preScore: func(c *cycle, _ []*nodeInfo) bool {
		for _, t := range c.pod.Spec.Tolerations {
			if t.Effect == "" || t.Effect == corev1.TaintEffectPreferNoSchedule {
				c.preferTaints = append(c.preferTaints, t)
			}
		}
		return true
	},
	score: func(c *cycle, ni *nodeInfo) int64 {
		var n int64
		for i := range ni.node.Spec.Taints {
			t := &ni.node.Spec.Taints[i]
			if t.Effect == corev1.TaintEffectPreferNoSchedule && !v1helper.TolerationsTolerateTaint(klog.Background(), c.preferTaints, t, comparisonOperators) {
				n++
			}
		}
		return n
	},
	normalize: func(_ *cycle, _ []*nodeInfo, scores []int64) { defaultNormalizeScore(true, scores) },
}
