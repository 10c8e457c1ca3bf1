package replicaset

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/podlab/podlab/runtime/controller/reconcile"
)

// Event sources, as upstream's controllers record them.
const (
	EventSource   = "replicaset-controller"
	RCEventSource = "replication-controller"
)

// burstReplicas caps the creations or deletions of one sync (upstream's
// BurstReplicas, 500).
const burstReplicas = 500

// workers sync that many sets at once (upstream's --concurrent-replicaset-syncs is 5).
const workers = 2

// Recorder records events (runtime/events' Recorder implements it).
type Recorder = reconcile.Recorder

// Option configures a Controller.
type Option func(*Controller)

// WithRecorder makes the controller record upstream's events through rec.
func WithRecorder(rec Recorder) Option { return func(c *Controller) { c.rec = rec } }

// Controller keeps the sets of one kind at their number of pods.
type Controller struct {
	client kubernetes.Interface
	kind   kind
	sets   cache.Indexer
	pods   corelisters.PodLister
	synced []cache.InformerSynced
	rec    Recorder
	exp    *reconcile.Expectations
	now    func() time.Time
	queue  *reconcile.Queue[string]
}

// New returns the ReplicaSet controller, reading replica sets and pods from
// factory's informers and writing through client. Call it before factory.Start.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, opts ...Option) (*Controller, error) {
	return newController(client, factory, replicaSets(client, factory), opts)
}

// NewReplicationManager returns the same controller over
// ReplicationControllers (upstream's replication manager).
func NewReplicationManager(client kubernetes.Interface, factory informers.SharedInformerFactory, opts ...Option) (*Controller, error) {
	return newController(client, factory, replicationControllers(client, factory), opts)
}

func newController(client kubernetes.Interface, factory informers.SharedInformerFactory, k kind, opts []Option) (*Controller, error) {
	podInf := factory.Core().V1().Pods()
	c := &Controller{
		client: client,
		kind:   k,
		sets:   k.informer.GetIndexer(),
		pods:   podInf.Lister(),
		exp:    reconcile.NewExpectations(),
		now:    time.Now,
		queue:  reconcile.NewQueue[string](k.name + " controller"),
	}
	for _, o := range opts {
		o(c)
	}
	setReg, err := k.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, obj any) { c.enqueue(obj) },
		DeleteFunc: func(obj any) {
			if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
				c.exp.Forget(key)
				c.queue.Add(key)
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("%s controller: watching %ss: %w", k.name, k.name, err)
	}
	podReg, err := podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.addPod,
		UpdateFunc: c.updatePod,
		DeleteFunc: c.deletePod,
	})
	if err != nil {
		return nil, fmt.Errorf("%s controller: watching pods: %w", k.name, err)
	}
	c.synced = []cache.InformerSynced{setReg.HasSynced, podReg.HasSynced}
	return c, nil
}

func (c *Controller) enqueue(obj any) {
	if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

func podKey(p *corev1.Pod) string { return p.Namespace + "/" + p.Name }

// resolve finds the set a controller reference names (nil if it is not one
// of this kind, or another object of the same name).
func (c *Controller) resolve(ns string, ref *metav1.OwnerReference) *set {
	if ref == nil || ref.Kind != c.kind.gvk.Kind || ref.APIVersion != c.kind.gvk.GroupVersion().String() {
		return nil
	}
	obj, ok, err := c.sets.GetByKey(ns + "/" + ref.Name)
	if err != nil || !ok {
		return nil
	}
	s := c.kind.convert(obj)
	if s == nil || s.UID != ref.UID {
		return nil
	}
	return s
}

// setsSelecting lists the cached sets whose selector matches pod (orphans
// are offered to them all; the first to adopt wins).
func (c *Controller) setsSelecting(pod *corev1.Pod) []*set {
	objs, err := c.sets.ByIndex(cache.NamespaceIndex, pod.Namespace)
	if err != nil {
		return nil
	}
	var out []*set
	for _, o := range objs {
		s := c.kind.convert(o)
		if s == nil {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(s.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(pod.Labels)) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// addPod: a pod we created is an observed creation; an orphan wakes the
// sets that may adopt it (upstream's addPod).
func (c *Controller) addPod(obj any) {
	pod := obj.(*corev1.Pod)
	if pod.DeletionTimestamp != nil {
		c.deletePod(pod)
		return
	}
	if ref := metav1.GetControllerOf(pod); ref != nil {
		if s := c.resolve(pod.Namespace, ref); s != nil {
			key := s.Namespace + "/" + s.Name
			c.exp.CreationObserved(key)
			c.queue.Add(key)
		}
		return
	}
	for _, s := range c.setsSelecting(pod) {
		c.queue.Add(s.Namespace + "/" + s.Name)
	}
}

// updatePod follows upstream's updatePod: a pod being deleted is an
// observed deletion; a changed controller reference wakes the old owner;
// a pod turning ready wakes its set again after minReadySeconds (it then
// becomes available); a relabelled orphan is offered for adoption.
func (c *Controller) updatePod(oldObj, curObj any) {
	cur, old := curObj.(*corev1.Pod), oldObj.(*corev1.Pod)
	if cur.ResourceVersion == old.ResourceVersion {
		return
	}
	labelChanged := !labels.Equals(cur.Labels, old.Labels)
	if cur.DeletionTimestamp != nil {
		c.deletePod(cur)
		if labelChanged {
			c.deletePod(old)
		}
		return
	}
	curRef, oldRef := metav1.GetControllerOf(cur), metav1.GetControllerOf(old)
	refChanged := (curRef == nil) != (oldRef == nil) || (curRef != nil && curRef.UID != oldRef.UID)
	if refChanged && oldRef != nil {
		if s := c.resolve(old.Namespace, oldRef); s != nil {
			c.queue.Add(s.Namespace + "/" + s.Name)
		}
	}
	if curRef != nil {
		s := c.resolve(cur.Namespace, curRef)
		if s == nil {
			return
		}
		key := s.Namespace + "/" + s.Name
		c.queue.Add(key)
		if !isReady(old) && isReady(cur) && s.Spec.MinReadySeconds > 0 {
			c.queue.AddAfter(key, minReady(s)+time.Second)
		}
		return
	}
	if labelChanged || refChanged {
		for _, s := range c.setsSelecting(cur) {
			c.queue.Add(s.Namespace + "/" + s.Name)
		}
	}
}

// deletePod: a pod of a set gone (or going) is an observed deletion.
func (c *Controller) deletePod(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	s := c.resolve(pod.Namespace, metav1.GetControllerOf(pod))
	if s == nil {
		return
	}
	key := s.Namespace + "/" + s.Name
	c.exp.DeletionObserved(key, podKey(pod))
	c.queue.Add(key)
}

// Run keeps the sets until ctx ends. The caller starts the informer factory.
func (c *Controller) Run(ctx context.Context) error {
	return c.queue.Run(ctx, workers, c.sync, c.synced...)
}

func (c *Controller) event(s *set, eventType, reason, message string) {
	if c.rec != nil {
		c.rec.Event(s.obj, "", eventType, reason, message)
	}
}
