package daemonset

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/podlab/podlab/runtime/controller/reconcile"
)

// EventSource is the component upstream's daemon set controller records events as.
const EventSource = "daemonset-controller"

// burstReplicas caps one sync's creations and deletions (upstream's BurstReplicas, 250).
const burstReplicas = 250

// workers sync that many daemon sets at once (upstream's --concurrent-daemonset-syncs is 2).
const workers = 2

var dsKind = appsv1.SchemeGroupVersion.WithKind("DaemonSet")

// Recorder records events (runtime/events' Recorder implements it).
type Recorder = reconcile.Recorder

// Option configures a Controller.
type Option func(*Controller)

// WithRecorder makes the controller record upstream's events through rec.
func WithRecorder(rec Recorder) Option { return func(c *Controller) { c.rec = rec } }

// Controller keeps a daemon pod on every node that should run one.
type Controller struct {
	client    kubernetes.Interface
	sets      appslisters.DaemonSetLister
	pods      corelisters.PodLister
	nodes     corelisters.NodeLister
	revisions appslisters.ControllerRevisionLister
	synced    []cache.InformerSynced
	rec       Recorder
	exp       *reconcile.Expectations
	failed    *failedBackoff
	now       func() time.Time
	queue     *reconcile.Queue[string]
}

// New returns the daemon set controller over factory's informers, writing
// through client. Call it before factory.Start.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, opts ...Option) (*Controller, error) {
	dsInf, podInf := factory.Apps().V1().DaemonSets(), factory.Core().V1().Pods()
	nodeInf, revInf := factory.Core().V1().Nodes(), factory.Apps().V1().ControllerRevisions()
	c := &Controller{
		client:    client,
		sets:      dsInf.Lister(),
		pods:      podInf.Lister(),
		nodes:     nodeInf.Lister(),
		revisions: revInf.Lister(),
		exp:       reconcile.NewExpectations(),
		failed:    newFailedBackoff(),
		now:       time.Now,
		queue:     reconcile.NewQueue[string]("daemonset controller"),
	}
	for _, o := range opts {
		o(c)
	}
	var regs []cache.ResourceEventHandlerRegistration
	add := func(inf cache.SharedIndexInformer, h cache.ResourceEventHandler, what string) error {
		r, err := inf.AddEventHandler(h)
		if err != nil {
			return fmt.Errorf("daemonset controller: watching %s: %w", what, err)
		}
		regs = append(regs, r)
		return nil
	}
	if err := add(dsInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, obj any) { c.enqueue(obj) },
		DeleteFunc: c.deleteSet,
	}, "daemon sets"); err != nil {
		return nil, err
	}
	if err := add(podInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    c.addPod,
		UpdateFunc: c.updatePod,
		DeleteFunc: c.deletePod,
	}, "pods"); err != nil {
		return nil, err
	}
	if err := add(nodeInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { c.enqueueAll() },
		UpdateFunc: c.updateNode,
		DeleteFunc: func(any) { c.enqueueAll() },
	}, "nodes"); err != nil {
		return nil, err
	}
	if err := add(revInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueOwner,
		UpdateFunc: func(_, obj any) { c.enqueueOwner(obj) },
		DeleteFunc: c.enqueueOwner,
	}, "controller revisions"); err != nil {
		return nil, err
	}
	for _, r := range regs {
		c.synced = append(c.synced, r.HasSynced)
	}
	return c, nil
}

func (c *Controller) enqueue(obj any) {
	if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

func (c *Controller) deleteSet(obj any) {
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		c.exp.Forget(key)
		c.queue.Add(key)
	}
}

func (c *Controller) enqueueAll() {
	sets, err := c.sets.List(labels.Everything())
	if err != nil {
		return
	}
	for _, ds := range sets {
		c.enqueue(ds)
	}
}

// updateNode: upstream wakes every daemon set when a node's labels,
// taints or conditions change (shouldIgnoreNodeUpdate ignores the rest).
func (c *Controller) updateNode(oldObj, curObj any) {
	old, cur := oldObj.(*corev1.Node), curObj.(*corev1.Node)
	if labels.Equals(old.Labels, cur.Labels) && equalTaints(old.Spec.Taints, cur.Spec.Taints) &&
		equalConditions(old.Status.Conditions, cur.Status.Conditions) && old.Spec.Unschedulable == cur.Spec.Unschedulable {
		return
	}
	c.enqueueAll()
}

func equalTaints(a, b []corev1.Taint) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || a[i].Value != b[i].Value || a[i].Effect != b[i].Effect {
			return false
		}
	}
	return true
}

func equalConditions(a, b []corev1.NodeCondition) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type != b[i].Type || a[i].Status != b[i].Status {
			return false
		}
	}
	return true
}

func (c *Controller) enqueueOwner(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	m, ok := obj.(metav1.Object)
	if !ok {
		return
	}
	if ds := c.resolve(m.GetNamespace(), metav1.GetControllerOf(m)); ds != nil {
		c.enqueue(ds)
	}
}

// resolve finds the daemon set a controller reference names.
func (c *Controller) resolve(ns string, ref *metav1.OwnerReference) *appsv1.DaemonSet {
	if ref == nil || ref.Kind != dsKind.Kind || ref.APIVersion != dsKind.GroupVersion().String() {
		return nil
	}
	ds, err := c.sets.DaemonSets(ns).Get(ref.Name)
	if err != nil || ds.UID != ref.UID {
		return nil
	}
	return ds
}

func dsKey(ds *appsv1.DaemonSet) string { return ds.Namespace + "/" + ds.Name }

func podKey(p *corev1.Pod) string { return p.Namespace + "/" + p.Name }

func (c *Controller) addPod(obj any) {
	pod := obj.(*corev1.Pod)
	if pod.DeletionTimestamp != nil {
		c.deletePod(pod)
		return
	}
	if ds := c.resolve(pod.Namespace, metav1.GetControllerOf(pod)); ds != nil {
		c.exp.CreationObserved(dsKey(ds))
		c.enqueue(ds)
		return
	}
	if metav1.GetControllerOf(pod) == nil {
		c.enqueueSelecting(pod)
	}
}

// updatePod: a pod turning ready wakes its set again after minReadySeconds.
func (c *Controller) updatePod(oldObj, curObj any) {
	old, cur := oldObj.(*corev1.Pod), curObj.(*corev1.Pod)
	if cur.ResourceVersion == old.ResourceVersion {
		return
	}
	if cur.DeletionTimestamp != nil {
		c.deletePod(cur)
		return
	}
	if ref := metav1.GetControllerOf(old); ref != nil {
		if ds := c.resolve(old.Namespace, ref); ds != nil {
			c.enqueue(ds)
		}
	}
	if ref := metav1.GetControllerOf(cur); ref != nil {
		ds := c.resolve(cur.Namespace, ref)
		if ds == nil {
			return
		}
		c.enqueue(ds)
		if !isReady(old) && isReady(cur) && ds.Spec.MinReadySeconds > 0 {
			c.queue.AddAfter(dsKey(ds), minReady(ds)+time.Second)
		}
		return
	}
	c.enqueueSelecting(cur)
}

func (c *Controller) deletePod(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if ds := c.resolve(pod.Namespace, metav1.GetControllerOf(pod)); ds != nil {
		c.exp.DeletionObserved(dsKey(ds), podKey(pod))
		c.enqueue(ds)
	}
}

func (c *Controller) enqueueSelecting(pod *corev1.Pod) {
	sets, err := c.sets.DaemonSets(pod.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, ds := range sets {
		if sel, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector); err == nil && !sel.Empty() && sel.Matches(labels.Set(pod.Labels)) {
			c.enqueue(ds)
		}
	}
}

// Run keeps the daemon sets until ctx ends. The caller starts the informer factory.
func (c *Controller) Run(ctx context.Context) error {
	return c.queue.Run(ctx, workers, c.syncQuietly, c.synced...)
}

// syncQuietly is sync; a pod name already taken is a stale cache too
// (the retry sees the pod).
func (c *Controller) syncQuietly(ctx context.Context, key string) error {
	err := c.sync(ctx, key)
	if apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("%w: %v", reconcile.ErrStale, err)
	}
	return err
}

func (c *Controller) event(ds *appsv1.DaemonSet, eventType, reason, message string) {
	if c.rec != nil {
		c.rec.Event(ds, "", eventType, reason, message)
	}
}
