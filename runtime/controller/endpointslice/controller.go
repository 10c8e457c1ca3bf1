package endpointslice

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/podlab/podlab/runtime/controller/endpointutil"
	"github.com/podlab/podlab/runtime/controller/reconcile"
)

const (
	// Name is the controller's name, as kube-controller-manager's.
	Name = "endpointslice-controller"
	// ManagedBy is the value of the managed-by label on the slices it
	// keeps (upstream's ControllerName).
	ManagedBy = "endpointslice-controller.k8s.io"
	// MaxEndpointsPerSlice is --max-endpoints-per-slice's default.
	MaxEndpointsPerSlice = 100
	// workers is --concurrent-service-endpoint-syncs' default.
	workers = 5
)

// Controller keeps Services' EndpointSlices.
type Controller struct {
	client   kubernetes.Interface
	services corelisters.ServiceLister
	pods     corelisters.PodLister
	nodes    corelisters.NodeLister
	slices   discoverylisters.EndpointSliceLister
	synced   []cache.InformerSynced
	triggers *endpointutil.TriggerTimeTracker
	expect   *endpointutil.SliceTracker
	queue    *reconcile.Queue[string]
}

// New returns a controller reading from factory's informers and writing
// through client. Call it before factory.Start.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory) (*Controller, error) {
	svcInf := factory.Core().V1().Services()
	podInf := factory.Core().V1().Pods()
	nodeInf := factory.Core().V1().Nodes()
	sliceInf := factory.Discovery().V1().EndpointSlices()
	c := &Controller{
		expect:   endpointutil.NewSliceTracker(),
		client:   client,
		services: svcInf.Lister(),
		pods:     podInf.Lister(),
		nodes:    nodeInf.Lister(),
		slices:   sliceInf.Lister(),
		triggers: endpointutil.NewTriggerTimeTracker(),
		queue:    reconcile.NewQueue[string](Name),
	}
	var synced []cache.InformerSynced
	add := func(inf cache.SharedIndexInformer, h cache.ResourceEventHandlerFuncs, what string) error {
		reg, err := inf.AddEventHandler(h)
		if err != nil {
			return fmt.Errorf("%s: watching %s: %w", Name, what, err)
		}
		synced = append(synced, reg.HasSynced)
		return nil
	}
	if err := add(svcInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, obj any) { c.enqueue(obj) },
		DeleteFunc: c.enqueue,
	}, "services"); err != nil {
		return nil, err
	}
	if err := add(podInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc: c.podChanged,
		UpdateFunc: func(old, cur any) {
			if old.(*corev1.Pod).ResourceVersion != cur.(*corev1.Pod).ResourceVersion {
				c.podChanged(old)
				c.podChanged(cur)
			}
		},
		DeleteFunc: c.podChanged,
	}, "pods"); err != nil {
		return nil, err
	}
	// A node's zone is in its endpoints; nodes are few, so any change of
	// one queues the Services of its pods.
	if err := add(nodeInf.Informer(), cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(old, cur any) {
			if old.(*corev1.Node).Labels[corev1.LabelTopologyZone] != cur.(*corev1.Node).Labels[corev1.LabelTopologyZone] {
				c.nodeChanged(cur.(*corev1.Node).Name)
			}
		},
	}, "nodes"); err != nil {
		return nil, err
	}
	// A slice of ours changed or deleted by someone else is put back.
	if err := add(sliceInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    c.sliceChanged,
		UpdateFunc: func(_, obj any) { c.sliceChanged(obj) },
		DeleteFunc: c.sliceDeleted,
	}, "endpoint slices"); err != nil {
		return nil, err
	}
	c.synced = synced
	return c, nil
}

func (c *Controller) enqueue(obj any) { reconcile.AddObject(c.queue, obj) }

func (c *Controller) podChanged(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	if pod, ok := obj.(*corev1.Pod); ok {
		for _, key := range endpointutil.ServicesOf(c.services, pod) {
			c.queue.Add(key)
		}
	}
}

func (c *Controller) nodeChanged(node string) {
	pods, err := c.pods.List(everything)
	if err != nil {
		return
	}
	for _, pod := range pods {
		if pod.Spec.NodeName == node {
			c.podChanged(pod)
		}
	}
}

// sliceChanged queues the Service of a slice this controller manages.
func (c *Controller) sliceChanged(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	s, ok := obj.(*discoveryv1.EndpointSlice)
	if !ok || s.Labels[discoveryv1.LabelManagedBy] != ManagedBy || s.Labels[discoveryv1.LabelServiceName] == "" {
		return
	}
	c.queue.Add(s.Namespace + "/" + s.Labels[discoveryv1.LabelServiceName])
}

// sliceDeleted forgets what was expected of a deleted slice (whoever
// deleted it: the garbage collector, a learner) and queues its Service.
func (c *Controller) sliceDeleted(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	if s, ok := obj.(*discoveryv1.EndpointSlice); ok {
		c.expect.Forget(s.Namespace+"/"+s.Labels[discoveryv1.LabelServiceName], s.Name)
	}
	c.sliceChanged(obj)
}

// Run keeps the slices until ctx ends. The caller starts the informer factory.
func (c *Controller) Run(ctx context.Context) error {
	return c.queue.Run(ctx, workers, c.sync, c.synced...)
}
