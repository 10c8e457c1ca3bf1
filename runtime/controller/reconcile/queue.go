package reconcile

import (
	"context"
	"errors"
	"log"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// ErrStale wraps a sync's error when the controller acted on a cache that
// was behind the store: the key is retried, with backoff, without a log
// line (the retry reads the newer object).
var ErrStale = errors.New("stale cache")

// requeue is RequeueAfter's error.
type requeue struct{ after time.Duration }

func (r requeue) Error() string { return "requeue after " + r.after.String() }

// RequeueAfter is what a sync returns to look at its key again after d
// without counting a failure (e.g. a namespace whose content is still
// going).
func RequeueAfter(d time.Duration) error { return requeue{after: d} }

// Queue is one controller's queue of keys (namespace/name strings for most
// controllers), with upstream's default controller rate limiter: per-key
// exponential backoff from 5 ms to 1000 s, and 10 qps overall.
type Queue[T comparable] struct {
	workqueue.TypedRateLimitingInterface[T]
	name string
}

// NewQueue returns a queue whose log lines and metrics carry name.
func NewQueue[T comparable](name string) *Queue[T] {
	return NewQueueWith(name, workqueue.DefaultTypedControllerRateLimiter[T]())
}

// Run waits for synced, then syncs keys with workers goroutines until ctx
// ends; it returns once the workers have stopped. A failed sync is logged
// and retried with backoff, unless the failure is a write conflict or
// ErrStale (a stale cache, retried quietly) or the shutdown itself.
func (q *Queue[T]) Run(ctx context.Context, workers int, syncKey func(context.Context, T) error, synced ...cache.InformerSynced) error {
	defer q.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		return nil
	}
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wait.UntilWithContext(ctx, func(ctx context.Context) {
				for q.next(ctx, syncKey) {
				}
			}, time.Second)
		}()
	}
	<-ctx.Done()
	q.ShutDown()
	wg.Wait()
	return nil
}

// next syncs one key; false once the queue is shut down.
func (q *Queue[T]) next(ctx context.Context, syncKey func(context.Context, T) error) bool {
	key, quit := q.Get()
	if quit {
		return false
	}
	defer q.Done(key)
	err := syncKey(ctx, key)
	var again requeue
	switch {
	case err == nil:
		q.Forget(key)
	case errors.As(err, &again):
		q.Forget(key)
		q.AddAfter(key, again.after)
	case ctx.Err() != nil:
		// Shutting down: the error is the cancellation.
	case apierrors.IsConflict(err) || errors.Is(err, ErrStale):
		q.AddRateLimited(key)
	default:
		log.Printf("%s: %v, will retry: %v", q.name, key, err)
		q.AddRateLimited(key)
	}
	return true
}

// NewQueueWith returns a queue with its own rate limiter (the namespace
// controller's is upstream's 5 ms to 1 min per-key backoff).
func NewQueueWith[T comparable](name string, limiter workqueue.TypedRateLimiter[T]) *Queue[T] {
	return &Queue[T]{
		TypedRateLimitingInterface: workqueue.NewTypedRateLimitingQueueWithConfig(limiter, workqueue.TypedRateLimitingQueueConfig[T]{Name: name}),
		name:                       name,
	}
}

// AddObject queues an informer object's namespace/name key (a deleted
// object's too, from its final state).
func AddObject(q *Queue[string], obj any) {
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		q.Add(key)
	}
}
