package e2e

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// portForward is a `podlab port-forward` running in the background.
type portForward struct {
	cmd     *exec.Cmd
	addr    string // the "Forwarding from" address, e.g. 127.0.0.1:41234
	mu      sync.Mutex
	out     bytes.Buffer
	errOut  bytes.Buffer
	stopped chan struct{}
}

// startPortForward runs port-forward with args and waits for its first
// "Forwarding from" line.
func (l *lab) startPortForward(args ...string) *portForward {
	l.t.Helper()
	pf := &portForward{stopped: make(chan struct{})}
	pf.cmd = exec.Command(l.bin, append([]string{"port-forward"}, args...)...)
	pf.cmd.Env = l.env()
	pf.cmd.Stderr = lockedWriter{&pf.mu, &pf.errOut}
	stdout, err := pf.cmd.StdoutPipe()
	if err != nil {
		l.t.Fatal(err)
	}
	if err := pf.cmd.Start(); err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() { pf.cmd.Process.Kill(); <-pf.stopped })
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			pf.mu.Lock()
			pf.out.WriteString(sc.Text() + "\n")
			pf.mu.Unlock()
			if addr, ok := strings.CutPrefix(sc.Text(), "Forwarding from "); ok {
				select {
				case first <- addr:
				default:
				}
			}
		}
		pf.cmd.Wait()
		close(pf.stopped)
	}()
	select {
	case line := <-first:
		pf.addr, _, _ = strings.Cut(line, " -> ")
	case <-pf.stopped:
		l.t.Fatalf("port-forward ended: %s", pf.stderr())
	case <-time.After(30 * time.Second):
		l.t.Fatalf("port-forward printed no Forwarding line: %s", pf.stderr())
	}
	return pf
}

func (pf *portForward) stdout() string { pf.mu.Lock(); defer pf.mu.Unlock(); return pf.out.String() }
func (pf *portForward) stderr() string { pf.mu.Lock(); defer pf.mu.Unlock(); return pf.errOut.String() }

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// TestPortForward reaches a pod's nginx from the test process through
// `podlab port-forward`, which relays through the pod's sandbox, never the
// pod IP; a port nothing listens on ends the forward as kubectl's does.
func TestPortForward(t *testing.T) {
	l := newLab(t)
	l.apply("web.yaml", `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: nginx
    image: nginx
    ports:
    - name: http
      containerPort: 80
`)
	l.waitRunning("web")

	pf := l.startPortForward("pod/web", "0:http")
	if !strings.HasPrefix(pf.addr, "127.0.0.1:") || !strings.Contains(pf.stdout(), "Forwarding from "+pf.addr+" -> 80\n") {
		t.Fatalf("forwarding lines:\n%s", pf.stdout())
	}
	_, port, _ := net.SplitHostPort(pf.addr)
	hc := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for i := range 2 {
		resp, err := hc.Get("http://" + pf.addr + "/")
		if err != nil {
			t.Fatalf("GET %d through port-forward: %v\nstderr: %s", i, err, pf.stderr())
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "Welcome to nginx!") {
			t.Fatalf("GET %d: %s\n%s", i, resp.Status, body)
		}
	}
	waitUntil(t, "two Handling lines", func() bool {
		return strings.Count(pf.stdout(), "Handling connection for "+port+"\n") == 2
	})
	pf.cmd.Process.Signal(os.Interrupt)
	select {
	case <-pf.stopped:
		if code := pf.cmd.ProcessState.ExitCode(); code != 0 {
			t.Fatalf("port-forward exit %d after Ctrl-C: %s", code, pf.stderr())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("port-forward kept running after Ctrl-C")
	}

	refused := l.startPortForward("web", ":81")
	if conn, err := net.Dial("tcp", refused.addr); err == nil {
		io.ReadAll(conn)
		conn.Close()
	}
	select {
	case <-refused.stopped:
	case <-time.After(20 * time.Second):
		t.Fatalf("port-forward kept running after an error forwarding: %s", refused.stderr())
	}
	t.Logf("port-forward to a closed port:\n%s%s", refused.stdout(), refused.stderr())
	mustContain(t, "port-forward's stderr", refused.stderr(),
		`"An error occurred forwarding" err="error forwarding port 81 to pod `, "connection refused", "error: lost connection to pod\n")
	if code := refused.cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("port-forward exit %d, want 1", code)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestPortForwardToWorkloads reaches a Deployment's nginx through
// `podlab port-forward svc/NAME` (the Service's port translated to the
// named targetPort's container port), deployment/NAME and rs/NAME, each
// forwarding to one of the workload's running pods, as kubectl does.
func TestPortForwardToWorkloads(t *testing.T) {
	l := newLab(t)
	l.apply("web.yaml", parityWorkloads) // a Deployment of two nginx, a Service web:80 -> http
	l.waitRolledOut("web")
	pods := l.selected("web")
	rsName := ""
	for _, p := range pods {
		if ref := p.OwnerReferences; len(ref) == 1 && ref[0].Kind == "ReplicaSet" {
			rsName = ref[0].Name
		}
	}
	if rsName == "" {
		t.Fatalf("no ReplicaSet owns the pods %v", podNames(pods))
	}
	hc := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for _, args := range [][]string{{"svc/web", "0:80"}, {"service/web", ":http"}, {"deployment/web", "0:http"}, {"rs/" + rsName, "0:80"}} {
		pf := l.startPortForward(args...)
		if !strings.Contains(pf.stdout(), "Forwarding from "+pf.addr+" -> 80\n") {
			t.Fatalf("%v: forwarding lines:\n%s", args, pf.stdout())
		}
		resp, err := hc.Get("http://" + pf.addr + "/")
		if err != nil {
			t.Fatalf("%v: GET through port-forward: %v\nstderr: %s", args, err, pf.stderr())
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "Welcome to nginx!") {
			t.Fatalf("%v: GET: %s\n%s", args, resp.Status, body)
		}
		pf.cmd.Process.Signal(os.Interrupt)
		<-pf.stopped
	}
	if _, errOut, code := l.run("port-forward", "svc/web", "8080"); code != 1 || !strings.Contains(errOut, "Service web does not have a service port 8080") {
		t.Errorf("an unknown service port: exit %d, %q", code, errOut)
	}
}
