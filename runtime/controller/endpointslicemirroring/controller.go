package endpointslicemirroring

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/podlab/podlab/runtime/controller/endpointutil"
	"github.com/podlab/podlab/runtime/controller/reconcile"
	"github.com/podlab/podlab/runtime/labclock"
)

const (
	// Name is the controller's name, as kube-controller-manager's.
	Name = "endpointslice-mirroring-controller"
	// EventSource is the component upstream's controller records events as.
	EventSource = "endpoint-slice-mirroring-controller"
	// ManagedBy is the managed-by label's value on the slices it keeps
	// (upstream's controllerName).
	ManagedBy = "endpointslicemirroring-controller.k8s.io"
	// MaxEndpointsPerSubset is --mirroring-max-endpoints-per-subset's default.
	MaxEndpointsPerSubset = 1000
	// workers is --mirroring-concurrent-service-endpoint-syncs' default.
	workers = 5
)

// leaderAnnotation is client-go's resourcelock.LeaderElectionRecordAnnotationKey:
// an Endpoints holding a leader-election record is a lock, not a Service's.
const leaderAnnotation = "control-plane.alpha.kubernetes.io/leader"

// Upstream's event reasons (pkg/controller/endpointslicemirroring/events.go).
const (
	InvalidIPAddress         = "InvalidIPAddress"
	TooManyAddressesToMirror = "TooManyAddressesToMirror"
)

// Recorder records events (runtime/events' Recorder implements it).
type Recorder = reconcile.Recorder

// Option configures a Controller.
type Option func(*Controller)

// WithRecorder makes the controller record upstream's events through rec.
func WithRecorder(rec Recorder) Option { return func(c *Controller) { c.rec = rec } }

// Controller mirrors hand-made Endpoints into EndpointSlices.
type Controller struct {
	client    kubernetes.Interface
	endpoints corelisters.EndpointsLister
	services  corelisters.ServiceLister
	slices    discoverylisters.EndpointSliceLister
	synced    []cache.InformerSynced
	rec       Recorder
	expect    *endpointutil.SliceTracker
	queue     *reconcile.Queue[string]
}

// New returns a controller reading from factory's informers and writing
// through client. Call it before factory.Start.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, opts ...Option) (*Controller, error) {
	epInf := factory.Core().V1().Endpoints()
	svcInf := factory.Core().V1().Services()
	sliceInf := factory.Discovery().V1().EndpointSlices()
	c := &Controller{
		expect:    endpointutil.NewSliceTracker(),
		client:    client,
		endpoints: epInf.Lister(),
		services:  svcInf.Lister(),
		slices:    sliceInf.Lister(),
		// Upstream's limiter: per key 1 s doubling to 100 s (more than the
		// default 5 ms, as its syncs may rewrite many slices), 10 qps overall.
		queue: reconcile.NewQueueWith[string](Name, workqueue.NewTypedMaxOfRateLimiter(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](labclock.Scaled(time.Second), labclock.Scaled(100*time.Second)),
			&workqueue.TypedBucketRateLimiter[string]{Limiter: rate.NewLimiter(rate.Limit(10), 100)},
		)),
	}
	for _, o := range opts {
		o(c)
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
	if err := add(epInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if shouldMirror(obj.(*corev1.Endpoints)) {
				c.enqueue(obj)
			}
		},
		UpdateFunc: func(old, cur any) {
			if shouldMirror(old.(*corev1.Endpoints)) || shouldMirror(cur.(*corev1.Endpoints)) {
				c.enqueue(cur)
			}
		},
		DeleteFunc: func(obj any) {
			if ep := endpointsOf(obj); ep != nil && shouldMirror(ep) {
				c.enqueue(obj)
			}
		},
	}, "endpoints"); err != nil {
		return nil, err
	}
	// A Service matters when it has no selector, or when it gains or
	// loses one (upstream's onService*).
	if err := add(svcInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if obj.(*corev1.Service).Spec.Selector == nil {
				c.enqueue(obj)
			}
		},
		UpdateFunc: func(old, cur any) {
			if (old.(*corev1.Service).Spec.Selector == nil) != (cur.(*corev1.Service).Spec.Selector == nil) {
				c.enqueue(cur)
			}
		},
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if svc, ok := obj.(*corev1.Service); ok && svc.Spec.Selector == nil {
				c.enqueue(svc)
			}
		},
	}, "services"); err != nil {
		return nil, err
	}
	// A slice of ours changed or deleted by someone else is put back; a
	// slice relabelled to or from us, or to another service name, queues
	// both names.
	if err := add(sliceInf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc: c.sliceChanged,
		UpdateFunc: func(old, cur any) {
			o, n := old.(*discoveryv1.EndpointSlice), cur.(*discoveryv1.EndpointSlice)
			if managed(o) != managed(n) || o.Labels[discoveryv1.LabelServiceName] != n.Labels[discoveryv1.LabelServiceName] {
				c.queueFor(o)
				c.queueFor(n)
				return
			}
			c.sliceChanged(cur)
		},
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if s, ok := obj.(*discoveryv1.EndpointSlice); ok && managed(s) {
				c.expect.Forget(s.Namespace+"/"+s.Labels[discoveryv1.LabelServiceName], s.Name)
				c.queueFor(s)
			}
		},
	}, "endpoint slices"); err != nil {
		return nil, err
	}
	c.synced = synced
	return c, nil
}

func (c *Controller) enqueue(obj any) { reconcile.AddObject(c.queue, obj) }

func (c *Controller) sliceChanged(obj any) {
	if s, ok := obj.(*discoveryv1.EndpointSlice); ok && managed(s) {
		c.queueFor(s)
	}
}

// queueFor queues the Endpoints a slice names (upstream's
// endpointsControllerKey: its kubernetes.io/service-name label).
func (c *Controller) queueFor(s *discoveryv1.EndpointSlice) {
	if name := s.Labels[discoveryv1.LabelServiceName]; name != "" {
		c.queue.Add(s.Namespace + "/" + name)
	}
}

// Run mirrors until ctx ends. The caller starts the informer factory.
func (c *Controller) Run(ctx context.Context) error {
	return c.queue.Run(ctx, workers, c.sync, c.synced...)
}

// shouldMirror is upstream's rule: not an Endpoints labelled skip-mirror
// "true", nor one holding a leader-election record.
func shouldMirror(ep *corev1.Endpoints) bool {
	if ep == nil || ep.Labels[discoveryv1.LabelSkipMirror] == "true" {
		return false
	}
	_, leader := ep.Annotations[leaderAnnotation]
	return !leader
}

func endpointsOf(obj any) *corev1.Endpoints {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	ep, _ := obj.(*corev1.Endpoints)
	return ep
}

// managed says whether this controller keeps the slice.
func managed(s *discoveryv1.EndpointSlice) bool {
	return s.Labels[discoveryv1.LabelManagedBy] == ManagedBy
}
