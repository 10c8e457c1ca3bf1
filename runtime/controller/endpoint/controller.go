package endpoint

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/podlab/podlab/runtime/controller/endpointutil"
	"github.com/podlab/podlab/runtime/controller/reconcile"
)

// Name is the controller's name, as kube-controller-manager's.
const Name = "endpoint-controller"

const (
	// LabelManagedBy marks the Endpoints this controller keeps (upstream's
	// endpoint.LabelManagedBy and ControllerName, since v1.33).
	LabelManagedBy = "endpoints.kubernetes.io/managed-by"
	// maxCapacity is the most addresses an Endpoints holds; more are cut
	// and the over-capacity annotation says "truncated".
	maxCapacity = 1000
	truncated   = "truncated"
	// workers is upstream's --concurrent-endpoint-syncs default.
	workers = 5
)

// Controller keeps Services' Endpoints.
type Controller struct {
	client    kubernetes.Interface
	services  corelisters.ServiceLister
	pods      corelisters.PodLister
	endpoints corelisters.EndpointsLister
	synced    []cache.InformerSynced
	triggers  *endpointutil.TriggerTimeTracker
	queue     *reconcile.Queue[string]
}

// New returns a controller reading from factory's informers and writing
// through client. Call it before factory.Start.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory) (*Controller, error) {
	svcInf := factory.Core().V1().Services()
	podInf := factory.Core().V1().Pods()
	epInf := factory.Core().V1().Endpoints()
	c := &Controller{
		client:    client,
		services:  svcInf.Lister(),
		pods:      podInf.Lister(),
		endpoints: epInf.Lister(),
		triggers:  endpointutil.NewTriggerTimeTracker(),
		queue:     reconcile.NewQueue[string](Name),
	}
	svcReg, err := svcInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, obj any) { c.enqueue(obj) },
		DeleteFunc: c.enqueue,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: watching services: %w", Name, err)
	}
	podReg, err := podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.podChanged,
		UpdateFunc: func(old, cur any) {
			if old.(*corev1.Pod).ResourceVersion != cur.(*corev1.Pod).ResourceVersion {
				c.podChanged(old)
				c.podChanged(cur)
			}
		},
		DeleteFunc: c.podChanged,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: watching pods: %w", Name, err)
	}
	// A deleted (or hand-edited) Endpoints of a selecting Service is made
	// again, as upstream's onEndpointsDelete; an Endpoints of no Service
	// is never queued, so a hand-made one is never deleted.
	epReg, err := epInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, obj any) { c.endpointsChanged(obj) },
		DeleteFunc: c.endpointsChanged,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: watching endpoints: %w", Name, err)
	}
	c.synced = []cache.InformerSynced{svcReg.HasSynced, podReg.HasSynced, epReg.HasSynced}
	return c, nil
}

func (c *Controller) enqueue(obj any) { reconcile.AddObject(c.queue, obj) }

// endpointsChanged queues the Service of the Endpoints' name if it has a selector.
func (c *Controller) endpointsChanged(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		return
	}
	ns, name, _ := cache.SplitMetaNamespaceKey(key)
	if svc, err := c.services.Services(ns).Get(name); err == nil && svc.Spec.Selector != nil {
		c.queue.Add(key)
	}
}

// podChanged queues the Services selecting the pod (before and after an
// update: a relabelled pod leaves one Service for another).
func (c *Controller) podChanged(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	for _, key := range endpointutil.ServicesOf(c.services, pod) {
		c.queue.Add(key)
	}
}

// Run keeps the Endpoints until ctx ends. The caller starts the informer factory.
func (c *Controller) Run(ctx context.Context) error {
	return c.queue.Run(ctx, workers, c.sync, c.synced...)
}
