package scheduler

import (
	corev1 "k8s.io/api/core/v1"
	v1helper "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/klog/v2"
)

// reasonUnschedulable is upstream's nodeunschedulable.ErrReasonUnschedulable.
const reasonUnschedulable = "node(s) were unschedulable"

// unschedulableTaint is the taint a pod must tolerate to land on a cordoned
// node (spec.unschedulable), whether or not the node carries it yet.
var unschedulableTaint = corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}

// nodeUnschedulablePlugin is upstream's NodeUnschedulable: a cordoned node
// takes only pods that tolerate node.kubernetes.io/unschedulable:NoSchedule.
var nodeUnschedulablePlugin = filterPlugin{
	name: "NodeUnschedulable",
	filter: func(c *cycle, ni *nodeInfo) *status {
		if !ni.node.Spec.Unschedulable {
			return nil
		}
		if v1helper.TolerationsTolerateTaint(klog.Background(), c.pod.Spec.Tolerations, &unschedulableTaint, comparisonOperators) {
			return nil
		}
		return reject(codeUnresolvable, "the node is cordoned (spec.unschedulable) and the pod does not tolerate "+
			taintString(unschedulableTaint), reasonUnschedulable)
	},
}
