package endpointutil

import (
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/podlab/podlab/runtime/controller/reconcile"
)

// ErrStaleSlices is upstream's StaleInformerCache error: the slice cache
// has not seen the controller's own last writes, and acting on it would
// make duplicates. It wraps reconcile.ErrStale, so the retry is quiet.
var ErrStaleSlices = fmt.Errorf("the EndpointSlice informer cache is out of date: %w", reconcile.ErrStale)

// deletedGeneration is the generation expected of a slice the controller deleted.
const deletedGeneration = -1

// expectationTTL bounds how long a write may go unseen. Upstream's
// EndpointSliceTracker has no bound; a slice created and deleted by
// someone else before its creator recorded the write would then stall its
// Service for good, so the lab gives up on such an expectation, as the
// ReplicaSet controller's expectations expire.
const expectationTTL = 30 * time.Second

// SliceTracker remembers, per owner key (a Service's or an Endpoints'
// namespace/name), the generation of each slice the controller last wrote,
// or that it deleted it, so a sync waits for the informer to catch up
// (upstream's endpointSliceTracker).
type SliceTracker struct {
	mu  sync.Mutex
	gen map[string]map[string]expectation
	now func() time.Time
}

type expectation struct {
	generation int64
	at         time.Time
}

// NewSliceTracker returns an empty tracker.
func NewSliceTracker() *SliceTracker {
	return &SliceTracker{gen: map[string]map[string]expectation{}, now: time.Now}
}

// Wrote records a slice written with generation.
func (t *SliceTracker) Wrote(key, slice string, generation int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.gen[key] == nil {
		t.gen[key] = map[string]expectation{}
	}
	t.gen[key][slice] = expectation{generation: generation, at: t.now()}
}

// Deleted records a slice the controller deleted.
func (t *SliceTracker) Deleted(key, slice string) { t.Wrote(key, slice, deletedGeneration) }

// Forget drops the expectation of a slice that is gone.
func (t *SliceTracker) Forget(key, slice string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.gen[key], slice)
}

// ForgetOwner drops every expectation of a deleted owner (upstream's
// DeleteService), so an owner made again under its name starts clean.
func (t *SliceTracker) ForgetOwner(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.gen, key)
}

// Fresh errs (ErrStaleSlices) while the cache has not seen a write for
// key; writes seen, or unseen past expectationTTL, are forgotten.
func (t *SliceTracker) Fresh(key string, lister discoverylisters.EndpointSliceLister) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	ns, _, _ := cache.SplitMetaNamespaceKey(key)
	for name, exp := range t.gen[key] {
		s, err := lister.EndpointSlices(ns).Get(name)
		switch {
		case exp.generation == deletedGeneration && apierrors.IsNotFound(err):
		case exp.generation != deletedGeneration && err == nil && s.Generation >= exp.generation:
		case t.now().Sub(exp.at) > expectationTTL:
		default:
			return fmt.Errorf("%w (slice %s/%s)", ErrStaleSlices, ns, name)
		}
		delete(t.gen[key], name)
	}
	return nil
}
