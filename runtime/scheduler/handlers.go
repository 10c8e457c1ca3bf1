package scheduler

import (
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/client-go/tools/cache"
)

// The informer handlers turn watch events into work: a pending pod to try,
// or a cluster event that may let put-aside pods fit. A status-only change
// of a pending pod (the scheduler's own PodScheduled=False among them) is
// no event at all, so the scheduler never wakes itself.

func (s *Scheduler) podAdded(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if pod.Spec.NodeName != "" {
		if !finished(pod) {
			s.pending.clusterEvent(assignedPodAdded)
		}
		return
	}
	if responsible(pod) {
		s.queue.Add(key(pod))
	}
}

func (s *Scheduler) podUpdated(oldObj, newObj any) {
	old, ok1 := oldObj.(*corev1.Pod)
	pod, ok2 := newObj.(*corev1.Pod)
	if !ok1 || !ok2 {
		return
	}
	k := key(pod)
	if pod.Spec.NodeName != "" {
		switch {
		case old.Spec.NodeName == "":
			// Bound, here or by someone else: no longer pending, and no
			// longer only assumed.
			s.pending.forget(k)
			s.unassume(pod.UID)
			if !finished(pod) {
				s.pending.clusterEvent(assignedPodAdded)
			}
		case finished(pod) && !finished(old):
			s.pending.clusterEvent(assignedPodGone)
		case !apiequality.Semantic.DeepEqual(old.Labels, pod.Labels):
			s.pending.clusterEvent(assignedPodRelabelled)
		}
		return
	}
	if !responsible(pod) {
		s.pending.forget(k)
		return
	}
	if schedulingInputChanged(old, pod) {
		s.pending.podChanged(k)
	}
}

func (s *Scheduler) podDeleted(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	k := key(pod)
	s.pending.forget(k)
	s.infos.forget(pod.UID)
	s.decisions.drop(pod.UID)
	wasAssumed := s.unassume(pod.UID)
	if (pod.Spec.NodeName != "" || wasAssumed) && !finished(pod) {
		s.pending.clusterEvent(assignedPodGone)
	}
}

func (s *Scheduler) nodeAdded(any) { s.pending.clusterEvent(nodeAdded) }

// namespaceAdded and namespaceUpdated: a namespace's labels may match a
// namespaceSelector of pod (anti-)affinity.
func (s *Scheduler) namespaceAdded(any) { s.pending.clusterEvent(namespaceRelabelled) }

func (s *Scheduler) namespaceUpdated(oldObj, newObj any) {
	old, ok1 := oldObj.(*corev1.Namespace)
	ns, ok2 := newObj.(*corev1.Namespace)
	if ok1 && ok2 && !apiequality.Semantic.DeepEqual(old.Labels, ns.Labels) {
		s.pending.clusterEvent(namespaceRelabelled)
	}
}

func (s *Scheduler) nodeUpdated(oldObj, newObj any) {
	old, ok1 := oldObj.(*corev1.Node)
	node, ok2 := newObj.(*corev1.Node)
	if ok1 && ok2 && nodeSchedulingChanged(old, node) {
		s.pending.clusterEvent(nodeChanged)
	}
}

// nodeSchedulingChanged reports a change the filters can see, as upstream's
// nodeSchedulingPropertiesChange does: not a heartbeat, which only moves
// the conditions' timestamps.
func nodeSchedulingChanged(old, node *corev1.Node) bool {
	eq := apiequality.Semantic.DeepEqual
	return old.Spec.Unschedulable != node.Spec.Unschedulable ||
		!eq(old.Labels, node.Labels) ||
		!eq(old.Spec.Taints, node.Spec.Taints) ||
		!eq(old.Status.Allocatable, node.Status.Allocatable) ||
		!eq(conditionStatuses(old), conditionStatuses(node))
}

func conditionStatuses(n *corev1.Node) map[corev1.NodeConditionType]corev1.ConditionStatus {
	m := make(map[corev1.NodeConditionType]corev1.ConditionStatus, len(n.Status.Conditions))
	for _, c := range n.Status.Conditions {
		m[c.Type] = c.Status
	}
	return m
}

// schedulingInputChanged reports whether a pending pod changed in a way a
// new attempt could see: anything but its status and the metadata the
// server keeps (upstream's isPodUpdated).
func schedulingInputChanged(old, pod *corev1.Pod) bool {
	strip := func(p *corev1.Pod) *corev1.Pod {
		c := p.DeepCopy()
		c.ResourceVersion, c.Generation, c.ManagedFields = "", 0, nil
		c.Status = corev1.PodStatus{}
		return c
	}
	return !apiequality.Semantic.DeepEqual(strip(old), strip(pod))
}

// responsible: the pod asks for this scheduler and is not going away.
func responsible(pod *corev1.Pod) bool {
	return (pod.Spec.SchedulerName == Name || pod.Spec.SchedulerName == "") && pod.DeletionTimestamp == nil
}

// finished pods hold no room on their node.
func finished(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}

func key(pod *corev1.Pod) string { return pod.Namespace + "/" + pod.Name }
