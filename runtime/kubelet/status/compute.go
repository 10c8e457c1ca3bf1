package status

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/kubelet/cri"
)

// Compute returns the pod's new status. It keeps conditions it does not own
// (PodScheduled) from obs.Pod.Status and keeps lastTransitionTime of
// conditions whose status did not change.
func Compute(obs Observation) corev1.PodStatus {
	old := obs.Pod.Status
	st := corev1.PodStatus{
		QOSClass:          old.QOSClass,
		StartTime:         old.StartTime,
		NominatedNodeName: old.NominatedNodeName,
	}
	if st.StartTime == nil {
		t := metav1.NewTime(obs.Now)
		st.StartTime = &t
	}
	if obs.HostIP != "" {
		st.HostIP = obs.HostIP
		st.HostIPs = []corev1.HostIP{{IP: obs.HostIP}}
	}
	if obs.Sandbox != nil && obs.Sandbox.IP != "" {
		st.PodIP = obs.Sandbox.IP
		st.PodIPs = []corev1.PodIP{{IP: obs.Sandbox.IP}}
	} else if obs.Sandbox != nil && obs.Pod.Spec.HostNetwork {
		st.PodIP, st.PodIPs = obs.HostIP, []corev1.PodIP{{IP: obs.HostIP}}
	}
	for _, c := range obs.Init {
		st.InitContainerStatuses = append(st.InitContainerStatuses, containerStatus(c))
	}
	for _, c := range obs.Apps {
		st.ContainerStatuses = append(st.ContainerStatuses, containerStatus(c))
	}
	st.Phase = Phase(obs.Pod, st.InitContainerStatuses, st.ContainerStatuses)
	if obs.Terminal && st.Phase != corev1.PodSucceeded && st.Phase != corev1.PodFailed {
		st.Phase = terminalPhase(st.ContainerStatuses)
	}
	if old.Phase == corev1.PodSucceeded || old.Phase == corev1.PodFailed {
		st.Phase = old.Phase // a terminal phase never changes again
	}
	st.Conditions = conditions(obs, &st)
	return st
}

// containerStatus turns one observation into its API status.
func containerStatus(c Container) corev1.ContainerStatus {
	cs := corev1.ContainerStatus{Name: c.Spec.Name, Image: c.ImageName}
	if cs.Image == "" {
		cs.Image = c.Spec.Image
	}
	started := false
	cur := c.Current
	last := c.Previous
	if cur != nil {
		cs.ContainerID = "docker://" + cur.ID
		cs.ImageID = "docker://" + cur.ImageID
		cs.RestartCount = int32(cur.Attempt)
	}
	switch {
	case c.Waiting != nil:
		cs.State.Waiting = c.Waiting.DeepCopy()
		if cur != nil && cur.State == cri.StateExited {
			last = cur // the instance that just ended is the last state while the kubelet holds the next one back
		}
	case cur == nil || cur.State == cri.StateCreated || cur.State == cri.StateUnknown:
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}
	case cur.State == cri.StateRunning:
		cs.State.Running = &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(cur.StartedAt)}
		cs.Ready = c.Ready
		started = c.Started
	case cur.State == cri.StateExited:
		cs.State.Terminated = Terminated(cur)
	}
	if last != nil && last.State == cri.StateExited {
		cs.LastTerminationState.Terminated = Terminated(last)
	}
	cs.Started = &started
	return cs
}

// Terminated describes an exited container as the kubelet does: reason
// OOMKilled, Completed (exit 0), ContainerCannotRun (the runtime could not
// start it) or Error.
func Terminated(c *cri.ContainerInfo) *corev1.ContainerStateTerminated {
	t := &corev1.ContainerStateTerminated{
		ExitCode:    int32(c.ExitCode),
		StartedAt:   metav1.NewTime(c.StartedAt),
		FinishedAt:  metav1.NewTime(c.FinishedAt),
		ContainerID: "docker://" + c.ID,
	}
	switch {
	case c.OOMKilled:
		t.Reason = "OOMKilled"
	case c.Error != "":
		t.Reason, t.Message = "ContainerCannotRun", c.Error
	case c.ExitCode == 0:
		t.Reason = "Completed"
	default:
		t.Reason = "Error"
	}
	return t
}

// terminalPhase is getPhase's answer for a pod that is terminal: Succeeded
// when every app container exited 0, Failed otherwise.
func terminalPhase(apps []corev1.ContainerStatus) corev1.PodPhase {
	for _, s := range apps {
		if s.State.Terminated == nil || s.State.Terminated.ExitCode != 0 {
			return corev1.PodFailed
		}
	}
	return corev1.PodSucceeded
}

// Phase applies the kubelet's getPhase rules to the container statuses.
func Phase(pod *corev1.Pod, init, apps []corev1.ContainerStatus) corev1.PodPhase {
	pendingInit, failedInit := 0, 0
	for _, s := range init {
		switch {
		case s.State.Running != nil:
			pendingInit++
		case s.State.Terminated != nil:
			if s.State.Terminated.ExitCode != 0 {
				failedInit++
			}
		case s.State.Waiting != nil:
			if lt := s.LastTerminationState.Terminated; lt != nil {
				if lt.ExitCode != 0 {
					failedInit++
				}
			} else {
				pendingInit++
			}
		default:
			pendingInit++
		}
	}
	unknown, running, waiting, stopped, succeeded := 0, 0, 0, 0, 0
	for _, s := range apps {
		switch {
		case s.State.Running != nil:
			running++
		case s.State.Terminated != nil:
			stopped++
			if s.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case s.State.Waiting != nil:
			if s.LastTerminationState.Terminated != nil {
				stopped++
			} else {
				waiting++
			}
		default:
			unknown++
		}
	}
	never := pod.Spec.RestartPolicy == corev1.RestartPolicyNever
	if failedInit > 0 && never {
		return corev1.PodFailed
	}
	switch {
	case pendingInit > 0 || failedInit > 0:
		return corev1.PodPending
	case waiting > 0:
		return corev1.PodPending
	case running > 0 && unknown == 0:
		return corev1.PodRunning
	case running == 0 && stopped > 0 && unknown == 0:
		if pod.Spec.RestartPolicy == corev1.RestartPolicyAlways {
			return corev1.PodRunning // restarting
		}
		if stopped == succeeded {
			return corev1.PodSucceeded
		}
		if never {
			return corev1.PodFailed
		}
		return corev1.PodRunning // OnFailure: restarting the failed ones
	}
	return corev1.PodPending
}

// conditions builds the kubelet-owned conditions in upstream's order and
// keeps the others (PodScheduled) from the old status.
func conditions(obs Observation, st *corev1.PodStatus) []corev1.PodCondition {
	var conds []corev1.PodCondition
	sandboxReady := obs.Sandbox != nil && obs.Sandbox.State == cri.StateRunning && (obs.Sandbox.IP != "" || obs.Pod.Spec.HostNetwork)
	conds = append(conds, cond(corev1.PodReadyToStartContainers, sandboxReady, "", ""))

	var incomplete []string
	for _, s := range st.InitContainerStatuses {
		if s.State.Terminated == nil || s.State.Terminated.ExitCode != 0 {
			incomplete = append(incomplete, s.Name)
		}
	}
	if len(incomplete) == 0 {
		conds = append(conds, cond(corev1.PodInitialized, true, "", ""))
	} else {
		conds = append(conds, cond(corev1.PodInitialized, false, "ContainersNotInitialized", fmt.Sprintf("containers with incomplete status: %s", list(incomplete))))
	}

	ready := readyCondition(st)
	readyPod := ready
	readyPod.Type = corev1.PodReady
	ready.Type = corev1.ContainersReady
	conds = append(conds, readyPod, ready)

	for _, c := range obs.Pod.Status.Conditions {
		switch c.Type {
		case corev1.PodReadyToStartContainers, corev1.PodInitialized, corev1.PodReady, corev1.ContainersReady:
		default:
			conds = append(conds, c)
		}
	}
	for i := range conds {
		conds[i].LastTransitionTime = metav1.NewTime(obs.Now)
		for _, o := range obs.Pod.Status.Conditions {
			if o.Type == conds[i].Type && o.Status == conds[i].Status && !o.LastTransitionTime.IsZero() {
				conds[i].LastTransitionTime = o.LastTransitionTime
			}
		}
	}
	return conds
}

// readyCondition follows GenerateContainersReadyCondition.
func readyCondition(st *corev1.PodStatus) corev1.PodCondition {
	if st.Phase == corev1.PodSucceeded || st.Phase == corev1.PodFailed {
		reason := "PodCompleted"
		if st.Phase == corev1.PodFailed {
			reason = "PodFailed"
		}
		return corev1.PodCondition{Status: corev1.ConditionFalse, Reason: reason}
	}
	var unready []string
	for _, s := range st.ContainerStatuses {
		if !s.Ready {
			unready = append(unready, s.Name)
		}
	}
	if len(unready) > 0 {
		return corev1.PodCondition{Status: corev1.ConditionFalse, Reason: "ContainersNotReady", Message: fmt.Sprintf("containers with unready status: %s", list(unready))}
	}
	return corev1.PodCondition{Status: corev1.ConditionTrue}
}

func cond(t corev1.PodConditionType, ok bool, reason, msg string) corev1.PodCondition {
	s := corev1.ConditionFalse
	if ok {
		s = corev1.ConditionTrue
	}
	return corev1.PodCondition{Type: t, Status: s, Reason: reason, Message: msg}
}

// list formats names as Go prints a []string: "[a b]".
func list(names []string) string { return fmt.Sprint(names) }
