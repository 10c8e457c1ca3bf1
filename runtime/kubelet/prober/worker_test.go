package prober

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podlab/podlab/runtime/kubelet/cri"
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
	kills   []string
	changes int
}

func (r *recorded) hooks() Hooks {
	return Hooks{
		Event: func(_ *corev1.Pod, _, _, reason, msg string) {
			r.mu.Lock()
			r.events = append(r.events, reason+": "+msg)
			r.mu.Unlock()
		},
		Changed: func(types.UID) { r.mu.Lock(); r.changes++; r.mu.Unlock() },
		Kill: func(_ *corev1.Pod, c, _, msg string, _ *int64) {
			r.mu.Lock()
			r.kills = append(r.kills, msg)
			r.mu.Unlock()
		},
	}
}

func (r *recorded) snapshot() ([]string, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...), append([]string(nil), r.kills...)
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

func TestLivenessKillsOnlyAfterThresholdFailuresInARow(t *testing.T) {
	labclock.SetScale(0.01)
	defer labclock.SetScale(1)
	// fail, pass (resets the run), then three failures in a row.
	ex := &scriptedExec{codes: []int{1, 0, 1, 1, 1}}
	rec := &recorded{}
	m := NewManager(ex, rec.hooks())
	pod := probePod(execProbe(3), nil, nil)
	m.Update(pod, map[string]Running{"app": {ID: "c1", StartedAt: time.Now()}}, Sandbox{})
	defer m.RemovePod(pod.UID)
	waitFor(t, "a kill", func() bool { _, kills := rec.snapshot(); return len(kills) > 0 })
	events, kills := rec.snapshot()
	if ex.calls != 5 {
		t.Fatalf("killed after %d probes, want 5 (the success in between resets the run)", ex.calls)
	}
	if kills[0] != "Container app failed liveness probe, will be restarted" {
		t.Fatalf("kill message %q", kills[0])
	}
	if len(events) != 4 || events[0] != "Unhealthy: Liveness probe failed: failure 1" {
		t.Fatalf("events = %q (one Unhealthy per failed probe)", events)
	}
	time.Sleep(50 * time.Millisecond)
	if ex.calls != 5 {
		t.Fatalf("probing went on (%d calls) after the kill; it must hold until a new container runs", ex.calls)
	}
}

func TestReadinessStartsFailedAndFollowsResults(t *testing.T) {
	labclock.SetScale(0.01)
	defer labclock.SetScale(1)
	ex := &scriptedExec{codes: []int{0, 0, 1}}
	rec := &recorded{}
	m := NewManager(ex, rec.hooks())
	ready := execProbe(1)
	ready.InitialDelaySeconds = 20 // 0.2 s at this scale
	pod := probePod(nil, ready, nil)
	m.Update(pod, map[string]Running{"app": {ID: "c1", StartedAt: time.Now()}}, Sandbox{})
	defer m.RemovePod(pod.UID)
	if m.Ready(pod, &pod.Spec.Containers[0]) {
		t.Fatal("ready before the first readiness probe")
	}
	waitFor(t, "ready", func() bool { return m.Ready(pod, &pod.Spec.Containers[0]) })
	waitFor(t, "unready again", func() bool { return !m.Ready(pod, &pod.Spec.Containers[0]) })
	if _, kills := rec.snapshot(); len(kills) != 0 {
		t.Fatal("a readiness failure killed the container")
	}
}

func TestStartupGatesTheOtherProbes(t *testing.T) {
	labclock.SetScale(0.01)
	defer labclock.SetScale(1)
	// The startup probe (run first) fails twice then passes; liveness then fails.
	ex := &scriptedExec{codes: []int{1, 1, 0, 1}}
	rec := &recorded{}
	m := NewManager(ex, rec.hooks())
	startup := execProbe(10)
	pod := probePod(execProbe(1), nil, startup)
	c := &pod.Spec.Containers[0]
	m.Update(pod, map[string]Running{"app": {ID: "c1", StartedAt: time.Now()}}, Sandbox{})
	defer m.RemovePod(pod.UID)
	waitFor(t, "a liveness kill", func() bool { _, kills := rec.snapshot(); return len(kills) > 0 })
	events, _ := rec.snapshot()
	if events[0] != "Unhealthy: Startup probe failed: failure 1" || events[1] != "Unhealthy: Startup probe failed: failure 2" {
		t.Fatalf("events = %q: liveness ran before startup succeeded", events)
	}
	if !m.Started(pod, c) {
		t.Fatal("startup result not published")
	}
}

func TestNewContainerRestartsTheWorkerWithInitialResults(t *testing.T) {
	labclock.SetScale(0.01)
	defer labclock.SetScale(1)
	ex := &scriptedExec{codes: []int{0}}
	m := NewManager(ex, (&recorded{}).hooks())
	pod := probePod(nil, execProbe(1), nil)
	c := &pod.Spec.Containers[0]
	m.Update(pod, map[string]Running{"app": {ID: "c1", StartedAt: time.Now()}}, Sandbox{})
	defer m.RemovePod(pod.UID)
	waitFor(t, "ready", func() bool { return m.Ready(pod, c) })
	slow := execProbe(1)
	slow.InitialDelaySeconds = 1000
	pod.Spec.Containers[0].ReadinessProbe = slow
	m.Update(pod, map[string]Running{"app": {ID: "c2", StartedAt: time.Now()}}, Sandbox{})
	if m.Ready(pod, c) {
		t.Fatal("a new container inherited the old one's readiness")
	}
}
