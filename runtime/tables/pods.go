package tables

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var podPrinter = typed(
	[]metav1.TableColumnDefinition{
		nameCol(),
		col("Ready", typeString, "The aggregate readiness state of this pod for accepting traffic."),
		col("Status", typeString, "The aggregate status of the containers in this pod."),
		col("Restarts", typeString, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
		ageCol(),
		wide("IP", typeString, corev1.PodStatus{}.SwaggerDoc()["podIP"]),
		wide("Node", typeString, corev1.PodSpec{}.SwaggerDoc()["nodeName"]),
		wide("Nominated Node", typeString, corev1.PodStatus{}.SwaggerDoc()["nominatedNodeName"]),
		wide("Readiness Gates", typeString, corev1.PodSpec{}.SwaggerDoc()["readinessGates"]),
	},
	podRow,
)

// podRow: NAME READY STATUS RESTARTS AGE, then IP NODE NOMINATED NODE
// READINESS GATES. A finished pod's row carries the Completed condition,
// with the phase as its reason, as upstream's rows do.
func podRow(p *corev1.Pod, now time.Time) metav1.TableRow {
	s := summarizePod(p)
	restarts := fmt.Sprint(s.restarts)
	if s.restarts != 0 && !s.lastRestart.IsZero() {
		restarts = fmt.Sprintf("%d (%s ago)", s.restarts, Age(s.lastRestart, now))
	}
	ip := ""
	if len(p.Status.PodIPs) > 0 {
		ip = p.Status.PodIPs[0].IP
	}
	row := metav1.TableRow{Cells: []any{
		p.Name, fmt.Sprintf("%d/%d", s.ready, s.total), s.status, restarts, age(p.CreationTimestamp, now),
		orNone(ip), orNone(p.Spec.NodeName), orNone(p.Status.NominatedNodeName), readinessGates(p),
	}}
	switch p.Status.Phase {
	case corev1.PodSucceeded:
		row.Conditions = []metav1.TableRowCondition{{Type: metav1.RowCompleted, Status: metav1.ConditionTrue, Reason: string(corev1.PodSucceeded), Message: "The pod has completed successfully."}}
	case corev1.PodFailed:
		row.Conditions = []metav1.TableRowCondition{{Type: metav1.RowCompleted, Status: metav1.ConditionTrue, Reason: string(corev1.PodFailed), Message: "The pod failed."}}
	}
	return row
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

// PodStatus is the STATUS cell of a pod's row (Running, CrashLoopBackOff,
// Init:0/1, Completed, Terminating, …).
func PodStatus(p *corev1.Pod) string { return summarizePod(p).status }

// podSummary holds the cells upstream's pod printer computes in one pass.
type podSummary struct {
	ready, total int
	status       string
	restarts     int
	lastRestart  time.Time
}

// summarizePod follows upstream's pod printer (k8s 1.29+):
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
