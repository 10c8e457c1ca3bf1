// Package tainteviction evicts pods from nodes whose NoExecute taints they
// do not tolerate, as kube-controller-manager's taint-eviction controller
// (pkg/controller/tainteviction) does: at once without a matching
// toleration, after the shortest tolerationSeconds of the matching ones,
// never when they tolerate it forever; a countdown is cancelled when the
// taint goes or the pod gains a toleration. An eviction is a
// TaintManagerEviction event, the DisruptionTarget condition written
// through pods/status, and a graceful delete through the API.
//
// It follows pods and nodes through client-go informers and decides per
// pod from a work queue; a countdown is the queue's delayed re-add, timed
// by the lab's time scale (runtime/labclock).
package tainteviction
