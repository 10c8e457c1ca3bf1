package job

import (
	"sync"

	"github.com/podlab/podlab/runtime/controller/reconcile"
)

// expectations are upstream's two: the ControllerExpectations of pod
// creations and deletions (a job creates or deletes only when the informer
// has shown all it asked for), and the finalizerExpectations (the pods
// whose job-tracking finalizer removal is still to be seen: until then
// such a pod is neither counted again nor is the job managed).
type expectations struct {
	*reconcile.Expectations
	mu         sync.Mutex
	finalizers map[string]map[string]bool // job key → pod uids
}

func newExpectations() *expectations {
	return &expectations{Expectations: reconcile.NewExpectations(), finalizers: map[string]map[string]bool{}}
}

// satisfied: no finalizer removal unseen, and the creations and deletions
// seen (or expired).
func (e *expectations) satisfied(key string) bool {
	e.mu.Lock()
	pending := len(e.finalizers[key]) > 0
	e.mu.Unlock()
	return !pending && e.Satisfied(key)
}

func (e *expectations) expectFinalizerRemoval(key, uid string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.finalizers[key] == nil {
		e.finalizers[key] = map[string]bool{}
	}
	e.finalizers[key][uid] = true
}

func (e *expectations) finalizerRemovalObserved(key, uid string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.finalizers[key], uid)
}

// finalizerRemovals is the set of uids whose removal is still unseen.
func (e *expectations) finalizerRemovals(key string) map[string]bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string]bool{}
	for u := range e.finalizers[key] {
		out[u] = true
	}
	return out
}

// forget drops everything expected of a job that is gone.
func (e *expectations) forget(key string) {
	e.Forget(key)
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.finalizers, key)
}
