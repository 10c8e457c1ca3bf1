package scheduler

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/labclock"
)

// Name is the scheduler's name; pods ask for it with spec.schedulerName,
// and it signs its events with it.
const Name = corev1.DefaultSchedulerName

// Recorder records events (runtime/events' Recorder implements it).
type Recorder interface {
	Event(obj api.Object, fieldPath, eventType, reason, message string)
}

// Upstream's timings (pkg/scheduler/backend/queue), in Kubernetes seconds
// that the lab's time scale shortens.
const (
	// podInitialBackoff and podMaxBackoff bound the wait before a pod that
	// failed is tried again, doubling with each failure in a row.
	podInitialBackoff = 1 * time.Second
	podMaxBackoff     = 10 * time.Second
	// maxUnschedulable is how long a pod waits for a cluster event before it
	// is tried anyway. Upstream waits 5 minutes (podMaxInUnschedulablePodsDuration);
	// the lab waits 30 s because a learner watches in seconds, and should
	// the lab's coarse event hints (queue.go) miss a change that helps, the
	// fix shows within the half minute. A retry of a pod that still fits
	// nowhere writes only the folded FailedScheduling event (its count).
	maxUnschedulable = 30 * time.Second
	// flushPeriod is how often the put-aside pods are checked against
	// maxUnschedulable (upstream checks every 30 s against its 5 minutes).
	flushPeriod = 5 * time.Second
)

// Scheduler binds pending pods to nodes.
type Scheduler struct {
	client   kubernetes.Interface
	pods     corelisters.PodLister
	nodes    corelisters.NodeLister
	synced   []cache.InformerSynced
	recorder Recorder

	// queue holds the keys (namespace/name) of pods to try; the rate
	// limiter spaces the retries of API errors.
	queue workqueue.TypedRateLimitingInterface[string]
	// pending remembers the pods that failed: their backoff and whether
	// they wait for a cluster event.
	pending *pending
	// flushPeriod is how often pending pods are checked for maxUnschedulable.
	flushPeriod time.Duration

	namespaces corelisters.NamespaceLister

	mu sync.Mutex
	// assumed holds the pods bound here that the informer has not yet shown
	// bound, so the next decision counts the room they take (upstream's
	// scheduler cache assumes pods the same way).
	assumed map[types.UID]*corev1.Pod

	// infos keeps the parsed pods between decisions; decisions keeps the
	// last decision for each pod, to explain it.
	infos     *podInfoCache
	decisions *decisionLog
	// factory is what ExplainHandler finds the scheduler by.
	factory informers.SharedInformerFactory
}

// New returns a scheduler that reads pods and nodes from factory's
// informers and writes through client. Call it before factory.Start.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder Recorder) (*Scheduler, error) {
	podInformer := factory.Core().V1().Pods()
	nodeInformer := factory.Core().V1().Nodes()
	nsInformer := factory.Core().V1().Namespaces()
	queue := workqueue.NewTypedRateLimitingQueueWithConfig(
		workqueue.DefaultTypedControllerRateLimiter[string](),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: Name},
	)
	s := &Scheduler{
		client:   client,
		pods:     podInformer.Lister(),
		nodes:    nodeInformer.Lister(),
		recorder: recorder,
		queue:    queue,
		pending: newPending(queue, labclock.Scaled(podInitialBackoff), labclock.Scaled(podMaxBackoff),
			labclock.Scaled(maxUnschedulable)),
		flushPeriod: labclock.Scaled(flushPeriod),
		assumed:     map[types.UID]*corev1.Pod{},
		namespaces:  nsInformer.Lister(),
		infos:       newPodInfoCache(),
		decisions:   newDecisionLog(maxDecisions, maxDecisionNodes),
		factory:     factory,
	}
	podReg, err := podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: s.podAdded, UpdateFunc: s.podUpdated, DeleteFunc: s.podDeleted,
	})
	if err != nil {
		return nil, fmt.Errorf("scheduler: watching pods: %w", err)
	}
	nodeReg, err := nodeInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: s.nodeAdded, UpdateFunc: s.nodeUpdated,
	})
	if err != nil {
		return nil, fmt.Errorf("scheduler: watching nodes: %w", err)
	}
	// Namespace labels are what namespaceSelectors of pod affinity match.
	nsReg, err := nsInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: s.namespaceAdded, UpdateFunc: s.namespaceUpdated,
	})
	if err != nil {
		return nil, fmt.Errorf("scheduler: watching namespaces: %w", err)
	}
	s.synced = []cache.InformerSynced{podReg.HasSynced, nodeReg.HasSynced, nsReg.HasSynced}
	schedulers.Store(factory, s)
	return s, nil
}

// Run schedules until ctx ends. The caller starts the informer factory.
func (s *Scheduler) Run(ctx context.Context) error {
	defer s.queue.ShutDown()
	defer schedulers.CompareAndDelete(s.factory, s) // no more explanations from a stopped scheduler
	if !cache.WaitForCacheSync(ctx.Done(), s.synced...) {
		return nil
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); wait.Until(s.pending.flush, s.flushPeriod, ctx.Done()) }()
	// One worker: like kube-scheduler, the lab decides one pod at a time,
	// so each decision sees the room the previous one took.
	go func() { defer wg.Done(); wait.UntilWithContext(ctx, s.work, time.Second) }()
	<-ctx.Done()
	s.queue.ShutDown()
	wg.Wait()
	return nil
}

func logf(format string, args ...any) { log.Printf("scheduler: "+format, args...) }

// work tries queued pods until the queue shuts down.
func (s *Scheduler) work(ctx context.Context) {
	for s.next(ctx) {
	}
}

func (s *Scheduler) next(ctx context.Context) bool {
	key, quit := s.queue.Get()
	if quit {
		return false
	}
	defer s.queue.Done(key)
	if err := s.scheduleOne(ctx, key); err != nil {
		if ctx.Err() != nil {
			return true // shutting down: the error is the cancellation
		}
		logf("%s: %v", key, err)
		s.queue.AddRateLimited(key)
		return true
	}
	s.queue.Forget(key)
	return true
}
