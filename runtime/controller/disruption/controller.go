package disruption

import (
	"context"
	"fmt"
	"log"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	policylisters "k8s.io/client-go/listers/policy/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/podlab/podlab/runtime/api"
)

// Name is the controller's name, as kube-controller-manager's.
const Name = "disruption-controller"

// EventSource is the component upstream's controller records events as.
const EventSource = "controllermanager"

// Recorder records events (runtime/events' Recorder implements it).
type Recorder interface {
	Event(obj api.Object, fieldPath, eventType, reason, message string)
}

// Option configures a Controller.
type Option func(*Controller)

// WithRecorder makes the controller record upstream's events (NoPods,
// UnmanagedPods, CalculateExpectedPodCountFailed) through rec.
func WithRecorder(rec Recorder) Option { return func(c *Controller) { c.rec = rec } }

// Controller keeps PodDisruptionBudgets' status.
type Controller struct {
	client kubernetes.Interface
	pdbs   policylisters.PodDisruptionBudgetLister
	pods   corelisters.PodLister
	synced []cache.InformerSynced
	rec    Recorder
	clock  clock.PassiveClock
	queue  workqueue.TypedRateLimitingInterface[string]
}

// New returns a controller reading budgets and pods from factory's
// informers and writing through client. Call it before factory.Start.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, opts ...Option) (*Controller, error) {
	pdbInf := factory.Policy().V1().PodDisruptionBudgets()
	podInf := factory.Core().V1().Pods()
	c := &Controller{
		client: client,
		pdbs:   pdbInf.Lister(),
		pods:   podInf.Lister(),
		clock:  clock.RealClock{},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "disruption"},
		),
	}
	for _, o := range opts {
		o(c)
	}
	pdbReg, err := pdbInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, obj any) { c.enqueue(obj) },
	})
	if err != nil {
		return nil, fmt.Errorf("%s: watching budgets: %w", Name, err)
	}
	podReg, err := podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.podChanged,
		UpdateFunc: func(old, obj any) { c.podChanged(old); c.podChanged(obj) },
		DeleteFunc: c.podChanged,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: watching pods: %w", Name, err)
	}
	c.synced = []cache.InformerSynced{pdbReg.HasSynced, podReg.HasSynced}
	return c, nil
}

func (c *Controller) enqueue(obj any) {
	if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

// podChanged queues the budgets whose selector matches the pod (before and
// after an update: a relabelled pod leaves one budget for another).
func (c *Controller) podChanged(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	for _, pdb := range c.budgetsOf(pod) {
		c.enqueue(pdb)
	}
}

// budgetsOf lists the cached budgets selecting pod.
func (c *Controller) budgetsOf(pod *corev1.Pod) []*policyv1.PodDisruptionBudget {
	all, err := c.pdbs.PodDisruptionBudgets(pod.Namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	var out []*policyv1.PodDisruptionBudget
	for _, pdb := range all {
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err == nil && sel.Matches(labels.Set(pod.Labels)) {
			out = append(out, pdb)
		}
	}
	return out
}

// Run keeps the budgets until ctx ends. The caller starts the informer factory.
func (c *Controller) Run(ctx context.Context) error {
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return nil
	}
	go wait.UntilWithContext(ctx, c.work, time.Second)
	<-ctx.Done()
	return nil
}

func (c *Controller) work(ctx context.Context) {
	for {
		key, quit := c.queue.Get()
		if quit {
			return
		}
		if err := c.sync(ctx, key); err != nil && ctx.Err() == nil {
			log.Printf("%s: budget %s, will retry: %v", Name, key, err)
			c.queue.AddRateLimited(key)
		} else {
			c.queue.Forget(key)
		}
		c.queue.Done(key)
	}
}

func (c *Controller) event(obj api.Object, eventType, reason, message string) {
	if c.rec != nil {
		c.rec.Event(obj, "", eventType, reason, message)
	}
}
