package printers

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func podRow(p *corev1.Pod, opts TableOptions) []string {
	ready, total := 0, len(p.Spec.Containers)
	var restarts int32
	var lastRestart time.Time
	for _, s := range p.Status.ContainerStatuses {
		if s.Ready && s.State.Running != nil {
			ready++
		}
		restarts += s.RestartCount
		if t := s.LastTerminationState.Terminated; t != nil && t.FinishedAt.After(lastRestart) {
			lastRestart = t.FinishedAt.Time
		}
	}
	for _, s := range p.Status.InitContainerStatuses {
		restarts += s.RestartCount
		if t := s.LastTerminationState.Terminated; t != nil && t.FinishedAt.After(lastRestart) {
			lastRestart = t.FinishedAt.Time
		}
	}
	r := fmt.Sprint(restarts)
	if restarts > 0 && !lastRestart.IsZero() {
		// Newer kubectl: "3 (45s ago)".
		r = fmt.Sprintf("%d (%s ago)", restarts, Age(lastRestart, opts.Now))
	}
	cells := []string{p.Name, fmt.Sprintf("%d/%d", ready, total), PodStatus(p), r, Age(p.CreationTimestamp.Time, opts.Now)}
	if opts.Wide {
		ip, node := p.Status.PodIP, p.Spec.NodeName
		if ip == "" {
			ip = "<none>"
		}
		if node == "" {
			node = "<none>"
		}
		nominated := p.Status.NominatedNodeName
		if nominated == "" {
			nominated = "<none>"
		}
		gates := "<none>"
		if n := len(p.Spec.ReadinessGates); n > 0 {
			gates = fmt.Sprintf("0/%d", n)
		}
		cells = append(cells, ip, node, nominated, gates)
	}
	return cells
}

// PodStatus is the STATUS column of `kubectl get pods`, computed as kubectl's
// printPod does: the phase or reason, then init containers (Init:N/M,
// Init:Error, Init:CrashLoopBackOff...), then app containers scanned from
// the last (a waiting or terminated reason, Signal:N, ExitCode:N), then
// Terminating for a pod being deleted.
func PodStatus(p *corev1.Pod) string {
	reason := string(p.Status.Phase)
	if p.Status.Reason != "" {
		reason = p.Status.Reason
	}
	initializing := false
	for i, s := range p.Status.InitContainerStatuses {
		switch {
		case s.State.Terminated != nil && s.State.Terminated.ExitCode == 0:
			continue
		case s.State.Terminated != nil:
			t := s.State.Terminated
			if t.Reason == "" {
				if t.Signal != 0 {
					reason = fmt.Sprintf("Init:Signal:%d", t.Signal)
				} else {
					reason = fmt.Sprintf("Init:ExitCode:%d", t.ExitCode)
				}
			} else {
				reason = "Init:" + t.Reason
			}
			initializing = true
		case s.State.Waiting != nil && s.State.Waiting.Reason != "" && s.State.Waiting.Reason != "PodInitializing":
			reason = "Init:" + s.State.Waiting.Reason
			initializing = true
		default:
			reason = fmt.Sprintf("Init:%d/%d", i, len(p.Spec.InitContainers))
			initializing = true
		}
		break
	}
	if !initializing {
		hasRunning := false
		for i := len(p.Status.ContainerStatuses) - 1; i >= 0; i-- {
			s := p.Status.ContainerStatuses[i]
			switch {
			case s.State.Waiting != nil && s.State.Waiting.Reason != "":
				reason = s.State.Waiting.Reason
			case s.State.Terminated != nil && s.State.Terminated.Reason != "":
				reason = s.State.Terminated.Reason
			case s.State.Terminated != nil && s.State.Terminated.Signal != 0:
				reason = fmt.Sprintf("Signal:%d", s.State.Terminated.Signal)
			case s.State.Terminated != nil:
				reason = fmt.Sprintf("ExitCode:%d", s.State.Terminated.ExitCode)
			case s.Ready && s.State.Running != nil:
				hasRunning = true
			}
		}
		// A completed container beside a running one: the pod is still Running.
		if reason == "Completed" && hasRunning {
			reason = "Running"
			if !podReady(p) {
				reason = "NotReady"
			}
		}
	}
	if p.DeletionTimestamp != nil {
		if p.Status.Reason == "NodeLost" {
			reason = "Unknown"
		} else {
			reason = "Terminating"
		}
	}
	return reason
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
