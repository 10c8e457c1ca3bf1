package replicaset

import (
	"sync"
	"time"

	"github.com/podlab/podlab/runtime/labclock"
)

// ExpectationsTimeout is how long a set waits for the informer to show the
// creations and deletions it asked for before it syncs anyway (upstream's
// ExpectationsTimeout, 5 min), scaled by runtime/labclock.
const ExpectationsTimeout = 5 * time.Minute

// expectations are upstream's UIDTrackingControllerExpectations: per set,
// the number of creations still to be observed and the keys of the pods
// whose deletion is still to be observed. A set syncs (creates or deletes)
// only when they are met, so it never acts twice on a stale cache.
type expectations struct {
	mu sync.Mutex
	m  map[string]*expectation
	// now is the clock (tests move it).
	now func() time.Time
}

type expectation struct {
	add     int
	deletes map[string]bool
	at      time.Time
}

func newExpectations() *expectations {
	return &expectations{m: map[string]*expectation{}, now: time.Now}
}

// satisfied: no record, nothing pending, or the record has expired.
func (e *expectations) satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.m[key]
	if !ok {
		return true
	}
	if x.add <= 0 && len(x.deletes) == 0 {
		return true
	}
	return e.now().Sub(x.at) > labclock.Scaled(ExpectationsTimeout)
}

func (e *expectations) expectCreations(key string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.m[key] = &expectation{add: n, at: e.now()}
}

func (e *expectations) expectDeletions(key string, pods []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := &expectation{deletes: map[string]bool{}, at: e.now()}
	for _, p := range pods {
		x.deletes[p] = true
	}
	e.m[key] = x
}

func (e *expectations) creationObserved(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.m[key]; ok {
		x.add--
	}
}

func (e *expectations) deletionObserved(key, pod string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.m[key]; ok {
		delete(x.deletes, pod)
	}
}

func (e *expectations) forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, key)
}
