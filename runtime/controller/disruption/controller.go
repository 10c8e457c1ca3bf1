package disruption

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	policylisters "k8s.io/client-go/listers/policy/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/controller/reconcile"
)

// Name is the controller's name, as kube-controller-manager's.
const Name = "disruption-controller"

// EventSource is the component upstream's controller records events as.
const EventSource = "controllermanager"

// Recorder records events (runtime/events' Recorder implements it).
type Recorder = reconcile.Recorder

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
	// The controllers whose scale a budget over their pods counts from.
	rcs    corelisters.ReplicationControllerLister
	rss    appslisters.ReplicaSetLister
	deps   appslisters.DeploymentLister
	sss    appslisters.StatefulSetLister
	synced []cache.InformerSynced
	rec    Recorder
	clock  clock.PassiveClock
	queue  *reconcile.Queue[string]
}

// New returns a controller reading budgets and pods from factory's
// informers and writing through client. Call it before factory.Start.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, opts ...Option) (*Controller, error) {
	pdbInf := factory.Policy().V1().PodDisruptionBudgets()
	podInf := factory.Core().V1().Pods()
	rcInf := factory.Core().V1().ReplicationControllers()
	rsInf := factory.Apps().V1().ReplicaSets()
	depInf := factory.Apps().V1().Deployments()
	ssInf := factory.Apps().V1().StatefulSets()
	c := &Controller{
		client: client,
		pdbs:   pdbInf.Lister(),
		pods:   podInf.Lister(),
		rcs:    rcInf.Lister(),
		rss:    rsInf.Lister(),
		deps:   depInf.Lister(),
		sss:    ssInf.Lister(),
		clock:  clock.RealClock{},
		queue:  reconcile.NewQueue[string](Name),
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
	c.synced = []cache.InformerSynced{pdbReg.HasSynced, podReg.HasSynced,
		rcInf.Informer().HasSynced, rsInf.Informer().HasSynced, depInf.Informer().HasSynced, ssInf.Informer().HasSynced}
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
	return c.queue.Run(ctx, 1, c.sync, c.synced...)
}

func (c *Controller) event(obj api.Object, eventType, reason, message string) {
	if c.rec != nil {
		c.rec.Event(obj, "", eventType, reason, message)
	}
}
