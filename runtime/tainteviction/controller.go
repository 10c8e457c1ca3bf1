// Package tainteviction evicts pods from nodes whose NoExecute taints they
// do not tolerate, as kube-controller-manager's taint-eviction controller
// does: at once without a matching toleration, after the shortest
// tolerationSeconds of the matching ones, never when they tolerate it
// forever. Eviction is a graceful delete with a TaintManagerEviction event
// and a DisruptionTarget condition. Its timers follow the lab's time scale.
package tainteviction

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/apiserver"
	"github.com/podlab/podlab/runtime/labclock"
	"github.com/podlab/podlab/runtime/store"
)

// Name is the controller's event source, as upstream's.
const Name = "taint-eviction-controller"

// Recorder records events (runtime/events does).
type Recorder interface {
	Event(obj api.Object, fieldPath, eventType, reason, message string)
}

// Controller watches pods and nodes and evicts what NoExecute taints repel.
type Controller struct {
	store store.API
	rec   Recorder

	mu      sync.Mutex
	pending map[types.UID]*time.Timer // evictions waiting for tolerationSeconds
	evicted map[types.UID]bool        // marked for deletion: never again
}

// New returns a controller acting on st.
func New(st store.API, rec Recorder) *Controller {
	return &Controller{store: st, rec: rec, pending: map[types.UID]*time.Timer{}, evicted: map[types.UID]bool{}}
}

// Run reconciles on every pod or node change until ctx ends.
func (c *Controller) Run(ctx context.Context) error {
	store.KeepWatching(ctx, Name, c.watch)
	c.mu.Lock()
	for _, t := range c.pending {
		t.Stop()
	}
	c.mu.Unlock()
	return nil
}

func (c *Controller) watch(ctx context.Context) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rv := c.store.ResourceVersion()
	pods, err := c.store.Watch(wctx, api.Pods, "", store.ListOptions{}, rv)
	if err != nil {
		return err
	}
	nodes, err := c.store.Watch(wctx, api.Nodes, "", store.ListOptions{}, rv)
	if err != nil {
		return err
	}
	c.reconcile()
	for {
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-pods:
			if !ok {
				return fmt.Errorf("pod watch closed")
			}
		case _, ok := <-nodes:
			if !ok {
				return fmt.Errorf("node watch closed")
			}
		}
		c.reconcile()
	}
}

// reconcile decides, for every bound and live pod, whether its node's
// NoExecute taints evict it now, later or never.
func (c *Controller) reconcile() {
	nodeObjs, _, err := c.store.List(api.Nodes, "", store.ListOptions{})
	if err != nil {
		return
	}
	taints := map[string][]corev1.Taint{}
	for _, o := range nodeObjs {
		n := o.(*corev1.Node)
		for _, t := range n.Spec.Taints {
			if t.Effect == corev1.TaintEffectNoExecute {
				taints[n.Name] = append(taints[n.Name], t)
			}
		}
	}
	podObjs, _, err := c.store.List(api.Pods, "", store.ListOptions{})
	if err != nil {
		return
	}
	live := map[types.UID]bool{}
	for _, o := range podObjs {
		pod := o.(*corev1.Pod)
		if pod.Spec.NodeName == "" || pod.DeletionTimestamp != nil || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			continue
		}
		evict, after := Decide(taints[pod.Spec.NodeName], pod.Spec.Tolerations)
		if !evict {
			c.cancel(pod, true)
			continue
		}
		live[pod.UID] = true
		c.schedule(pod, after)
	}
	// Pods that went away (or were evicted) need no timer.
	exists := map[types.UID]bool{}
	for _, o := range podObjs {
		exists[o.GetUID()] = true
	}
	c.mu.Lock()
	for uid, t := range c.pending {
		if !live[uid] {
			t.Stop()
			delete(c.pending, uid)
		}
	}
	for uid := range c.evicted {
		if !exists[uid] {
			delete(c.evicted, uid)
		}
	}
	c.mu.Unlock()
}

// Decide applies the controller's rule to a pod on a node with these
// NoExecute taints: evict at once when one is not tolerated; after the
// shortest tolerationSeconds of the tolerations used; not at all when every
// taint is tolerated without a time limit.
func Decide(taints []corev1.Taint, tolerations []corev1.Toleration) (evict bool, after time.Duration) {
	if len(taints) == 0 {
		return false, 0
	}
	min := time.Duration(-1)
	for i := range taints {
		matched := false
		for _, tol := range tolerations {
			if !tol.ToleratesTaint(klog.Background(), &taints[i], false) {
				continue
			}
			matched = true
			if tol.TolerationSeconds != nil {
				d := time.Duration(max(*tol.TolerationSeconds, 0)) * time.Second
				if min < 0 || d < min {
					min = d
				}
			}
		}
		if !matched {
			return true, 0
		}
	}
	if min < 0 {
		return false, 0
	}
	return true, min
}

func (c *Controller) schedule(pod *corev1.Pod, after time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pending[pod.UID]; ok || c.evicted[pod.UID] {
		return // already counting down since the taint came, or evicted
	}
	ref := pod.DeepCopy()
	c.pending[pod.UID] = time.AfterFunc(labclock.Scaled(after), func() { c.evict(ref) })
}

func (c *Controller) cancel(pod *corev1.Pod, announce bool) {
	c.mu.Lock()
	t, ok := c.pending[pod.UID]
	if ok {
		t.Stop()
		delete(c.pending, pod.UID)
	}
	c.mu.Unlock()
	if ok && announce {
		c.rec.Event(pod, "", corev1.EventTypeNormal, "TaintManagerEviction", fmt.Sprintf("Cancelling deletion of Pod %s/%s", pod.Namespace, pod.Name))
	}
}

// evict marks the pod as a disruption target and deletes it gracefully.
func (c *Controller) evict(pod *corev1.Pod) {
	c.mu.Lock()
	delete(c.pending, pod.UID)
	already := c.evicted[pod.UID]
	c.evicted[pod.UID] = true
	c.mu.Unlock()
	if already {
		return
	}
	cur, err := c.store.Get(api.Pods, pod.Namespace, pod.Name)
	if err != nil || cur.GetUID() != pod.UID || cur.GetDeletionTimestamp() != nil {
		return
	}
	c.rec.Event(pod, "", corev1.EventTypeNormal, "TaintManagerEviction", fmt.Sprintf("Marking for deletion Pod %s/%s", pod.Namespace, pod.Name))
	_, err = c.store.GuaranteedUpdate(api.Pods, pod.Namespace, pod.Name, func(o api.Object) (api.Object, error) {
		p := o.(*corev1.Pod)
		setDisruptionTarget(&p.Status)
		return p, nil
	})
	if err != nil {
		log.Printf("%s: marking %s/%s: %v", Name, pod.Namespace, pod.Name, err)
	}
	if _, err := apiserver.DeletePod(c.store, pod.Namespace, pod.Name, nil); err != nil {
		log.Printf("%s: deleting %s/%s: %v", Name, pod.Namespace, pod.Name, err)
	}
}

func setDisruptionTarget(st *corev1.PodStatus) {
	cond := corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
		Reason: "DeletionByTaintManager", Message: "Taint manager: deleting due to NoExecute taint",
		LastTransitionTime: metav1.Now()}
	for i := range st.Conditions {
		if st.Conditions[i].Type == corev1.DisruptionTarget {
			st.Conditions[i] = cond
			return
		}
	}
	st.Conditions = append(st.Conditions, cond)
}
