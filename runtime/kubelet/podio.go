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

	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/kubelet/cri"
)

// Logs streams a container's log for the API server (kubectl logs).
func (k *Kubelet) Logs(ctx context.Context, pod *corev1.Pod, opts client.LogOptions) (io.ReadCloser, error) {
	containers, err := k.rt.ListPodContainers(ctx, string(pod.UID))
	if err != nil {
		return nil, err
	}
	view := newPodView(containers)
	c := view.latest(opts.Container)
	if opts.Previous {
		c = view.previous(opts.Container)
		if c == nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("previous terminated container %q in pod %q not found", opts.Container, pod.Name))
		}
	}
	if c == nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("container %q in pod %q is waiting to start: %s", opts.Container, pod.Name, k.waitingReason(pod, opts.Container)))
	}
	lo := cri.LogOptions{Follow: opts.Follow && c.State == cri.StateRunning, TailLines: -1, Timestamps: opts.Timestamps}
	if opts.TailLines != nil {
		lo.TailLines = *opts.TailLines
	}
	if opts.Since > 0 {
		lo.Since = time.Now().Add(-opts.Since)
	}
	return k.rt.Logs(ctx, c.ID, lo)
}

func (k *Kubelet) waitingReason(pod *corev1.Pod, name string) string {
	for _, s := range append(append([]corev1.ContainerStatus(nil), pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...) {
		if s.Name == name && s.State.Waiting != nil {
			return s.State.Waiting.Reason
		}
	}
	return "ContainerCreating"
}

// Exec runs a command in a running container for the API server (kubectl exec).
func (k *Kubelet) Exec(ctx context.Context, pod *corev1.Pod, opts client.ExecOptions) (int, error) {
	id, err := k.runningContainer(ctx, pod, opts.Container, "unable to upgrade connection: container not found (%q)")
	if err != nil {
		return -1, err
	}
	return k.rt.Exec(ctx, id, cri.ExecOptions{Cmd: opts.Command, TTY: opts.TTY, Stdin: opts.Stdin, Stdout: opts.Stdout, Stderr: opts.Stderr, Resize: criSizes(opts.Resize)})
}

// Attach connects to a running container's main process (kubectl attach).
func (k *Kubelet) Attach(ctx context.Context, pod *corev1.Pod, opts client.ExecOptions) (int, error) {
	id, err := k.runningContainer(ctx, pod, opts.Container, "container %s is not running")
	if err != nil {
		return -1, err
	}
	return 0, k.rt.Attach(ctx, id, cri.ExecOptions{TTY: opts.TTY, Stdin: opts.Stdin, Stdout: opts.Stdout, Stderr: opts.Stderr, Resize: criSizes(opts.Resize)})
}

// runningContainer finds the running instance of a pod's container, or the
// API server's error (notRunning formats the container's name).
func (k *Kubelet) runningContainer(ctx context.Context, pod *corev1.Pod, name, notRunning string) (string, error) {
	containers, err := k.rt.ListPodContainers(ctx, string(pod.UID))
	if err != nil {
		return "", err
	}
	c := newPodView(containers).latest(name)
	if c == nil || c.State != cri.StateRunning {
		return "", apierrors.NewBadRequest(fmt.Sprintf(notRunning, name))
	}
	return c.ID, nil
}

// criSizes relays terminal sizes from the API's type to the engine's.
func criSizes(in <-chan client.TermSize) chan cri.TermSize {
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
// port-forward): an nc in the pod's sandbox dials 127.0.0.1, which is the pod's
// own network namespace, so it works wherever pod IPs are unreachable from the
// host. stdin and stdout carry the connection's bytes.
func (k *Kubelet) PortForward(ctx context.Context, pod *corev1.Pod, port int32, stdin io.Reader, stdout io.Writer) error {
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
		Cmd: []string{"/bin/nc", "127.0.0.1", fmt.Sprint(port)}, Stdin: stdin, Stdout: stdout, Stderr: &stderr,
	})
	if err != nil {
		return err
	}
	if code != 0 {
		// The kubelet's wording, with nc's complaint in place of socat's.
		return fmt.Errorf("error forwarding port %d to pod %s, uid : exit status %d: %s", port, sandbox.ID, code, strings.TrimSpace(stderr.String()))
	}
	return nil
}
