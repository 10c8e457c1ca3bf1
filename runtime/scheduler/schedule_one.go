package scheduler

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

// noteLengthLimit is the longest event message the API accepts
// (upstream's validation.NoteLengthLimit).
const noteLengthLimit = 1024

// scheduleOne makes one decision for the pod of key, as upstream's
// ScheduleOne: bind it to the node that fits best, or report why none fits.
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
	if len(pod.Spec.SchedulingGates) > 0 {
		// SchedulingGates: a gated pod waits outside the queue (the API
		// server gave it PodScheduled=False SchedulingGated); removing the
		// last gate is a change of the pod, which queues it.
		s.pending.forget(k)
		return nil
	}
	if s.isAssumed(pod) {
		return nil // bound already; the informer has not caught up
	}
	cycle := s.pending.cycle()
	snap, err := s.snapshot(nil)
	if err != nil {
		return err
	}
	d := decide(pod, s.infos.get(pod), snap)
	s.decisions.put(pod, d, time.Now())
	if d.Node == "" {
		s.unschedulable(ctx, k, pod, d.Diagnosis, d.Message, cycle)
		return nil
	}
	return s.bind(ctx, k, pod, d.Node)
}

// snapshot is the cluster as the listers and the assumed pods show it;
// without, if not nil, is a pod to leave out (the one being explained).
func (s *Scheduler) snapshot(without *corev1.Pod) (*snapshot, error) {
	nodes, err := s.nodes.List(labels.Everything())
	if err != nil {
		return nil, err
	}
	pods, err := s.assignedPods(without)
	if err != nil {
		return nil, err
	}
	namespaces, err := s.namespaces.List(labels.Everything())
	if err != nil {
		return nil, err
	}
	cl := Cluster{Nodes: nodes, Pods: pods, Namespaces: namespaces}
	if without != nil {
		return newSnapshot(cl, nil), nil // not the worker: a cache of its own
	}
	return newSnapshot(cl, s.infos), nil
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
	s.assume(bound)
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
func (s *Scheduler) unschedulable(ctx context.Context, k string, pod *corev1.Pod, diag Diagnosis, msg string, cycle uint64) {
	s.pending.failed(k, pod.UID, diag, cycle)
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

// assignedPods lists the pods that take room on nodes: those the informer
// shows bound and not finished, and those bound here that it does not show
// bound yet; without, if not nil, is left out.
func (s *Scheduler) assignedPods(without *corev1.Pod) ([]*corev1.Pod, error) {
	pods, err := s.pods.List(labels.Everything())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*corev1.Pod, 0, len(pods))
	for _, p := range pods {
		if without != nil && p.UID == without.UID {
			continue
		}
		if p.Spec.NodeName == "" {
			if a := s.assumed[p.UID]; a != nil {
				p = a
			} else {
				continue
			}
		}
		if finished(p) {
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

func (s *Scheduler) assume(pod *corev1.Pod) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.assumed[pod.UID] = pod
}

// unassume forgets an assumed pod and reports whether there was one.
func (s *Scheduler) unassume(uid types.UID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.assumed[uid]
	delete(s.assumed, uid)
	return ok
}

func (s *Scheduler) isAssumed(pod *corev1.Pod) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.assumed[pod.UID] != nil
}

// assumedPod is the version of pod bound here that the informer does not
// show yet, if any.
func (s *Scheduler) assumedPod(pod *corev1.Pod) *corev1.Pod {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.assumed[pod.UID]
}
