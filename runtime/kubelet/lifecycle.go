package kubelet

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/kubelet/cri"
	"github.com/podlab/podlab/runtime/kubelet/prober"
	"github.com/podlab/podlab/runtime/labclock"
)

// postStartTimeout bounds a postStart hook (upstream waits for it; a lab
// should not hang forever on a hook that never returns).
const postStartTimeout = 2 * time.Minute

// hookHTTPTimeout bounds an httpGet hook's request (upstream's lifecycle
// HTTP client has no shorter bound of its own).
const hookHTTPTimeout = 10 * time.Second

// runHook runs a lifecycle handler for a container and returns the error
// message upstream's hook events carry ("" on success).
func (k *Kubelet) runHook(ctx context.Context, pod *corev1.Pod, c *corev1.Container, h *corev1.LifecycleHandler, containerID string, sandbox *cri.ContainerInfo) string {
	switch {
	case h.Exec != nil:
		code, out, err := prober.ExecResult(ctx, k.rt, containerID, h.Exec.Command, postStartTimeout)
		if err == nil && code == 0 {
			return ""
		}
		detail := fmt.Sprintf("command '%s' exited with %d: %s", strings.Join(h.Exec.Command, " "), code, out)
		if err != nil {
			detail = err.Error()
		}
		return fmt.Sprintf("Exec lifecycle hook (%v) for Container %q in Pod %q failed - error: %s, message: %q", h.Exec.Command, c.Name, podDesc(pod), detail, out)
	case h.HTTPGet != nil && sandbox == nil:
		return fmt.Sprintf("HTTP lifecycle hook (%s) for Container %q in Pod %q failed - error: the pod has no sandbox", h.HTTPGet.Path, c.Name, podDesc(pod))
	case h.HTTPGet != nil:
		res, out := prober.RunHTTPHook(ctx, k.rt, h.HTTPGet,
			prober.Target{Pod: pod, Container: c, ContainerID: containerID, SandboxID: sandbox.ID, PodIP: sandbox.IP}, hookHTTPTimeout)
		if res == prober.Success || res == prober.Warning {
			return ""
		}
		return fmt.Sprintf("HTTP lifecycle hook (%s) for Container %q in Pod %q failed - error: %s", h.HTTPGet.Path, c.Name, podDesc(pod), out)
	case h.Sleep != nil:
		if !labclock.Sleep(ctx, time.Duration(h.Sleep.Seconds)*time.Second) {
			return "" // cut short by the grace period: not a failure
		}
		return ""
	}
	return ""
}

// postStart runs the container's postStart hook right after it started; the
// container is not reported running until it returns. A failure kills the
// container, and the restart policy decides what follows.
func (k *Kubelet) postStart(ctx context.Context, pod *corev1.Pod, c *corev1.Container, containerID string, sandbox *cri.ContainerInfo) bool {
	if c.Lifecycle == nil || c.Lifecycle.PostStart == nil {
		return true
	}
	msg := k.runHook(ctx, pod, c, c.Lifecycle.PostStart, containerID, sandbox)
	if msg == "" {
		return true
	}
	// Upstream keeps the hook's output out of the event (it may hold
	// secrets) and logs it; so does podlab, in server.log.
	log.Printf("kubelet: %s", msg)
	fp := fieldPath(pod, c.Name)
	k.rec.Event(pod, fp, corev1.EventTypeWarning, "FailedPostStartHook", "PostStartHook failed")
	if info, err := k.rt.InspectContainer(ctx, containerID); err == nil {
		k.killContainer(ctx, pod, info, gracePeriod(pod), "FailedPostStartHook")
	}
	return false
}

// runPreStop is the kubelet's preStop step of killing a container.
func (k *Kubelet) runPreStop(ctx context.Context, pod *corev1.Pod, info cri.ContainerInfo) {
	c := specContainer(pod, info.Container)
	if c == nil || c.Lifecycle == nil || c.Lifecycle.PreStop == nil {
		return
	}
	var sandbox *cri.ContainerInfo
	if containers, err := k.rt.ListPodContainers(ctx, string(pod.UID)); err == nil {
		sandbox = newPodView(containers).sandbox
	}
	if msg := k.runHook(ctx, pod, c, c.Lifecycle.PreStop, info.ID, sandbox); msg != "" {
		log.Printf("kubelet: %s", msg)
		k.rec.Event(pod, fieldPath(pod, c.Name), corev1.EventTypeWarning, "FailedPreStopHook", "PreStopHook failed")
	}
}

func specContainer(pod *corev1.Pod, name string) *corev1.Container {
	for _, list := range [][]corev1.Container{pod.Spec.Containers, pod.Spec.InitContainers} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}
