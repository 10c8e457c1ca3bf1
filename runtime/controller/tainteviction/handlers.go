package tainteviction

import (
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
)

// The handlers queue the pods whose verdict may have changed, with
// upstream's filters: a pod when it is bound, changes its tolerations or
// goes; every pod of a node when the node's NoExecute taints change. A
// status write (the controller's own DisruptionTarget among them) changes
// neither, so it wakes nothing.

func (c *Controller) podAdded(obj any) {
	if pod, ok := obj.(*corev1.Pod); ok && pod.Spec.NodeName != "" {
		c.queue.Add(key(pod))
	}
}

func (c *Controller) podUpdated(oldObj, newObj any) {
	old, ok1 := oldObj.(*corev1.Pod)
	pod, ok2 := newObj.(*corev1.Pod)
	if !ok1 || !ok2 || pod.Spec.NodeName == "" {
		return
	}
	if old.Spec.NodeName != pod.Spec.NodeName || !apiequality.Semantic.DeepEqual(old.Spec.Tolerations, pod.Spec.Tolerations) {
		c.queue.Add(key(pod))
	}
}

func (c *Controller) podDeleted(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	c.mu.Lock()
	delete(c.evicted, pod.UID)
	c.mu.Unlock()
	c.queue.Add(key(pod)) // a countdown still running is cancelled
}

func (c *Controller) nodeAdded(obj any) {
	if node, ok := obj.(*corev1.Node); ok {
		c.queuePodsOn(node.Name)
	}
}

func (c *Controller) nodeUpdated(oldObj, newObj any) {
	old, ok1 := oldObj.(*corev1.Node)
	node, ok2 := newObj.(*corev1.Node)
	if ok1 && ok2 && !apiequality.Semantic.DeepEqual(noExecute(old), noExecute(node)) {
		c.queuePodsOn(node.Name)
	}
}

// nodeDeleted: without a node there is no taint; countdowns stop.
func (c *Controller) nodeDeleted(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	if node, ok := obj.(*corev1.Node); ok {
		c.queuePodsOn(node.Name)
	}
}

func (c *Controller) queuePodsOn(node string) {
	pods, err := c.pods.List(labels.Everything())
	if err != nil {
		return
	}
	for _, p := range pods {
		if p.Spec.NodeName == node {
			c.queue.Add(key(p))
		}
	}
}

func key(pod *corev1.Pod) string { return pod.Namespace + "/" + pod.Name }
