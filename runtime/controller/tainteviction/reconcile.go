package tainteviction

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/podlab/podlab/runtime/labclock"
)

// The DisruptionTarget condition upstream's controller sets before it deletes.
const (
	disruptionReason  = "DeletionByTaintManager"
	disruptionMessage = "Taint manager: deleting due to NoExecute taint"
)

// reconcile decides for the pod of key: evict it now, start or keep its
// countdown, or cancel one (upstream's processPodOnNode).
func (c *Controller) reconcile(ctx context.Context, k string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(k)
	if err != nil {
		return nil
	}
	pod, err := c.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.cancel(k, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}})
		return nil
	}
	if err != nil {
		return err
	}
	if pod.Spec.NodeName == "" {
		return nil
	}
	if pod.DeletionTimestamp != nil || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		// Going or gone already: nothing to evict, nothing to announce.
		c.forget(k)
		return nil
	}
	c.mu.Lock()
	evicted := c.evicted[pod.UID]
	c.mu.Unlock()
	if evicted {
		return nil
	}
	node, err := c.nodes.Get(pod.Spec.NodeName)
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	evict, after := Decide(noExecute(node), pod.Spec.Tolerations)
	if !evict {
		c.cancel(k, pod)
		return nil
	}
	if wait := c.start(k, pod).since.Add(labclock.Scaled(after)).Sub(c.now()); wait > 0 {
		c.queue.AddAfter(k, wait)
		return nil
	}
	return c.evict(ctx, k, pod)
}

// start returns the pod's countdown, starting it now if it has none.
func (c *Controller) start(k string, pod *corev1.Pod) countdown {
	c.mu.Lock()
	defer c.mu.Unlock()
	cd, ok := c.countdowns[k]
	if !ok || cd.uid != pod.UID {
		cd = countdown{uid: pod.UID, since: c.now()}
		c.countdowns[k] = cd
	}
	return cd
}

// cancel stops the pod's countdown, saying so if there was one (upstream's
// cancelWorkWithEvent).
func (c *Controller) cancel(k string, pod *corev1.Pod) {
	c.mu.Lock()
	cd, ok := c.countdowns[k]
	delete(c.countdowns, k)
	c.mu.Unlock()
	if !ok {
		return
	}
	ref := pod.DeepCopy()
	ref.UID = cd.uid
	c.rec.Event(ref, "", corev1.EventTypeNormal, "TaintManagerEviction",
		fmt.Sprintf("Cancelling deletion of Pod %s/%s", pod.Namespace, pod.Name))
}

func (c *Controller) forget(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.countdowns, k)
}

// evict marks the pod a disruption target and deletes it gracefully, as
// upstream's addConditionAndDeletePod; a failure is retried by the queue.
func (c *Controller) evict(ctx context.Context, k string, cached *corev1.Pod) error {
	c.rec.Event(cached, "", corev1.EventTypeNormal, "TaintManagerEviction",
		fmt.Sprintf("Marking for deletion Pod %s/%s", cached.Namespace, cached.Name))
	// The pod as it is now, as upstream reads it: a retry must not rewrite
	// a condition the cache does not show yet.
	pod, err := c.client.CoreV1().Pods(cached.Namespace).Get(ctx, cached.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) || err == nil && (pod.UID != cached.UID || pod.DeletionTimestamp != nil) {
		c.forget(k) // gone, replaced or going already
		return nil
	}
	if err != nil {
		return err
	}
	cond := corev1.PodCondition{
		Type:               corev1.DisruptionTarget,
		Status:             corev1.ConditionTrue,
		Reason:             disruptionReason,
		Message:            disruptionMessage,
		ObservedGeneration: pod.Generation,
	}
	if _, err := patchPodCondition(ctx, c.client, pod, cond); err != nil {
		if apierrors.IsNotFound(err) {
			c.forget(k)
			return nil
		}
		return fmt.Errorf("marking as a disruption target: %w", err)
	}
	// No grace period named: the pod's own applies. The UID keeps a pod
	// recreated under the same name safe.
	err = c.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &pod.UID},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("deleting: %w", err)
	}
	c.mu.Lock()
	delete(c.countdowns, k)
	c.evicted[pod.UID] = true
	c.mu.Unlock()
	return nil
}
