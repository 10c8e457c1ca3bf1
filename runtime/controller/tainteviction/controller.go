package tainteviction

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/podlab/podlab/runtime/controller/reconcile"
)

// Name is the controller's name and its events' source, as upstream's.
const Name = "taint-eviction-controller"

// workers decide for that many pods at once (upstream runs 8).
const workers = 4

// Recorder records events (runtime/events' Recorder implements it).
type Recorder = reconcile.Recorder

// Controller evicts the pods that NoExecute taints repel.
type Controller struct {
	client kubernetes.Interface
	pods   corelisters.PodLister
	nodes  corelisters.NodeLister
	synced []cache.InformerSynced
	rec    Recorder
	now    func() time.Time

	// queue holds pod keys (namespace/name) to decide for; a countdown
	// re-adds its pod when it runs out.
	queue *reconcile.Queue[string]

	mu sync.Mutex
	// countdowns are the evictions waiting for tolerationSeconds, by pod
	// key; each counts from when the controller first saw the taint, as
	// upstream's timed workers do.
	countdowns map[string]countdown
	// evicted are the pods deleted here that the informer does not yet
	// show deleting, so a decision in between does not evict them twice.
	evicted map[types.UID]bool
}

type countdown struct {
	uid   types.UID
	since time.Time
}

// New returns a controller that reads pods and nodes from factory's
// informers and writes through client. Call it before factory.Start.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, rec Recorder) (*Controller, error) {
	podInformer := factory.Core().V1().Pods()
	nodeInformer := factory.Core().V1().Nodes()
	c := &Controller{
		client:     client,
		pods:       podInformer.Lister(),
		nodes:      nodeInformer.Lister(),
		rec:        rec,
		now:        time.Now,
		queue:      reconcile.NewQueue[string](Name),
		countdowns: map[string]countdown{},
		evicted:    map[types.UID]bool{},
	}
	podReg, err := podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.podAdded, UpdateFunc: c.podUpdated, DeleteFunc: c.podDeleted,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: watching pods: %w", Name, err)
	}
	nodeReg, err := nodeInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.nodeAdded, UpdateFunc: c.nodeUpdated, DeleteFunc: c.nodeDeleted,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: watching nodes: %w", Name, err)
	}
	c.synced = []cache.InformerSynced{podReg.HasSynced, nodeReg.HasSynced}
	return c, nil
}

// Run evicts until ctx ends. The caller starts the informer factory.
func (c *Controller) Run(ctx context.Context) error {
	return c.queue.Run(ctx, workers, c.reconcile, c.synced...)
}
