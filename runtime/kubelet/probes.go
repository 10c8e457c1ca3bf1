package kubelet

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/kubelet/cri"
	"github.com/podlab/podlab/runtime/kubelet/podspec"
	"github.com/podlab/podlab/runtime/kubelet/prober"
	"github.com/podlab/podlab/runtime/kubelet/prober/results"
)

// probeVerdict reads what the probe workers published about a running
// container: whether its liveness or startup probe failed (the probe, for
// its grace period, and upstream's message of computePodActions).
func (k *Kubelet) probeVerdict(c *corev1.Container, id string) (*corev1.Probe, string, bool) {
	if r, ok := k.probes.Liveness.Get(id); ok && r == results.Failure {
		return c.LivenessProbe, fmt.Sprintf("Container %s failed liveness probe", c.Name), true
	}
	if r, ok := k.probes.Startup.Get(id); ok && r == results.Failure {
		return c.StartupProbe, fmt.Sprintf("Container %s failed startup probe", c.Name), true
	}
	return nil, "", false
}

// restartForProbe kills a running container whose liveness or startup probe
// failed and, unless the pod never restarts, starts its next instance
// (through the crash-loop backoff, as upstream's computePodActions puts it
// in both ContainersToKill and ContainersToStart). It reports whether it
// acted.
func (k *Kubelet) restartForProbe(ctx context.Context, w *podWorker, pod *corev1.Pod, c *corev1.Container, cur cri.ContainerInfo, sb *cri.ContainerInfo, vols podspec.Volumes) bool {
	probe, msg, failed := k.probeVerdict(c, cur.ID)
	if !failed {
		return false
	}
	restart := pod.Spec.RestartPolicy != corev1.RestartPolicyNever
	if restart {
		msg += ", will be restarted"
	}
	k.killContainer(ctx, pod, cur, probeGracePeriod(pod, probe), msg)
	info, err := k.rt.InspectContainer(ctx, cur.ID)
	if err != nil || info.State == cri.StateRunning {
		w.trigger() // not stopped yet: the next sync looks again
		return true
	}
	if restart {
		k.startContainer(ctx, w, pod, c, cri.KindApp, cur.Attempt+1, &info, sb, vols)
	}
	return true
}

// probeGracePeriod is upstream's setTerminationGracePeriod for a probe
// kill: a deletion's grace period wins, then the probe's own
// terminationGracePeriodSeconds, then the pod's.
func probeGracePeriod(pod *corev1.Pod, probe *corev1.Probe) int64 {
	if pod.DeletionGracePeriodSeconds == nil && probe != nil && probe.TerminationGracePeriodSeconds != nil {
		return *probe.TerminationGracePeriodSeconds
	}
	return gracePeriod(pod)
}

// updateProbes keeps a probe worker per running app container.
func (k *Kubelet) updateProbes(pod *corev1.Pod, view podView) {
	running := map[string]prober.Running{}
	for i := range pod.Spec.Containers {
		if cur := view.latest(pod.Spec.Containers[i].Name); cur != nil && cur.State == cri.StateRunning {
			running[cur.Container] = prober.Running{ID: cur.ID, StartedAt: cur.StartedAt}
		}
	}
	var sandbox prober.Sandbox
	if view.sandbox != nil {
		sandbox = prober.Sandbox{ID: view.sandbox.ID, IP: view.sandbox.IP}
	}
	k.probes.Update(pod, running, sandbox)
}
