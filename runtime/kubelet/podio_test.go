package kubelet

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/podlab/podlab/runtime/kubelet/cri"
	"github.com/podlab/podlab/runtime/streaming"
)

func readLog(t *testing.T, h *harness, pod *corev1.Pod, opts *corev1.PodLogOptions) string {
	t.Helper()
	rc, err := h.k.Logs(context.Background(), pod, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return string(b)
}

func TestLogsFollowTheContainerStatuses(t *testing.T) {
	h := newHarness(t, testPod("web"))
	h.run()
	p := h.waitPod("web", "Running", runningAndReady)
	first := h.running("uid-web", "app")
	h.rt.WriteLog(first.ID, "one")
	h.rt.WriteLog(first.ID, "two")
	if got := readLog(t, h, p, &corev1.PodLogOptions{Container: "app"}); got != "one\ntwo\n" {
		t.Fatalf("logs %q", got)
	}
	tail := int64(1)
	if got := readLog(t, h, p, &corev1.PodLogOptions{Container: "app", TailLines: &tail}); got != "two\n" {
		t.Fatalf("tailLines=1: %q", got)
	}
	_, err := h.k.Logs(context.Background(), p, &corev1.PodLogOptions{Container: "app", Previous: true})
	if !apierrors.IsBadRequest(err) || err.Error() != `previous terminated container "app" in pod "web" not found` {
		t.Fatalf("--previous before a restart: %v", err)
	}
	h.rt.Exit(first.ID, 1)
	p = h.waitPod("web", "restarted", func(p *corev1.Pod) bool {
		cs := containerStatus(p, "app")
		return cs.RestartCount == 1 && cs.State.Running != nil
	})
	if got := readLog(t, h, p, &corev1.PodLogOptions{Container: "app", Previous: true}); got != "one\ntwo\n" {
		t.Fatalf("--previous after a restart: %q", got)
	}
	if got := readLog(t, h, p, &corev1.PodLogOptions{Container: "app"}); got != "" {
		t.Fatalf("the new instance's log: %q", got)
	}
}

func TestLogsOfAWaitingContainer(t *testing.T) {
	h := newHarness(t)
	pod := testPod("web")
	_, err := h.k.Logs(context.Background(), pod, &corev1.PodLogOptions{Container: "app"})
	if !apierrors.IsBadRequest(err) || err.Error() != `container "app" in pod "web" is waiting to start: ContainerCreating` {
		t.Fatalf("logs before the first sync: %v", err)
	}
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff"}}}}
	_, err = h.k.Logs(context.Background(), pod, &corev1.PodLogOptions{Container: "app"})
	if err == nil || err.Error() != `container "app" in pod "web" is waiting to start: trying and failing to pull image` {
		t.Fatalf("logs of a container whose image cannot be pulled: %v", err)
	}
}

type exitStatus interface{ ExitStatus() int }

func TestExecAttachAndCheckRunning(t *testing.T) {
	h := newHarness(t, testPod("web"))
	h.rt.ExecFunc = func(_ cri.ContainerInfo, o cri.ExecOptions) (int, error) {
		if o.Cmd[0] == "probe" {
			return 0, nil
		}
		io.WriteString(o.Stdout, "ran "+strings.Join(o.Cmd, " "))
		return 3, nil
	}
	h.run()
	p := h.waitPod("web", "Running", runningAndReady)
	ctx := context.Background()
	err := h.k.CheckRunning(ctx, p, "sidecar")
	if !apierrors.IsBadRequest(err) || err.Error() != `container not found ("sidecar")` {
		t.Fatalf("CheckRunning of a container that does not run: %v", err)
	}
	if err := h.k.CheckRunning(ctx, p, "app"); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = h.k.Exec(ctx, p, "app", []string{"sh", "-c", "exit 3"}, streaming.Streams{Stdout: &out})
	var exit exitStatus
	if !errors.As(err, &exit) || exit.ExitStatus() != 3 || out.String() != "ran sh -c exit 3" {
		t.Fatalf("exec: %v (%q)", err, out.String())
	}
	var echoed bytes.Buffer
	if err := h.k.Attach(ctx, p, "app", streaming.Streams{Stdin: strings.NewReader("hello"), Stdout: &echoed}); err != nil || echoed.String() != "hello" {
		t.Fatalf("attach: %v (%q)", err, echoed.String())
	}
}

func TestPortForwardNeedsARunningSandbox(t *testing.T) {
	h := newHarness(t)
	pod := testPod("web")
	err := h.k.PortForward(context.Background(), pod, 80, &bytes.Buffer{})
	if !apierrors.IsBadRequest(err) || err.Error() != "unable to forward port because pod is not running. Current status=Pending" {
		t.Fatalf("port-forward to a pod without sandbox: %v", err)
	}
}

func TestPortForwardReportsTheRefusal(t *testing.T) {
	h := newHarness(t, testPod("web"))
	h.rt.ExecFunc = func(c cri.ContainerInfo, o cri.ExecOptions) (int, error) {
		if c.Kind != cri.KindSandbox {
			return 0, nil
		}
		io.WriteString(o.Stderr, "nc: can't connect to remote host (127.0.0.1): Connection refused\n")
		return 1, nil
	}
	h.run()
	p := h.waitPod("web", "Running", runningAndReady)
	err := h.k.PortForward(context.Background(), p, 81, &bytes.Buffer{})
	if err == nil || !strings.HasPrefix(err.Error(), "error forwarding port 81 to pod ") || !strings.HasSuffix(err.Error(), ", uid : exit status 1: nc: can't connect to remote host (127.0.0.1): Connection refused") {
		t.Fatalf("port-forward to a closed port: %v", err)
	}
}
