package kubelet

import (
	"io"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/kubelet/cri"
	"github.com/podlab/podlab/runtime/kubelet/prober/results"
)

func execProbe() *corev1.Probe {
	return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"check"}}},
		PeriodSeconds: 1, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 1}
}

// unhealthyFirst fails the probe of a container's first instance only.
func unhealthyFirst(c cri.ContainerInfo, o cri.ExecOptions) (int, error) {
	if c.Attempt == 0 {
		io.WriteString(o.Stdout, "not yet")
		return 1, nil
	}
	return 0, nil
}

func TestLivenessFailureMakesThePodWorkerRestartTheContainer(t *testing.T) {
	pod := testPod("live")
	// The pod's grace period would take 30 s here; the probe's own is what
	// a probe kill uses.
	long, short := int64(3000), int64(2)
	pod.Spec.TerminationGracePeriodSeconds = &long
	probe := execProbe()
	probe.TerminationGracePeriodSeconds = &short
	pod.Spec.Containers[0].LivenessProbe = probe
	h := newHarness(t, pod)
	h.rt.ExecFunc = unhealthyFirst
	h.rt.IgnoreStop("app")
	h.run()
	p := h.waitPod("live", "restarted once by its liveness probe", func(p *corev1.Pod) bool {
		cs := containerStatus(p, "app")
		return cs != nil && cs.RestartCount == 1 && cs.State.Running != nil
	})
	if !h.events.has("Unhealthy: Liveness probe failed: not yet") || !h.events.has("Killing: Container app failed liveness probe, will be restarted") {
		t.Fatalf("events:\n%s", h.events)
	}
	if last := containerStatus(p, "app").LastTerminationState.Terminated; last == nil || last.ExitCode != 137 {
		t.Fatalf("lastState = %+v, want the killed instance (137: it ignored the stop signal)", last)
	}
	first := h.containers("uid-live", "app")
	for _, c := range first {
		if c.Attempt == 0 {
			if r, ok := h.k.probes.Liveness.Get(c.ID); ok {
				t.Fatalf("the killed instance keeps a liveness result (%v)", r)
			}
		}
	}
}

func TestLivenessFailureWithRestartPolicyNeverKillsForGood(t *testing.T) {
	pod := testPod("once")
	pod.Spec.RestartPolicy = corev1.RestartPolicyNever
	pod.Spec.Containers[0].LivenessProbe = execProbe()
	h := newHarness(t, pod)
	h.rt.ExecFunc = unhealthyFirst
	h.run()
	p := h.waitPod("once", "Failed", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
	if cs := containerStatus(p, "app"); cs.RestartCount != 0 || cs.State.Terminated == nil {
		t.Fatalf("container status %+v", cs)
	}
	if !h.events.has("Killing: Container app failed liveness probe") {
		t.Fatalf("events (no \"will be restarted\" for a pod that never restarts):\n%s", h.events)
	}
}

func TestStartupFailureRestartsTheContainer(t *testing.T) {
	pod := testPod("slow")
	pod.Spec.Containers[0].StartupProbe = execProbe()
	h := newHarness(t, pod)
	h.rt.ExecFunc = unhealthyFirst
	h.run()
	h.waitPod("slow", "restarted by its startup probe", func(p *corev1.Pod) bool {
		cs := containerStatus(p, "app")
		return cs != nil && cs.RestartCount == 1 && cs.Started != nil && *cs.Started && cs.Ready
	})
	if !h.events.has("Killing: Container app failed startup probe, will be restarted") {
		t.Fatalf("events:\n%s", h.events)
	}
}

func TestReadinessResultsFeedTheReadyCondition(t *testing.T) {
	pod := testPod("ready")
	pod.Spec.Containers[0].ReadinessProbe = execProbe()
	h := newHarness(t, pod)
	var healthy atomic.Bool
	h.rt.ExecFunc = func(cri.ContainerInfo, cri.ExecOptions) (int, error) {
		if healthy.Load() {
			return 0, nil
		}
		return 1, nil
	}
	h.run()
	p := h.waitPod("ready", "Running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	time.Sleep(50 * time.Millisecond)
	p = h.pod("ready")
	if condition(p, corev1.PodReady) != corev1.ConditionFalse || containerStatus(p, "app").Ready {
		t.Fatalf("ready before the readiness probe passed: %+v", p.Status)
	}
	healthy.Store(true)
	h.waitPod("ready", "Ready", runningAndReady)
	healthy.Store(false)
	p = h.waitPod("ready", "unready again", func(p *corev1.Pod) bool { return condition(p, corev1.PodReady) == corev1.ConditionFalse })
	if cs := containerStatus(p, "app"); cs.RestartCount != 0 || cs.State.Running == nil {
		t.Fatalf("a readiness failure restarted the container: %+v", cs)
	}
}

// The pod worker acts on a published liveness failure whoever published it:
// the decision is the sync's, not the prober's.
func TestPublishedLivenessFailureIsActedOnBySync(t *testing.T) {
	pod := testPod("web")
	pod.Spec.Containers[0].LivenessProbe = execProbe()
	pod.Spec.Containers[0].LivenessProbe.InitialDelaySeconds = 100000 // the worker never probes
	h := newHarness(t, pod)
	h.run()
	h.waitPod("web", "Running", runningAndReady)
	c := h.running("uid-web", "app")
	h.k.probes.Liveness.Set(c.ID, results.Failure, "uid-web")
	h.waitPod("web", "restarted", func(p *corev1.Pod) bool {
		cs := containerStatus(p, "app")
		return cs.RestartCount == 1 && cs.State.Running != nil
	})
	if !h.events.has("Killing: Container app failed liveness probe, will be restarted") {
		t.Fatalf("events:\n%s", h.events)
	}
}
