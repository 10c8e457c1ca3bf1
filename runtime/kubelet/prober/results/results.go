// Package results holds the latest result of one kind of probe (liveness,
// readiness or startup) per container instance, as upstream's
// pkg/kubelet/prober/results does: probe workers Set results, the pod
// worker reads them with Get and learns of every change from Updates.
// Results are keyed by the engine's container ID, so a restarted container
// (a new ID) never inherits its predecessor's verdict.
package results

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"
)

// Result is a probe's published verdict.
type Result int

const (
	// Unknown: the probe has not decided yet (upstream's startup initial value).
	Unknown Result = iota
	Success
	Failure
)

func (r Result) String() string {
	switch r {
	case Success:
		return "Success"
	case Failure:
		return "Failure"
	}
	return "Unknown"
}

// Update is one change of a container's result.
type Update struct {
	ContainerID string
	Result      Result
	PodUID      types.UID
}

// updateBuffer is upstream's buffer of 20 changes; a Set blocks once it is
// full, until the kubelet reads.
const updateBuffer = 20

// Manager is the store of one kind of probe's results.
type Manager struct {
	mu      sync.RWMutex
	cache   map[string]Result
	updates chan Update
	closed  chan struct{}
	once    sync.Once
}

// NewManager returns an empty store.
func NewManager() *Manager {
	return &Manager{cache: map[string]Result{}, updates: make(chan Update, updateBuffer), closed: make(chan struct{})}
}

// Get returns the cached result of a container, if any.
func (m *Manager) Get(containerID string) (Result, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	r, ok := m.cache[containerID]
	return r, ok
}

// Set records a result and announces it on Updates when it changed.
func (m *Manager) Set(containerID string, r Result, pod types.UID) {
	m.mu.Lock()
	prev, ok := m.cache[containerID]
	changed := !ok || prev != r
	if changed {
		m.cache[containerID] = r
	}
	m.mu.Unlock()
	if changed {
		select {
		case m.updates <- Update{ContainerID: containerID, Result: r, PodUID: pod}:
		case <-m.closed: // nobody reads any more
		}
	}
}

// Close ends the announcements (the kubelet stopped reading): a Set no
// longer waits for a reader.
func (m *Manager) Close() { m.once.Do(func() { close(m.closed) }) }

// Remove forgets a container (its worker stopped).
func (m *Manager) Remove(containerID string) {
	m.mu.Lock()
	delete(m.cache, containerID)
	m.mu.Unlock()
}

// Updates delivers every change of a result; the kubelet must keep reading it.
func (m *Manager) Updates() <-chan Update { return m.updates }
