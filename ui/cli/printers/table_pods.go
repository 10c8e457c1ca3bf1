package printers

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func podHeaders(opts TableOptions) []string {
	h := []string{"NAME", "READY", "STATUS", "RESTARTS", "AGE"}
	if opts.Wide {
		h = append(h, "IP", "NODE", "NOMINATED NODE", "READINESS GATES")
	}
	return h
}

// PodRow is a pod's cells of `kubectl get pods` (NAME READY STATUS RESTARTS
// AGE, and with Wide: IP NODE NOMINATED NODE READINESS GATES), without the
// namespace and label columns that Row adds.
func PodRow(p *corev1.Pod, opts TableOptions) []string {
	s := summarizePod(p)
	restarts := fmt.Sprint(s.restarts)
	// Newer kubectl appends how long ago the latest restart happened.
	if s.restarts != 0 && !s.lastRestart.IsZero() {
		restarts = fmt.Sprintf("%d (%s ago)", s.restarts, Age(s.lastRestart, opts.Now))
	}
	cells := []string{p.Name, fmt.Sprintf("%d/%d", s.ready, s.total), s.status, restarts, ageOf(p.CreationTimestamp, opts.Now)}
	if opts.Wide {
		ip := ""
		if len(p.Status.PodIPs) > 0 {
			ip = p.Status.PodIPs[0].IP
		}
		cells = append(cells, orNone(ip), orNone(p.Spec.NodeName), orNone(p.Status.NominatedNodeName), readinessGates(p))
	}
	return cells
}

// readinessGates is "true/total" over the pod's readiness gates, or <none>.
func readinessGates(p *corev1.Pod) string {
	if len(p.Spec.ReadinessGates) == 0 {
		return "<none>"
	}
	met := 0
	for _, g := range p.Spec.ReadinessGates {
		for _, c := range p.Status.Conditions {
			if c.Type == g.ConditionType {
				if c.Status == corev1.ConditionTrue {
					met++
				}
				break
			}
		}
	}
	return fmt.Sprintf("%d/%d", met, len(p.Spec.ReadinessGates))
}

// PodStatus is the STATUS column of `kubectl get pods`.
func PodStatus(p *corev1.Pod) string { return summarizePod(p).status }

// podSummary holds the columns kubectl's printPod computes in one pass.
type podSummary struct {
	ready, total int
	status       string
	restarts     int
	lastRestart  time.Time
}

// summarizePod follows kubectl's printPod (k8s 1.29+):
//   - STATUS starts as status.reason or the phase (SchedulingGated when the
//     PodScheduled condition says so);
//   - init containers in order: a successful one is skipped, a started
//     sidecar (restartPolicy Always) counts towards READY; the first other
//     gives Init:<terminated reason>, Init:Signal:N, Init:ExitCode:N,
//     Init:<waiting reason> (but not PodInitializing) or Init:i/n;
//   - unless still initializing, app containers from the last to the first:
//     a waiting reason, a terminated reason, Signal:N or ExitCode:N wins;
//     ready running ones count towards READY; "Completed" next to a ready
//     running container becomes Running (NotReady without the Ready
//     condition);
//   - a deleted pod shows Unknown when its node was lost, else Terminating
//     unless its phase is already terminal.
//
// READY's total counts app containers and sidecars. RESTARTS sums init
// container restarts while initializing, else sidecar and app restarts.
func summarizePod(p *corev1.Pod) podSummary {
	s := podSummary{total: len(p.Spec.Containers), status: string(p.Status.Phase)}
	if p.Status.Reason != "" {
		s.status = p.Status.Reason
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonSchedulingGated {
			s.status = corev1.PodReasonSchedulingGated
		}
	}
	sidecars := map[string]bool{}
	for _, c := range p.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sidecars[c.Name] = true
			s.total++
		}
	}

	var sidecarRestarts int
	var sidecarLastRestart time.Time
	initializing := false
	for i, st := range p.Status.InitContainerStatuses {
		s.restarts += int(st.RestartCount)
		s.lastRestart = later(s.lastRestart, st.LastTerminationState)
		if sidecars[st.Name] {
			sidecarRestarts += int(st.RestartCount)
			sidecarLastRestart = later(sidecarLastRestart, st.LastTerminationState)
		}
		switch t, w := st.State.Terminated, st.State.Waiting; {
		case t != nil && t.ExitCode == 0:
			continue
		case sidecars[st.Name] && st.Started != nil && *st.Started:
			if st.Ready {
				s.ready++
			}
			continue
		case t != nil && t.Reason != "":
			s.status = "Init:" + t.Reason
		case t != nil && t.Signal != 0:
			s.status = fmt.Sprintf("Init:Signal:%d", t.Signal)
		case t != nil:
			s.status = fmt.Sprintf("Init:ExitCode:%d", t.ExitCode)
		case w != nil && w.Reason != "" && w.Reason != "PodInitializing":
			s.status = "Init:" + w.Reason
		default:
			s.status = fmt.Sprintf("Init:%d/%d", i, len(p.Spec.InitContainers))
		}
		initializing = true
		break
	}

	if !initializing || podCondition(p, corev1.PodInitialized) {
		s.restarts, s.lastRestart = sidecarRestarts, sidecarLastRestart
		hasRunning := false
		for i := len(p.Status.ContainerStatuses) - 1; i >= 0; i-- {
			st := p.Status.ContainerStatuses[i]
			s.restarts += int(st.RestartCount)
			s.lastRestart = later(s.lastRestart, st.LastTerminationState)
			switch t, w := st.State.Terminated, st.State.Waiting; {
			case w != nil && w.Reason != "":
				s.status = w.Reason
			case t != nil && t.Reason != "":
				s.status = t.Reason
			case t != nil && t.Signal != 0:
				s.status = fmt.Sprintf("Signal:%d", t.Signal)
			case t != nil:
				s.status = fmt.Sprintf("ExitCode:%d", t.ExitCode)
			case st.Ready && st.State.Running != nil:
				hasRunning = true
				s.ready++
			}
		}
		if s.status == "Completed" && hasRunning {
			s.status = "Running"
			if !podCondition(p, corev1.PodReady) {
				s.status = "NotReady"
			}
		}
	}

	if p.DeletionTimestamp != nil {
		switch {
		case p.Status.Reason == "NodeLost": // the node lifecycle controller's NodeUnreachablePodReason
			s.status = "Unknown"
		case p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed:
			s.status = "Terminating"
		}
	}
	return s
}

// later returns the later of t and the finish time of a last termination.
func later(t time.Time, last corev1.ContainerState) time.Time {
	if last.Terminated != nil && t.Before(last.Terminated.FinishedAt.Time) {
		return last.Terminated.FinishedAt.Time
	}
	return t
}

func podCondition(p *corev1.Pod, typ corev1.PodConditionType) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == typ {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
