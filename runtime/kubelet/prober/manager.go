package prober

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podlab/podlab/runtime/kubelet/prober/results"
)

// Hooks are how the manager reaches back into the kubelet.
type Hooks struct {
	// Event records an event about the pod (Unhealthy, ProbeWarning).
	Event func(pod *corev1.Pod, fieldPath, eventType, reason, message string)
}

// Running describes a running container the manager probes.
type Running struct {
	ID        string
	StartedAt time.Time
}

// Sandbox is the pod's pause container, where HTTP and TCP probes run.
type Sandbox struct {
	ID string
	IP string
}

type key struct {
	uid       types.UID
	container string
	kind      Kind
}

// Manager keeps one worker per running container and probe, and the three
// result stores they publish to. It never acts on a result: the pod worker
// reads Liveness and Startup to restart containers, and Ready/Started to
// report readiness (upstream's prober_manager split).
type Manager struct {
	ex    Execer
	hooks Hooks

	Liveness, Readiness, Startup *results.Manager

	mu      sync.Mutex
	workers map[key]*worker
	pods    map[types.UID]*corev1.Pod
	stopped bool
}

// NewManager returns a manager probing through ex.
func NewManager(ex Execer, hooks Hooks) *Manager {
	return &Manager{
		ex: ex, hooks: hooks,
		Liveness: results.NewManager(), Readiness: results.NewManager(), Startup: results.NewManager(),
		workers: map[key]*worker{}, pods: map[types.UID]*corev1.Pod{},
	}
}

func (m *Manager) results(kind Kind) *results.Manager {
	switch kind {
	case Liveness:
		return m.Liveness
	case Readiness:
		return m.Readiness
	}
	return m.Startup
}

// Update starts, keeps or stops the pod's workers to match its running
// containers. A new container ID gets a new worker whose result starts from
// the probe's initial value.
func (m *Manager) Update(pod *corev1.Pod, running map[string]Running, sandbox Sandbox) {
	var started []*worker
	m.mu.Lock()
	if m.stopped {
		m.mu.Unlock()
		return
	}
	m.pods[pod.UID] = pod.DeepCopy()
	want := map[key]bool{}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		r, ok := running[c.Name]
		if !ok {
			continue
		}
		for _, p := range []struct {
			kind  Kind
			probe *corev1.Probe
		}{{Liveness, c.LivenessProbe}, {Readiness, c.ReadinessProbe}, {Startup, c.StartupProbe}} {
			if p.probe == nil {
				continue
			}
			k := key{pod.UID, c.Name, p.kind}
			want[k] = true
			if w, ok := m.workers[k]; ok && w.containerID == r.ID {
				continue
			} else if ok {
				m.stopLocked(k, w)
			}
			w := &worker{m: m, key: k, probe: p.probe.DeepCopy(), container: c.DeepCopy(), containerID: r.ID, sandbox: sandbox, startedAt: r.StartedAt}
			w.ctx, w.cancel = context.WithCancel(context.Background())
			m.workers[k] = w
			started = append(started, w)
		}
	}
	for k, w := range m.workers {
		if k.uid == pod.UID && !want[k] {
			m.stopLocked(k, w)
		}
	}
	m.mu.Unlock()
	for _, w := range started {
		// The initial value is published before the first probe can run
		// (upstream: readiness Failure, liveness Success, startup Unknown).
		m.results(w.key.kind).Set(w.containerID, initial(w.key.kind), w.key.uid)
		go w.run()
	}
}

// stopLocked stops a worker and forgets its container's result.
func (m *Manager) stopLocked(k key, w *worker) {
	w.stop()
	delete(m.workers, k)
	m.results(k.kind).Remove(w.containerID)
}

// RemovePod stops every worker of a pod.
func (m *Manager) RemovePod(uid types.UID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, w := range m.workers {
		if k.uid == uid {
			m.stopLocked(k, w)
		}
	}
	delete(m.pods, uid)
}

// Stop ends every worker for good: the kubelet stopped (its containers
// keep running, and the next kubelet probes them afresh).
func (m *Manager) Stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stopped = true
	for k, w := range m.workers {
		m.stopLocked(k, w)
	}
	m.pods = map[types.UID]*corev1.Pod{}
	for _, r := range []*results.Manager{m.Liveness, m.Readiness, m.Startup} {
		r.Close()
	}
}

// initial is a probe's result before it first decides.
func initial(kind Kind) results.Result {
	switch kind {
	case Readiness:
		return results.Failure
	case Liveness:
		return results.Success
	}
	return results.Unknown
}

// Started reports whether the container instance's startup probe succeeded
// (true without one).
func (m *Manager) Started(c *corev1.Container, containerID string) bool {
	if c.StartupProbe == nil {
		return true
	}
	r, ok := m.Startup.Get(containerID)
	return ok && r == results.Success
}

// Ready reports the readiness of a container instance: started, and its
// readiness probe succeeded (without one, ready once started).
func (m *Manager) Ready(c *corev1.Container, containerID string) bool {
	if !m.Started(c, containerID) {
		return false
	}
	if c.ReadinessProbe == nil {
		return true
	}
	r, ok := m.Readiness.Get(containerID)
	return ok && r == results.Success
}

func (m *Manager) pod(uid types.UID) *corev1.Pod {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pods[uid]
}

// current says whether w is still the worker of its key.
func (m *Manager) current(w *worker) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.workers[w.key] == w
}
