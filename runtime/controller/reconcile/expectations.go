package reconcile

import (
	"sync"
	"time"

	"github.com/podlab/podlab/runtime/labclock"
)

// ExpectationsTimeout is how long an owner waits for the informer to show
// the creations and deletions it asked for before it syncs anyway
// (upstream's ExpectationsTimeout, 5 min), scaled by runtime/labclock.
const ExpectationsTimeout = 5 * time.Minute

// Expectations are upstream's UIDTrackingControllerExpectations: per owner
// key, the number of pod creations still to be observed and the keys of
// the pods whose deletion is still to be observed. An owner creates or
// deletes only when they are met, so it never acts twice on a stale cache.
type Expectations struct {
	mu sync.Mutex
	m  map[string]*expectation
}

type expectation struct {
	add     int
	deletes map[string]bool
	at      time.Time
}

// NewExpectations returns expectations with none recorded.
func NewExpectations() *Expectations {
	return &Expectations{m: map[string]*expectation{}}
}

// Satisfied: no record, nothing pending, or the record has expired.
func (e *Expectations) Satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.m[key]
	if !ok || (x.add <= 0 && len(x.deletes) == 0) {
		return true
	}
	return time.Since(x.at) > labclock.Scaled(ExpectationsTimeout)
}

// Expect records n creations to come and the deletions of pods (their
// namespace/name keys), replacing what was expected before.
func (e *Expectations) Expect(key string, n int, pods []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := &expectation{add: n, deletes: map[string]bool{}, at: time.Now()}
	for _, p := range pods {
		x.deletes[p] = true
	}
	e.m[key] = x
}

// CreationObserved counts one expected creation seen (or given up on).
func (e *Expectations) CreationObserved(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.m[key]; ok {
		x.add--
	}
}

// DeletionObserved counts the deletion of pod seen (or given up on).
func (e *Expectations) DeletionObserved(key, pod string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.m[key]; ok {
		delete(x.deletes, pod)
	}
}

// Forget drops the owner's record (it is gone).
func (e *Expectations) Forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, key)
}
