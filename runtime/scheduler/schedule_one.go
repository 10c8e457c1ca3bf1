package scheduler

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
)

// noteLengthLimit is the longest event message the API accepts
// (upstream's validation.NoteLengthLimit).
const noteLengthLimit = 1024

// scheduleOne makes one decision for the pod of key, as upstream's
// ScheduleOne: bind it to the first node that fits, or report why none does.
func (s *Scheduler) scheduleOne(ctx context.Context, k string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(k)
	if err != nil {
		return nil // not a key the handlers made; nothing to retry
	}
	pod, err := s.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		s.pending.forget(k)
		return nil
	}
	if err != nil {
		return err
	}
	if pod.Spec.NodeName != "" || !responsible(pod) {
		s.pending.forget(k)
		return nil
	}
	if s.isAssumed(pod) {
		return nil // bound already; the informer has not caught up
	}
	cycle := s.pending.cycle()
	nodes, err := s.nodes.List(labels.Everything())
	if err != nil {
		return err
	}
	assigned, err := s.assignedPods()
	if err != nil {
		return err
	}
	node, diag := Pick(pod, nodes, assigned)
	if node == nil {
		s.unschedulable(ctx, k, pod, diag, len(nodes), cycle)
		return nil
	}
	return s.bind(ctx, k, pod, node.Name)
}

// bind places pod on node through pods/binding, which sets spec.nodeName
// and PodScheduled=True (upstream's DefaultBinder), and says so.
func (s *Scheduler) bind(ctx context.Context, k string, pod *corev1.Pod, node string) error {
	binding := &corev1.Binding{
		// The UID makes the binding fail for a pod recreated under the same name.
		ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: node},
	}
	if err := s.client.CoreV1().Pods(pod.Namespace).Bind(ctx, binding, metav1.CreateOptions{}); err != nil {
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			// Gone, recreated, being deleted or bound by someone else: the
			// informer will tell what became of it.
			s.pending.forget(k)
			return nil
		}
		return fmt.Errorf("binding to %s: %w", node, err)
	}
	bound := pod.DeepCopy()
	bound.Spec.NodeName = node
	s.assume(k, bound)
	s.pending.forget(k)
	s.recorder.Event(pod, "", corev1.EventTypeNormal, "Scheduled",
		fmt.Sprintf("Successfully assigned %s/%s to %s", pod.Namespace, pod.Name, node))
	return nil
}

// unschedulable reports a pod no node fits, as upstream's
// handleSchedulingFailure: a FailedScheduling event on every attempt (the
// recorder folds repeats into a count), the PodScheduled=False condition
// written only when it changes (upstream's updatePod), and the pod put
// aside until the cluster changes.
func (s *Scheduler) unschedulable(ctx context.Context, k string, pod *corev1.Pod, diag Diagnosis, nodes int, cycle uint64) {
	s.pending.failed(k, pod.UID, diag, cycle)
	msg := diag.Message(nodes)
	s.recorder.Event(pod, "", corev1.EventTypeWarning, "FailedScheduling", truncate(msg))
	cond := corev1.PodCondition{
		Type:               corev1.PodScheduled,
		Status:             corev1.ConditionFalse,
		Reason:             corev1.PodReasonUnschedulable,
		Message:            msg,
		ObservedGeneration: pod.Generation,
	}
	if s.pending.written(k, pod, cond) {
		return // written already; the informer has not shown it yet
	}
	wrote, err := patchPodCondition(ctx, s.client, pod, cond)
	switch {
	case err == nil && wrote:
		s.pending.wrote(k, pod, cond)
	case err != nil && !apierrors.IsNotFound(err) && ctx.Err() == nil:
		// Not retried on its own, as upstream: the next attempt writes
		// the condition if it still differs.
		logf("updating %s: %v", k, err)
	}
}

func truncate(msg string) string {
	if len(msg) <= noteLengthLimit {
		return msg
	}
	const suffix = " ..."
	return msg[:noteLengthLimit-len(suffix)] + suffix
}

// assignedPods groups the pods that take room on each node: those the
// informer shows bound and not finished, and those bound here that it does
// not show bound yet.
func (s *Scheduler) assignedPods() (map[string][]*corev1.Pod, error) {
	pods, err := s.pods.List(labels.Everything())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	byNode := map[string][]*corev1.Pod{}
	for _, p := range pods {
		if p.Spec.NodeName == "" {
			if a := s.assumed[key(p)]; a != nil && a.UID == p.UID {
				p = a
			} else {
				continue
			}
		}
		if finished(p) {
			continue
		}
		byNode[p.Spec.NodeName] = append(byNode[p.Spec.NodeName], p)
	}
	return byNode, nil
}

func (s *Scheduler) assume(k string, pod *corev1.Pod) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.assumed[k] = pod
}

// unassume forgets an assumed pod and reports whether there was one.
func (s *Scheduler) unassume(k string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.assumed[k]
	delete(s.assumed, k)
	return ok
}

func (s *Scheduler) isAssumed(pod *corev1.Pod) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.assumed[key(pod)]
	return a != nil && a.UID == pod.UID
}
