package namespace

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/podlab/podlab/runtime/controller/reconcile"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Name is the controller's name, as kube-controller-manager calls it.
const Name = "namespace-controller"

// workers empty that many namespaces at once (upstream's default: 10).
const workers = 2

// Controller deletes the content of terminating namespaces, then them.
type Controller struct {
	client     kubernetes.Interface
	metadata   metadata.Interface
	namespaces corelisters.NamespaceLister
	pods       corelisters.PodLister
	synced     []cache.InformerSynced
	// discover lists the namespaced resources the server serves.
	discover func() ([]*metav1.APIResourceList, error)
	now      func() time.Time

	// queue holds namespace names.
	queue *reconcile.Queue[string]
}

// New returns a controller that follows namespaces (and pods, to notice the
// last one go) through factory's informers, deletes content through meta
// and writes namespaces through client. Call it before factory.Start.
func New(client kubernetes.Interface, meta metadata.Interface, factory informers.SharedInformerFactory) (*Controller, error) {
	nsInformer := factory.Core().V1().Namespaces()
	podInformer := factory.Core().V1().Pods()
	c := &Controller{
		client:     client,
		metadata:   meta,
		namespaces: nsInformer.Lister(),
		pods:       podInformer.Lister(),
		// The package function, not the method, so a fake clientset's
		// discovery (which answers the method with nothing) works too.
		discover: func() ([]*metav1.APIResourceList, error) {
			return discovery.ServerPreferredNamespacedResources(client.Discovery())
		},
		now: time.Now,
		// Upstream's namespace controller retries from 5 ms up to a minute.
		queue: reconcile.NewQueueWith(Name, workqueue.NewTypedItemExponentialFailureRateLimiter[string](5*time.Millisecond, time.Minute)),
	}
	nsReg, err := nsInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.namespaceChanged,
		UpdateFunc: func(_, obj any) { c.namespaceChanged(obj) },
	})
	if err != nil {
		return nil, fmt.Errorf("%s: watching namespaces: %w", Name, err)
	}
	podReg, err := podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{DeleteFunc: c.podDeleted})
	if err != nil {
		return nil, fmt.Errorf("%s: watching pods: %w", Name, err)
	}
	c.synced = []cache.InformerSynced{nsReg.HasSynced, podReg.HasSynced}
	return c, nil
}

// namespaceChanged queues a namespace being deleted; the informer's first
// list brings those left Terminating by an earlier run.
func (c *Controller) namespaceChanged(obj any) {
	if ns, ok := obj.(*corev1.Namespace); ok && ns.DeletionTimestamp != nil {
		c.queue.Add(ns.Name)
	}
}

// podDeleted: the last pods of a terminating namespace go when their
// kubelet is done with them, long after the delete; look again then
// rather than wait out the estimate.
func (c *Controller) podDeleted(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if ns, err := c.namespaces.Get(pod.Namespace); err == nil && ns.DeletionTimestamp != nil {
		c.queue.Add(ns.Name)
	}
}

// Run works until ctx ends. The caller starts the informer factory.
func (c *Controller) Run(ctx context.Context) error {
	return c.queue.Run(ctx, workers, c.syncOrWait, c.synced...)
}

// syncOrWait is sync, looking again after half the estimate when content
// is still going (as upstream does).
func (c *Controller) syncOrWait(ctx context.Context, name string) error {
	err := c.sync(ctx, name)
	var remaining *contentRemaining
	if errors.As(err, &remaining) {
		return reconcile.RequeueAfter(remaining.wait / 2)
	}
	return err
}
