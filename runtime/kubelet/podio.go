package kubelet

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilexec "k8s.io/client-go/util/exec"

	"github.com/podlab/podlab/runtime/kubelet/cri"
	"github.com/podlab/podlab/runtime/streaming"
)

// The kubelet serves what the API server hands to the node: pods/log,
// exec, attach and portforward (runtime/registry.PodIO). Errors a client
// must see before any stream opens are API errors.

// Logs streams a container's log (kubectl logs). The instance is chosen from
// the pod's status as upstream's validateContainerLogStatus does: the
// running one, else the last terminated; --previous the last termination.
// limitBytes is the API server's to apply.
func (k *Kubelet) Logs(ctx context.Context, pod *corev1.Pod, opts *corev1.PodLogOptions) (io.ReadCloser, error) {
	id, err := logContainerID(pod.Name, k.podStatus(pod), opts.Container, opts.Previous)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	info, err := k.rt.InspectContainer(ctx, id)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("container %q in pod %q is not available", opts.Container, pod.Name))
	}
	lo := cri.LogOptions{Follow: opts.Follow && info.State == cri.StateRunning, TailLines: -1, Timestamps: opts.Timestamps}
	if opts.TailLines != nil {
		lo.TailLines = *opts.TailLines
	}
	switch {
	case opts.SinceTime != nil:
		lo.Since = opts.SinceTime.Time
	case opts.SinceSeconds != nil:
		lo.Since = time.Now().Add(-time.Duration(*opts.SinceSeconds) * time.Second)
	}
	return k.rt.Logs(ctx, id, lo)
}

// podStatus is the status the kubelet last computed for pod, else the
// API's copy (upstream prefers its status manager's, which is fresher).
func (k *Kubelet) podStatus(pod *corev1.Pod) *corev1.PodStatus {
	k.mu.Lock()
	w := k.workers[pod.UID]
	k.mu.Unlock()
	if w != nil {
		if st := w.lastStatus(); st != nil {
			return st
		}
	}
	return pod.Status.DeepCopy()
}

// logContainerID picks the engine container whose log a request reads,
// with upstream's messages for containers that have none (yet).
func logContainerID(podName string, st *corev1.PodStatus, name string, previous bool) (string, error) {
	var cs *corev1.ContainerStatus
	for _, list := range [][]corev1.ContainerStatus{st.ContainerStatuses, st.InitContainerStatuses} {
		for i := range list {
			if list[i].Name == name {
				cs = &list[i]
			}
		}
	}
	if cs == nil {
		// No status yet: the kubelet has not synced the pod, and its first
		// status will say so.
		return "", fmt.Errorf("container %q in pod %q is waiting to start: ContainerCreating", name, podName)
	}
	last := cs.LastTerminationState.Terminated
	switch {
	case previous:
		if last == nil || last.ContainerID == "" {
			return "", fmt.Errorf("previous terminated container %q in pod %q not found", name, podName)
		}
		return engineID(last.ContainerID), nil
	case cs.State.Running != nil:
		return engineID(cs.ContainerID), nil
	case cs.State.Terminated != nil:
		if t := cs.State.Terminated; t.ContainerID != "" {
			return engineID(t.ContainerID), nil
		}
		if last != nil && last.ContainerID != "" {
			return engineID(last.ContainerID), nil
		}
		return "", fmt.Errorf("container %q in pod %q is terminated", name, podName)
	case last != nil:
		if last.ContainerID == "" {
			return "", fmt.Errorf("container %q in pod %q is terminated", name, podName)
		}
		return engineID(last.ContainerID), nil
	case cs.State.Waiting != nil:
		switch reason := cs.State.Waiting.Reason; reason {
		case "ErrImagePull":
			return "", fmt.Errorf("container %q in pod %q is waiting to start: image can't be pulled", name, podName)
		case "ImagePullBackOff":
			return "", fmt.Errorf("container %q in pod %q is waiting to start: trying and failing to pull image", name, podName)
		default:
			return "", fmt.Errorf("container %q in pod %q is waiting to start: %v", name, podName, reason)
		}
	}
	return "", fmt.Errorf("container %q in pod %q is waiting to start - no logs yet", name, podName)
}

// engineID strips the runtime prefix of a status's containerID.
func engineID(containerID string) string {
	if i := strings.Index(containerID, "://"); i >= 0 {
		return containerID[i+3:]
	}
	return containerID
}

// CheckRunning says whether container runs, before exec or attach upgrade
// the connection; the client shows the message after "unable to upgrade
// connection: ", as with the kubelet's answer upstream.
func (k *Kubelet) CheckRunning(ctx context.Context, pod *corev1.Pod, container string) error {
	_, err := k.runningContainer(ctx, pod, container)
	return err
}

// Exec runs a command in a running container (kubectl exec). A non-zero
// exit is a CodeExitError, which the stream reports as the exit code.
func (k *Kubelet) Exec(ctx context.Context, pod *corev1.Pod, container string, cmd []string, s streaming.Streams) error {
	id, err := k.runningContainer(ctx, pod, container)
	if err != nil {
		return err
	}
	code, err := k.rt.Exec(ctx, id, cri.ExecOptions{Cmd: cmd, TTY: s.TTY, Stdin: s.Stdin, Stdout: s.Stdout, Stderr: s.Stderr, Resize: criSizes(s.Resize)})
	if err != nil {
		return err
	}
	if code != 0 {
		// The wording of containerd's ExecInContainer.
		return utilexec.CodeExitError{Err: fmt.Errorf("error executing command %v, exit code %d", cmd, code), Code: code}
	}
	return nil
}

// Attach connects to a running container's main process (kubectl attach).
func (k *Kubelet) Attach(ctx context.Context, pod *corev1.Pod, container string, s streaming.Streams) error {
	id, err := k.runningContainer(ctx, pod, container)
	if err != nil {
		return err
	}
	return k.rt.Attach(ctx, id, cri.ExecOptions{TTY: s.TTY, Stdin: s.Stdin, Stdout: s.Stdout, Stderr: s.Stderr, Resize: criSizes(s.Resize)})
}

// runningContainer finds the running instance of a pod's container, or
// upstream's `container not found ("name")` (the kubelet finds containers
// among the running ones).
func (k *Kubelet) runningContainer(ctx context.Context, pod *corev1.Pod, name string) (string, error) {
	containers, err := k.rt.ListPodContainers(ctx, string(pod.UID))
	if err != nil {
		return "", err
	}
	c := newPodView(containers).latest(name)
	if c == nil || c.State != cri.StateRunning {
		return "", apierrors.NewBadRequest(fmt.Sprintf("container not found (%q)", name))
	}
	return c.ID, nil
}

// criSizes relays terminal sizes from the stream to the engine.
func criSizes(in <-chan streaming.TerminalSize) chan cri.TermSize {
	if in == nil {
		return nil
	}
	out := make(chan cri.TermSize, 4)
	go func() {
		defer close(out)
		for sz := range in {
			out <- cri.TermSize{Width: sz.Width, Height: sz.Height}
		}
	}()
	return out
}

// PortForward relays one connection to a port of the pod (kubectl
// port-forward): an nc in the pod's sandbox dials 127.0.0.1, which is the
// pod's own network namespace, so it works wherever pod IPs are unreachable
// from the host.
func (k *Kubelet) PortForward(ctx context.Context, pod *corev1.Pod, port int32, conn io.ReadWriter) error {
	containers, err := k.rt.ListPodContainers(ctx, string(pod.UID))
	if err != nil {
		return err
	}
	sandbox := newPodView(containers).sandbox
	if sandbox == nil || sandbox.State != cri.StateRunning {
		return apierrors.NewBadRequest(fmt.Sprintf("unable to forward port because pod is not running. Current status=%v", pod.Status.Phase))
	}
	var stderr bytes.Buffer
	code, err := k.rt.Exec(ctx, sandbox.ID, cri.ExecOptions{
		Cmd: []string{"/bin/nc", "127.0.0.1", fmt.Sprint(port)}, Stdin: conn, Stdout: conn, Stderr: &stderr,
	})
	if err != nil {
		return err
	}
	if code != 0 {
		// The CRI streaming server's wording (it names the sandbox and no
		// UID), with nc's complaint in place of socat's.
		return streaming.ForwardingError(port, sandbox.ID, "", fmt.Errorf("exit status %d: %s", code, strings.TrimSpace(stderr.String())))
	}
	return nil
}
