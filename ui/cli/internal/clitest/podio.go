package clitest

import (
	"context"
	"fmt"
	"io"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/util/exec"

	"github.com/podlab/podlab/runtime/streaming"
)

// echoIO stands in for the kubelet: logs say whose they are, exec echoes,
// port-forward answers with what it got.
type echoIO struct{}

func (echoIO) Logs(_ context.Context, pod *corev1.Pod, o *corev1.PodLogOptions) (io.ReadCloser, error) {
	if o.SinceTime != nil {
		return io.NopCloser(strings.NewReader("")), nil // nothing new since
	}
	return io.NopCloser(strings.NewReader("logs of " + pod.Name + "/" + o.Container + "\n")), nil
}

// CheckRunning: the container of pod "quick" ended between the status poll
// and the attach; the kubelet answers so before any stream opens.
func (echoIO) CheckRunning(_ context.Context, pod *corev1.Pod, container string) error {
	if pod.Name == "quick" {
		return apierrors.NewBadRequest(fmt.Sprintf("container not found (%q)", container))
	}
	return nil
}

func (echoIO) Exec(_ context.Context, pod *corev1.Pod, container string, cmd []string, s streaming.Streams) error {
	fmt.Fprintf(s.Stdout, "%s|%s|%s\n", pod.Name, container, strings.Join(cmd, " "))
	if len(cmd) > 1 && cmd[0] == "exit" {
		var code int
		fmt.Sscan(cmd[1], &code)
		return exec.CodeExitError{Err: fmt.Errorf("exit %d", code), Code: code}
	}
	return nil
}

func (echoIO) Attach(_ context.Context, pod *corev1.Pod, container string, s streaming.Streams) error {
	fmt.Fprintf(s.Stdout, "attached to %s/%s\n", pod.Name, container)
	return nil
}

func (echoIO) PortForward(_ context.Context, pod *corev1.Pod, port int32, conn io.ReadWriter) error {
	if port == 9 {
		return fmt.Errorf("error forwarding port 9 to pod %s, uid : exit status 1: nc: can't connect to remote host (127.0.0.1): Connection refused", pod.Name)
	}
	got, _ := io.ReadAll(conn)
	fmt.Fprintf(conn, "%s:%d got %s", pod.Name, port, got)
	return nil
}
