package kubelet

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// The kubelet's events about its node, as upstream's (pkg/kubelet/events
// and the nodestatus setters): "Starting kubelet." when it starts, then
// "Node <name> status is now: <reason>" whenever one of its conditions
// changes status (a new condition counts) and whenever the node's
// spec.unschedulable changes (cordon, uncordon). Upstream's kubelet refers
// to its node with the node's name as the UID (its nodeRef), which is why
// kubectl describe node also looks for events by that UID.

// conditionEventReason is the event a condition's new status records.
func conditionEventReason(c corev1.NodeCondition) string {
	healthy := c.Status == corev1.ConditionFalse
	switch c.Type {
	case corev1.NodeMemoryPressure:
		return pick(healthy, "NodeHasSufficientMemory", "NodeHasInsufficientMemory")
	case corev1.NodeDiskPressure:
		return pick(healthy, "NodeHasNoDiskPressure", "NodeHasDiskPressure")
	case corev1.NodePIDPressure:
		return pick(healthy, "NodeHasSufficientPID", "NodeHasInsufficientPID")
	case corev1.NodeReady:
		return pick(c.Status == corev1.ConditionTrue, "NodeReady", "NodeNotReady")
	}
	return ""
}

func pick(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}

// conditionChanges are the events of the owned conditions in now whose
// status differs from (or is missing in) before, in now's order.
func conditionChanges(before, now []corev1.NodeCondition) []string {
	var reasons []string
	for _, c := range now {
		if !ownedCondition(c.Type) {
			continue
		}
		changed := true
		for _, old := range before {
			if old.Type == c.Type && old.Status == c.Status {
				changed = false
			}
		}
		if changed {
			reasons = append(reasons, conditionEventReason(c))
		}
	}
	return reasons
}

// nodeRef is the node as upstream's kubelet names it in its events.
func (k *Kubelet) nodeRef() *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: k.cfg.NodeName, UID: types.UID(k.cfg.NodeName)}}
}

// recordNodeStatusEvents records "Node <name> status is now: <reason>"
// for each reason.
func (k *Kubelet) recordNodeStatusEvents(reasons []string) {
	for _, r := range reasons {
		k.rec.Event(k.nodeRef(), "", corev1.EventTypeNormal, r, fmt.Sprintf("Node %s status is now: %s", k.cfg.NodeName, r))
	}
}

// recordSchedulableChange records NodeSchedulable or NodeNotSchedulable when
// the node's spec.unschedulable differs from what the kubelet last saw
// (upstream's recordNodeSchedulableEvent; a kubelet starts out having seen
// a schedulable node).
func (k *Kubelet) recordSchedulableChange(n *corev1.Node) {
	if !k.node.unschedulableChanged(n.Spec.Unschedulable) {
		return
	}
	k.recordNodeStatusEvents([]string{pick(n.Spec.Unschedulable, "NodeNotSchedulable", "NodeSchedulable")})
}
