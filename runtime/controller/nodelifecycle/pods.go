package nodelifecycle

import (
	"context"
	"encoding/json"
	"errors"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/client-go/tools/cache"

	"github.com/podlab/podlab/runtime/api"
)

// markPodsNotReady sets the Ready condition of the node's pods False
// through pods/status, upstream's MarkPodsNotReady: only pods that have a
// Ready condition, and only when it is not False already (no write, no
// event otherwise); each pod changed gets a NodeNotReady warning.
func (c *Controller) markPodsNotReady(ctx context.Context, pods []*corev1.Pod, node string) error {
	var errs []error
	for _, pod := range pods {
		if pod.Spec.NodeName != node {
			continue
		}
		status := pod.Status.DeepCopy()
		var ready *corev1.PodCondition
		for i := range status.Conditions {
			if status.Conditions[i].Type == corev1.PodReady {
				ready = status.Conditions[i].DeepCopy()
			}
		}
		if ready == nil {
			continue
		}
		ready.Status = corev1.ConditionFalse
		if !api.SetPodCondition(status, *ready) {
			continue
		}
		err := c.patchPodStatus(ctx, pod, status)
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			continue // gone, or replaced by a pod of the same name
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.event(pod, corev1.EventTypeWarning, "NodeNotReady", "Node is not ready")
	}
	return errors.Join(errs...)
}

// patchPodStatus writes status as a strategic merge patch of pods/status
// (upstream's util.PatchPodStatus), which cannot conflict with the
// kubelet's writes; it names the pod's UID, so it fails on a pod recreated
// under the same name.
func (c *Controller) patchPodStatus(ctx context.Context, pod *corev1.Pod, status *corev1.PodStatus) error {
	before, err := json.Marshal(corev1.Pod{Status: pod.Status})
	if err != nil {
		return err
	}
	after, err := json.Marshal(corev1.Pod{ObjectMeta: metav1.ObjectMeta{UID: pod.UID}, Status: *status})
	if err != nil {
		return err
	}
	patch, err := strategicpatch.CreateTwoWayMergePatch(before, after, corev1.Pod{})
	if err != nil {
		return err
	}
	_, err = c.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
	return err
}

// podBound queues a pod newly bound to a node (upstream's podUpdated).
func (c *Controller) podBound(oldObj, newObj any) {
	pod, ok := newObj.(*corev1.Pod)
	if !ok || pod.Spec.NodeName == "" {
		return
	}
	if old, ok := oldObj.(*corev1.Pod); ok && old.Spec.NodeName == pod.Spec.NodeName {
		return
	}
	if key, err := cache.MetaNamespaceKeyFunc(pod); err == nil {
		c.podQueue.Add(key)
	}
}

// processPod marks a pod just bound to a node that is not Ready not ready
// itself (upstream's processPod), from the node's health as last seen.
func (c *Controller) processPod(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	pod, err := c.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	h := c.healthOf(pod.Spec.NodeName)
	if h == nil {
		return nil // not seen yet: the next health pass handles it
	}
	if _, err := c.nodes.Get(pod.Spec.NodeName); apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	ready := readyCondition(h.status)
	if ready == nil || ready.Status == corev1.ConditionTrue {
		return nil
	}
	return c.markPodsNotReady(ctx, []*corev1.Pod{pod}, pod.Spec.NodeName)
}
