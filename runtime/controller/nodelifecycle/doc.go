// Package nodelifecycle keeps each node's taints in step with its state, as
// kube-controller-manager's node lifecycle controller does with
// TaintNodesByCondition: a cordoned node (spec.unschedulable) carries
// node.kubernetes.io/unschedulable:NoSchedule, a node whose Ready condition
// is False carries node.kubernetes.io/not-ready:NoSchedule, one whose Ready
// is Unknown node.kubernetes.io/unreachable:NoSchedule — so the scheduler,
// kubectl describe and the learner all see the same reason.
//
// It follows nodes through a client-go informer, reconciles one node at a
// time from a work queue and patches a node only when its taints must
// change.
package nodelifecycle
