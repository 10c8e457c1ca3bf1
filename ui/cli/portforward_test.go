package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/api"
)

// PortForward answers a forwarded connection once its input ends (so the
// half-close must get through), or fails for port 9 as a refused dial does.
func (echoIO) PortForward(_ context.Context, pod *corev1.Pod, port int32, stdin io.Reader, stdout io.Writer) error {
	if port == 9 {
		return fmt.Errorf("error forwarding port 9 to pod abc, uid : exit status 1: nc: can't connect to remote host (127.0.0.1): connection refused")
	}
	in, _ := io.ReadAll(stdin)
	fmt.Fprintf(stdout, "%s:%d got %s", pod.Name, port, in)
	return nil
}

func TestParsePorts(t *testing.T) {
	got, err := parsePorts([]string{"8888:8080", "5000", ":5000", "0:80"})
	want := []forwardedPort{{8888, 8080}, {5000, 5000}, {0, 5000}, {0, 80}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("parsePorts = %v, %v; want %v", got, err, want)
	}
	for spec, msg := range map[string]string{
		"1:2:3":  "invalid port format '1:2:3'",
		"x:80":   `error parsing local port 'x': strconv.ParseUint: parsing "x": invalid syntax`,
		"80:0":   "remote port must be > 0",
		"70000":  `error parsing local port '70000': strconv.ParseUint: parsing "70000": value out of range`,
		"80:web": `error parsing remote port 'web': strconv.ParseUint: parsing "web": invalid syntax`,
	} {
		if _, err := parsePorts([]string{spec}); err == nil || err.Error() != msg {
			t.Errorf("parsePorts(%q) error %v, want %q", spec, err, msg)
		}
	}
}

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

func TestParseAddresses(t *testing.T) {
	got, err := parseAddresses([]string{"localhost", "0.0.0.0"})
	want := []listenAddress{{"0.0.0.0", "tcp4", "any"}, {"127.0.0.1", "tcp4", "all"}, {"::1", "tcp6", "all"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("parseAddresses = %v, %v", got, err)
	}
	if _, err := parseAddresses([]string{"example.com"}); err == nil || err.Error() != "example.com is not a valid IP" {
		t.Fatalf("bad address: %v", err)
	}
}

// forwardingLine waits for port-forward's first "Forwarding from" line.
func forwardingLine(t *testing.T, out *syncBuffer) string {
	t.Helper()
	waitFor(t, "Forwarding from", func() bool { return strings.Contains(out.String(), "\n") })
	return strings.SplitN(out.String(), "\n", 2)[0]
}

func (h *harness) runningPod(name string) {
	h.run("", "apply", "-f", h.file(name+".yaml", strings.Replace(webPod, "name: web", "name: "+name, 1)))
	if _, err := h.st.GuaranteedUpdate(api.Pods, "default", name, func(o api.Object) (api.Object, error) {
		o.(*corev1.Pod).Status.Phase = corev1.PodRunning
		return o, nil
	}); err != nil {
		h.t.Fatal(err)
	}
}

func TestPortForwardRelaysConnectionsThroughTheAPIServer(t *testing.T) {
	h := newHarness(t)
	h.runningPod("web")
	out, errOut, stop := h.start("port-forward", "pod/web", "--address", "127.0.0.1", ":80")
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
	h.runningPod("web")
	out, errOut, stop := h.start("port-forward", "web", "--address", "127.0.0.1", "0:9")
	var port int
	fmt.Sscanf(forwardingLine(t, out), "Forwarding from 127.0.0.1:%d -> 9", &port)
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	waitFor(t, "port-forward to give up", func() bool { return strings.Contains(errOut.String(), "lost connection") })
	if c := stop(); c != 1 || !strings.HasSuffix(errOut.String(), "error: lost connection to pod\n") ||
		!strings.Contains(errOut.String(), `] "An error occurred forwarding" err="error forwarding port 9 to pod abc, uid : exit status 1: nc: can't connect`) ||
		!strings.Contains(errOut.String(), fmt.Sprintf(" localPort=%d remotePort=9\n", port)) {
		t.Fatalf("exit %d, stderr:\n%s", c, errOut.String())
	}
}

func TestPortForwardRefusesAPodNotRunning(t *testing.T) {
	h := newHarness(t)
	h.run("", "apply", "-f", h.file("web.yaml", webPod))
	if _, errOut, code := h.run("", "port-forward", "web", "8888:8080"); code != 1 || errOut != "error: unable to forward port because pod is not running. Current status=Pending\n" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if _, errOut, code := h.run("", "port-forward", "web"); code != 1 || errOut != "error: TYPE/NAME and list of ports are required for port-forward\nSee 'podlab port-forward -h' for help and examples\n" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}
