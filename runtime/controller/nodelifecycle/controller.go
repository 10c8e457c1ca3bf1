package nodelifecycle

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	coordlisters "k8s.io/client-go/listers/coordination/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/controller/reconcile"
)

// Name is the controller's name, as upstream's.
const Name = "node-lifecycle-controller"

// EventSource is the component upstream's controller records events as.
const EventSource = "node-controller"

// Recorder records events (runtime/events' Recorder implements it).
type Recorder = reconcile.Recorder

// Option configures a Controller.
type Option func(*Controller)

// WithRecorder makes the controller record upstream's events (RegisteredNode,
// NodeNotReady on the node and on its pods) through rec; without it the
// controller records none.
func WithRecorder(rec Recorder) Option { return func(c *Controller) { c.rec = rec } }

// Controller keeps nodes' health, their condition taints and their pods'
// readiness.
type Controller struct {
	client kubernetes.Interface
	nodes  corelisters.NodeLister
	leases coordlisters.LeaseLister
	pods   corelisters.PodLister
	synced []cache.InformerSynced
	rec    Recorder
	clock  clock.PassiveClock

	// queue holds the names of nodes whose NoSchedule taints to reconcile.
	queue *reconcile.Queue[string]
	// podQueue holds the keys of pods just bound, to mark not ready when
	// their node is not (upstream's podUpdateQueue).
	podQueue *reconcile.Queue[string]

	mu     sync.Mutex
	health map[string]*nodeHealth // by node name

	// The monitor's own state: only its goroutine touches it.
	known      map[string]*corev1.Node
	zoneStates map[string]zoneState
	tainters   map[string]*taintQueue // by zone
	retry      map[string]bool        // nodes whose pods are still to mark not ready
}

// New returns a controller reading nodes, leases and pods from factory's
// informers and writing through client. Call it before factory.Start.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, opts ...Option) (*Controller, error) {
	nodeInf := factory.Core().V1().Nodes()
	leaseInf := factory.Coordination().V1().Leases()
	podInf := factory.Core().V1().Pods()
	c := &Controller{
		client:     client,
		nodes:      nodeInf.Lister(),
		leases:     leaseInf.Lister(),
		pods:       podInf.Lister(),
		clock:      clock.RealClock{},
		queue:      reconcile.NewQueue[string](Name),
		podQueue:   reconcile.NewQueue[string](Name + "-pods"),
		health:     map[string]*nodeHealth{},
		known:      map[string]*corev1.Node{},
		zoneStates: map[string]zoneState{},
		tainters:   map[string]*taintQueue{},
		retry:      map[string]bool{},
	}
	for _, o := range opts {
		o(c)
	}
	nodeReg, err := nodeInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, obj any) { c.enqueue(obj) },
	})
	if err != nil {
		return nil, fmt.Errorf("%s: watching nodes: %w", Name, err)
	}
	leaseReg, err := leaseInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{})
	if err != nil {
		return nil, fmt.Errorf("%s: watching leases: %w", Name, err)
	}
	podReg, err := podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.podBound(nil, obj) },
		UpdateFunc: c.podBound,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: watching pods: %w", Name, err)
	}
	c.synced = []cache.InformerSynced{nodeReg.HasSynced, leaseReg.HasSynced, podReg.HasSynced}
	return c, nil
}

func (c *Controller) enqueue(obj any) {
	if n, ok := obj.(*corev1.Node); ok {
		c.queue.Add(n.Name)
	}
}

func (c *Controller) now() time.Time { return c.clock.Now() }

// event records an event when the controller has a recorder.
func (c *Controller) event(obj api.Object, eventType, reason, message string) {
	if c.rec != nil {
		c.rec.Event(obj, "", eventType, reason, message)
	}
}

// Run reconciles until ctx ends. The caller starts the informer factory.
func (c *Controller) Run(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return nil
	}
	go c.queue.Run(ctx, 1, c.reconcile)
	go c.podQueue.Run(ctx, 1, c.processPod)
	c.monitorLoop(ctx)
	return nil
}

// reconcile updates the node's NoSchedule condition taints when they differ
// from what its state asks for (upstream's doNoScheduleTaintingPass).
func (c *Controller) reconcile(ctx context.Context, name string) error {
	node, err := c.nodes.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	want := withConditionTaints(node, c.now())
	if taintsEqual(node.Spec.Taints, want) {
		return nil // nothing to change: no write, nobody woken
	}
	patched := node.DeepCopy()
	patched.Spec.Taints = want
	_, err = c.client.CoreV1().Nodes().Update(ctx, patched, metav1.UpdateOptions{})
	return err
}
