package prober

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/kubelet/cri"
	"github.com/podlab/podlab/runtime/kubelet/prober/results"
	"github.com/podlab/podlab/runtime/labclock"
)

// scriptedExec answers exec probes from a script of exit codes, one per call.
type scriptedExec struct {
	mu    sync.Mutex
	codes []int
	calls int
}

func (s *scriptedExec) Exec(ctx context.Context, id string, o cri.ExecOptions) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	code := 0
	if s.calls < len(s.codes) {
		code = s.codes[s.calls]
	} else if len(s.codes) > 0 {
		code = s.codes[len(s.codes)-1]
	}
	s.calls++
	if code != 0 {
		io.WriteString(o.Stdout, fmt.Sprintf("failure %d", s.calls))
	}
	return code, nil
}

type recorded struct {
	mu      sync.Mutex
	events  []string
	updates []results.Update
}

func (r *recorded) hooks() Hooks {
	return Hooks{
		Event: func(_ *corev1.Pod, _, _, reason, msg string) {
			r.mu.Lock()
			r.events = append(r.events, reason+": "+msg)
			r.mu.Unlock()
		},
	}
}

// follow collects every result change of m until the test ends, as the
// kubelet's loop reads them.
func (r *recorded) follow(t *testing.T, m *Manager) {
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	for _, rm := range []*results.Manager{m.Liveness, m.Readiness, m.Startup} {
		go func(rm *results.Manager) {
			for {
				select {
				case u := <-rm.Updates():
					r.mu.Lock()
					r.updates = append(r.updates, u)
					r.mu.Unlock()
				case <-done:
					return
				}
			}
		}(rm)
	}
}

func (r *recorded) snapshot() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

func (r *recorded) changes() []results.Update {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]results.Update(nil), r.updates...)
}

func result(rm *results.Manager, id string) results.Result {
	r, _ := rm.Get(id)
	return r
}

func (s *scriptedExec) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func probePod(liveness, readiness, startup *corev1.Probe) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default", UID: "uid-1"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "busybox",
			LivenessProbe: liveness, ReadinessProbe: readiness, StartupProbe: startup}}},
	}
}

func execProbe(threshold int32) *corev1.Probe {
	return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"check"}}},
		PeriodSeconds: 1, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: threshold}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestLivenessFailsOnlyAfterThresholdFailuresInARow(t *testing.T) {
	labclock.SetScale(0.01)
	defer labclock.SetScale(1)
	// fail, pass (resets the run), then three failures in a row.
	ex := &scriptedExec{codes: []int{1, 0, 1, 1, 1}}
	rec := &recorded{}
	m := NewManager(ex, rec.hooks())
	rec.follow(t, m)
	pod := probePod(execProbe(3), nil, nil)
	m.Update(pod, map[string]Running{"app": {ID: "c1", StartedAt: time.Now()}}, Sandbox{})
	defer m.RemovePod(pod.UID)
	if r, ok := m.Liveness.Get("c1"); !ok || r != results.Success {
		t.Fatalf("liveness before the first probe = %v %v, want Success (upstream's initial value)", r, ok)
	}
	waitFor(t, "a liveness failure", func() bool { return result(m.Liveness, "c1") == results.Failure })
	if n := ex.count(); n != 5 {
		t.Fatalf("failed after %d probes, want 5 (the success in between resets the run)", n)
	}
	events := rec.snapshot()
	if len(events) != 4 || events[0] != "Unhealthy: Liveness probe failed: failure 1" {
		t.Fatalf("events = %q (one Unhealthy per failed probe)", events)
	}
	waitFor(t, "the failure announced", func() bool {
		ch := rec.changes()
		return len(ch) == 2 && ch[1] == results.Update{ContainerID: "c1", Result: results.Failure, PodUID: pod.UID}
	})
	time.Sleep(50 * time.Millisecond)
	if n := ex.count(); n != 5 {
		t.Fatalf("probing went on (%d calls) after the failure; it must hold until a new container runs", n)
	}
	for _, e := range rec.snapshot() {
		if strings.Contains(e, "Killing") || strings.Contains(e, "will be restarted") {
			t.Fatalf("the prober acted on its result (%q): only the pod worker kills", e)
		}
	}
}

func TestReadinessStartsFailedAndFollowsResults(t *testing.T) {
	labclock.SetScale(0.01)
	defer labclock.SetScale(1)
	ex := &scriptedExec{codes: []int{0, 0, 1}}
	rec := &recorded{}
	m := NewManager(ex, rec.hooks())
	rec.follow(t, m)
	ready := execProbe(1)
	ready.InitialDelaySeconds = 20 // 0.2 s at this scale
	pod := probePod(nil, ready, nil)
	c := &pod.Spec.Containers[0]
	m.Update(pod, map[string]Running{"app": {ID: "c1", StartedAt: time.Now()}}, Sandbox{})
	defer m.RemovePod(pod.UID)
	if m.Ready(c, "c1") {
		t.Fatal("ready before the first readiness probe")
	}
	waitFor(t, "ready", func() bool { return m.Ready(c, "c1") })
	waitFor(t, "unready again", func() bool { return !m.Ready(c, "c1") })
	if _, ok := m.Liveness.Get("c1"); ok {
		t.Fatal("a container without a liveness probe has a liveness result")
	}
}

func TestStartupGatesTheOtherProbes(t *testing.T) {
	labclock.SetScale(0.01)
	defer labclock.SetScale(1)
	// The startup probe (run first) fails twice then passes; liveness then fails.
	ex := &scriptedExec{codes: []int{1, 1, 0, 1}}
	rec := &recorded{}
	m := NewManager(ex, rec.hooks())
	rec.follow(t, m)
	startup := execProbe(10)
	pod := probePod(execProbe(1), nil, startup)
	c := &pod.Spec.Containers[0]
	m.Update(pod, map[string]Running{"app": {ID: "c1", StartedAt: time.Now()}}, Sandbox{})
	defer m.RemovePod(pod.UID)
	if m.Started(c, "c1") || m.Ready(c, "c1") {
		t.Fatal("started before the startup probe succeeded")
	}
	waitFor(t, "a liveness failure", func() bool { return result(m.Liveness, "c1") == results.Failure })
	events := rec.snapshot()
	if events[0] != "Unhealthy: Startup probe failed: failure 1" || events[1] != "Unhealthy: Startup probe failed: failure 2" {
		t.Fatalf("events = %q: liveness ran before startup succeeded", events)
	}
	if !m.Started(c, "c1") || result(m.Startup, "c1") != results.Success {
		t.Fatal("startup result not published")
	}
}

func TestStartupFailureIsPublishedForThePodWorker(t *testing.T) {
	labclock.SetScale(0.01)
	defer labclock.SetScale(1)
	ex := &scriptedExec{codes: []int{1}}
	rec := &recorded{}
	m := NewManager(ex, rec.hooks())
	rec.follow(t, m)
	pod := probePod(execProbe(1), nil, execProbe(2))
	m.Update(pod, map[string]Running{"app": {ID: "c1", StartedAt: time.Now()}}, Sandbox{})
	defer m.RemovePod(pod.UID)
	waitFor(t, "a startup failure", func() bool { return result(m.Startup, "c1") == results.Failure })
	if n := ex.count(); n != 2 {
		t.Fatalf("%d probes ran, want 2 (the startup threshold; liveness waits for startup)", n)
	}
}

func TestNewContainerRestartsTheWorkerWithInitialResults(t *testing.T) {
	labclock.SetScale(0.01)
	defer labclock.SetScale(1)
	ex := &scriptedExec{codes: []int{0}}
	rec := &recorded{}
	m := NewManager(ex, rec.hooks())
	rec.follow(t, m)
	pod := probePod(nil, execProbe(1), nil)
	c := &pod.Spec.Containers[0]
	m.Update(pod, map[string]Running{"app": {ID: "c1", StartedAt: time.Now()}}, Sandbox{})
	defer m.RemovePod(pod.UID)
	waitFor(t, "ready", func() bool { return m.Ready(c, "c1") })
	slow := execProbe(1)
	slow.InitialDelaySeconds = 1000
	pod.Spec.Containers[0].ReadinessProbe = slow
	m.Update(pod, map[string]Running{"app": {ID: "c2", StartedAt: time.Now()}}, Sandbox{})
	if m.Ready(c, "c2") {
		t.Fatal("a new container inherited the old one's readiness")
	}
	if _, ok := m.Readiness.Get("c1"); ok {
		t.Fatal("the old container's result outlived its worker")
	}
	m.Update(pod, map[string]Running{}, Sandbox{})
	if _, ok := m.Readiness.Get("c2"); ok {
		t.Fatal("a stopped container keeps a readiness result")
	}
}
