package kubectl

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/ui/cli/internal/clitest"
)

func TestNamedPortsResolveFromThePodSpec(t *testing.T) {
	pod := &corev1.Pod{}
	pod.Name = "kubia"
	pod.Spec.Containers = []corev1.Container{{Name: "app", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}}
	got, err := namedPortsToNumbers([]string{"http", "8888:http", ":http", "9000:80"}, pod)
	if want := []string{"8080", "8888:8080", ":8080", "9000:80"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("namedPortsToNumbers = %v, %v; want %v", got, err, want)
	}
	if _, err := namedPortsToNumbers([]string{"8888:metrics"}, pod); err == nil || err.Error() != "Pod 'kubia' does not have a named port 'metrics'" {
		t.Fatalf("unknown name: %v", err)
	}
}

// forwardingLine waits for port-forward's first "Forwarding from" line.
func forwardingLine(t *testing.T, out *clitest.SyncBuffer) string {
	t.Helper()
	waitFor(t, "Forwarding from", func() bool { return strings.Contains(out.String(), "\n") })
	return strings.SplitN(out.String(), "\n", 2)[0]
}

func TestPortForwardRelaysConnectionsThroughTheAPIServer(t *testing.T) {
	h := newHarness(t)
	h.RunningPod("web")
	out, errOut, stop := h.Start("port-forward", "pod/web", "--address", "127.0.0.1", ":80")
	defer stop()
	line := forwardingLine(t, out)
	var port int
	if _, err := fmt.Sscanf(line, "Forwarding from 127.0.0.1:%d -> 80", &port); err != nil || port == 0 {
		t.Fatalf("forwarding line %q (stderr %q)", line, errOut.String())
	}
	for i := range 2 {
		conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "request %d", i)
		conn.(*net.TCPConn).CloseWrite()
		answer, _ := io.ReadAll(bufio.NewReader(conn))
		conn.Close()
		if want := fmt.Sprintf("web:80 got request %d", i); string(answer) != want {
			t.Fatalf("connection %d answered %q, want %q", i, answer, want)
		}
	}
	if n := strings.Count(out.String(), fmt.Sprintf("Handling connection for %d\n", port)); n != 2 {
		t.Fatalf("%d handling lines in %q", n, out.String())
	}
}

func TestPortForwardGivesUpAfterAnErrorForwarding(t *testing.T) {
	h := newHarness(t)
	h.RunningPod("web")
	out, errOut, stop := h.Start("port-forward", "web", "--address", "127.0.0.1", "0:9")
	var port int
	fmt.Sscanf(forwardingLine(t, out), "Forwarding from 127.0.0.1:%d -> 9", &port)
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	waitFor(t, "port-forward to give up", func() bool { return strings.Contains(errOut.String(), "lost connection") })
	// client-go's forwarder logs the pod's error (through klog, to the
	// process's stderr) and gives up, as kubectl does.
	if c := stop(); c != 1 || !strings.HasSuffix(errOut.String(), "error: lost connection to pod\n") {
		t.Fatalf("exit %d, stderr:\n%s", c, errOut.String())
	}
}

func TestPortForwardRefusesAPodNotRunning(t *testing.T) {
	h := newHarness(t)
	h.Run("", "apply", "-f", h.File("web.yaml", clitest.WebPod))
	if _, errOut, code := h.Run("", "port-forward", "web", "8888:8080"); code != 1 || errOut != "error: unable to forward port because pod is not running. Current status=Pending\n" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if _, errOut, code := h.Run("", "port-forward", "web"); code != 1 || errOut != "error: TYPE/NAME and list of ports are required for port-forward\nSee 'podlab port-forward -h' for help and examples\n" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}
