package prober

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podlab/podlab/runtime/labclock"
)

// Hooks are how the manager reaches back into the kubelet.
type Hooks struct {
	// Event records an event about the pod.
	Event func(pod *corev1.Pod, fieldPath, eventType, reason, message string)
	// Changed is called when a published result changes (the pod's status must be recomputed).
	Changed func(podUID types.UID)
	// Kill stops a container whose liveness or startup probe failed; grace
	// is the probe-level terminationGracePeriodSeconds, if set.
	Kill func(pod *corev1.Pod, container, containerID, message string, grace *int64)
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

// Manager keeps one worker per running container and probe.
type Manager struct {
	ex    Execer
	hooks Hooks

	mu      sync.Mutex
	workers map[key]*worker
	results map[key]Result
	pods    map[types.UID]*corev1.Pod
}

// NewManager returns a manager probing through ex.
func NewManager(ex Execer, hooks Hooks) *Manager {
	return &Manager{ex: ex, hooks: hooks, workers: map[key]*worker{}, results: map[key]Result{}, pods: map[types.UID]*corev1.Pod{}}
}

// Update starts, keeps or stops the pod's workers to match its running
// containers (a new container ID restarts the worker with fresh results).
func (m *Manager) Update(pod *corev1.Pod, running map[string]Running, sandbox Sandbox) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pods[pod.UID] = pod.DeepCopy()
	want := map[key]bool{}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		r, ok := running[c.Name]
		if !ok {
			continue
		}
		for kind, p := range map[Kind]*corev1.Probe{Liveness: c.LivenessProbe, Readiness: c.ReadinessProbe, Startup: c.StartupProbe} {
			if p == nil {
				continue
			}
			k := key{pod.UID, c.Name, kind}
			want[k] = true
			if w, ok := m.workers[k]; ok && w.containerID == r.ID {
				continue
			} else if ok {
				w.stop()
			}
			m.results[k] = initial(kind)
			w := &worker{m: m, key: k, probe: p.DeepCopy(), container: c.DeepCopy(), containerID: r.ID, sandbox: sandbox, startedAt: r.StartedAt}
			w.ctx, w.cancel = context.WithCancel(context.Background())
			m.workers[k] = w
			go w.run()
		}
	}
	for k, w := range m.workers {
		if k.uid == pod.UID && !want[k] {
			w.stop()
			delete(m.workers, k)
			delete(m.results, k)
		}
	}
}

// RemovePod stops every worker of a pod.
func (m *Manager) RemovePod(uid types.UID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, w := range m.workers {
		if k.uid == uid {
			w.stop()
			delete(m.workers, k)
			delete(m.results, k)
		}
	}
	delete(m.pods, uid)
}

// initial is a probe's result before it first runs (upstream: readiness
// starts as failure, liveness as success, startup unknown).
func initial(kind Kind) Result {
	switch kind {
	case Readiness:
		return Failure
	case Liveness:
		return Success
	}
	return Unknown
}

func (m *Manager) result(uid types.UID, container string, kind Kind) (Result, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.results[key{uid, container, kind}]
	return r, ok
}

// Ready reports the readiness of a container (true when it has no readiness probe).
func (m *Manager) Ready(pod *corev1.Pod, c *corev1.Container) bool {
	if c.ReadinessProbe == nil {
		return m.Started(pod, c)
	}
	if !m.Started(pod, c) {
		return false
	}
	r, ok := m.result(pod.UID, c.Name, Readiness)
	return ok && (r == Success || r == Warning)
}

// Started reports whether the container's startup probe succeeded (true without one).
func (m *Manager) Started(pod *corev1.Pod, c *corev1.Container) bool {
	if c.StartupProbe == nil {
		return true
	}
	r, ok := m.result(pod.UID, c.Name, Startup)
	return ok && (r == Success || r == Warning)
}

func (m *Manager) pod(uid types.UID) *corev1.Pod {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pods[uid]
}

// worker probes one container with one probe.
type worker struct {
	m           *Manager
	key         key
	probe       *corev1.Probe
	container   *corev1.Container
	containerID string
	sandbox     Sandbox
	startedAt   time.Time

	ctx    context.Context
	cancel context.CancelFunc

	lastResult Result
	resultRun  int
}

func (w *worker) stop() { w.cancel() }

func (w *worker) run() {
	// The first probe runs once initialDelaySeconds have passed since the container started.
	delay := time.Until(w.startedAt.Add(labclock.Seconds(int64(w.probe.InitialDelaySeconds))))
	if delay > 0 {
		if !sleep(w.ctx, delay) {
			return
		}
	}
	period := labclock.Seconds(int64(w.probe.PeriodSeconds))
	if period <= 0 {
		period = labclock.Seconds(10)
	}
	// A ticker, as upstream's worker uses: periods count from each probe's
	// start, so a slow probe does not push the next ones later.
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		if !w.doProbe() {
			return
		}
		select {
		case <-tick.C:
		case <-w.ctx.Done():
			return
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// doProbe runs the probe once and publishes the result once its threshold
// is met; it returns false when the worker should stop.
func (w *worker) doProbe() bool {
	pod := w.m.pod(w.key.uid)
	if pod == nil {
		return false
	}
	// Until the startup probe succeeds only it runs; a deleting pod is not probed for liveness.
	if w.key.kind != Startup && !w.m.Started(pod, w.container) {
		return true
	}
	if w.key.kind == Liveness && pod.DeletionTimestamp != nil {
		return true
	}
	res, out := Run(w.ctx, w.m.ex, w.probe, Target{Pod: pod, Container: w.container, ContainerID: w.containerID, SandboxID: w.sandbox.ID, PodIP: w.sandbox.IP})
	if w.ctx.Err() != nil {
		return false
	}
	fp := fmt.Sprintf("spec.containers{%s}", w.container.Name)
	switch res {
	case Failure:
		w.m.hooks.Event(pod, fp, corev1.EventTypeWarning, "Unhealthy", fmt.Sprintf("%s probe failed: %s", w.key.kind, strings.TrimSpace(out)))
	case Warning:
		w.m.hooks.Event(pod, fp, corev1.EventTypeWarning, "ProbeWarning", fmt.Sprintf("%s probe warning: %s", w.key.kind, strings.TrimSpace(out)))
	}
	if res == Warning {
		res = Success
	}
	if res == w.lastResult {
		w.resultRun++
	} else {
		w.lastResult, w.resultRun = res, 1
	}
	if res == Failure && w.resultRun < int(w.probe.FailureThreshold) || res == Success && w.resultRun < int(w.probe.SuccessThreshold) {
		return true // not yet enough identical results in a row
	}
	w.m.mu.Lock()
	prev := w.m.results[w.key]
	if _, current := w.m.workers[w.key]; current && w.m.workers[w.key] == w {
		w.m.results[w.key] = res
	}
	w.m.mu.Unlock()
	if prev != res {
		w.m.hooks.Changed(w.key.uid)
	}
	if res == Failure && (w.key.kind == Liveness || w.key.kind == Startup) {
		// The container is restarted; probing holds until the new one runs (a new worker).
		msg := fmt.Sprintf("Container %s failed %s probe, will be restarted", w.container.Name, strings.ToLower(string(w.key.kind)))
		w.m.hooks.Kill(pod, w.container.Name, w.containerID, msg, w.probe.TerminationGracePeriodSeconds)
		return false
	}
	return true
}
