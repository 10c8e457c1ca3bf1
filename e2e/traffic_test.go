package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/podlab/podlab/internal/testenv"
	"github.com/podlab/podlab/runtime/client"
)

const trafficPods = `
apiVersion: v1
kind: Service
metadata: {name: counted}
spec:
  selector: {app: counted}
  ports:
  - {name: http, port: 80, targetPort: http}
---
apiVersion: v1
kind: Pod
metadata: {name: counted-a, labels: {app: counted}}
spec:
  containers:
  - name: web
    image: busybox
    command: ["web", "--port", "8080"]
    ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: counted-b, labels: {app: counted}}
spec:
  containers:
  - name: web
    image: busybox
    command: ["web", "--port", "8080"]
    ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers:
  - {name: client, image: busybox, command: ["sleep", "3600"]}
`

// N requests through a Service over two ready pods are counted by the
// lab's proxy per endpoint — each endpoint's count the requests its pod
// answered, the counts summing to N — and read through the control
// plane's /podlab/v1/traffic; a request to a pod's own IP is not counted.
// The TUI's Service view (v, in tmux) shows the same counts.
func TestServiceTrafficCountedPerEndpoint(t *testing.T) {
	l := newLab(t)
	l.apply("traffic.yaml", trafficPods)
	a, b := l.waitRunning("counted-a"), l.waitRunning("counted-b")
	l.waitRunning("client")
	l.waitEndpoints("counted", []string{a.Status.PodIP, b.Status.PodIP})
	podOf := map[string]string{a.Status.PodIP: "counted-a", b.Status.PodIP: "counted-b"}
	cl := client.New(filepath.Join(l.home, "podlab.sock"))

	// Straight to a pod: not the proxy's to count.
	if out := l.mustRun("exec", "client", "--", "wget", "-qO-", "-T", "3", "http://"+a.Status.PodIP+":8080/hostname"); strings.TrimSpace(out) != "counted-a" {
		t.Fatalf("by pod IP: %q", out)
	}
	const n = 12
	answered := map[string]int64{}
	retries := int64(0)
	for i := range n {
		var out, errOut string
		code := -1
		for try := 0; try < 10 && code != 0; try++ {
			if try > 0 {
				retries++
				time.Sleep(200 * time.Millisecond) // the proxy's table follows the endpoints within a second
			}
			out, errOut, code = l.run("exec", "client", "--", "wget", "-qO-", "-T", "3", "http://counted/hostname")
		}
		if code != 0 {
			t.Fatalf("request %d through the Service: exit %d: %s%s", i, code, out, errOut)
		}
		answered[strings.TrimSpace(out)]++
	}
	if answered["counted-a"] == 0 || answered["counted-b"] == 0 {
		t.Fatalf("the Service's requests reached %v, want both pods", answered)
	}

	// The proxy publishes changed counts every 500 ms.
	var svc client.ServiceTraffic
	var last client.Traffic
	deadline := time.Now().Add(20 * time.Second)
	for {
		var err error
		last, err = cl.Traffic(context.Background(), "default")
		if err != nil {
			t.Fatalf("reading the traffic: %v", err)
		}
		svc = serviceTraffic(last, "counted")
		if total, active := trafficTotals(svc); total >= n && active == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the counts did not reach %d closed connections: %+v", n, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if last.Since.IsZero() || last.Updated.Before(last.Since) {
		t.Errorf("since %v, updated %v", last.Since, last.Updated)
	}
	if svc.Port != "http" || svc.PortNumber != 80 || svc.ClusterIP == "" || svc.Refused > retries {
		t.Errorf("the Service port's counts: %+v", svc)
	}
	counted := map[string]int64{}
	var total int64
	for _, e := range svc.Endpoints {
		pod, ok := podOf[e.IP]
		if !ok || e.Port != 8080 {
			t.Errorf("an endpoint of no pod of the Service: %+v", e)
			continue
		}
		if e.Failed != 0 || (e.Connections > 0 && (e.BytesIn == 0 || e.BytesOut == 0)) {
			t.Errorf("endpoint %s (%s): %+v", e.IP, pod, e)
		}
		counted[pod] += e.Connections
		total += e.Connections
	}
	if total != n || fmt.Sprint(counted) != fmt.Sprint(answered) {
		t.Errorf("counted %v (%d in all), the pods answered %v (%d)", counted, total, answered, n)
	}
	// Other namespaces' Services are left out.
	if other, err := cl.Traffic(context.Background(), "kube-system"); err != nil || len(other.Services) != 0 {
		t.Errorf("kube-system's traffic: %+v, %v", other, err)
	}

	// The TUI's Service view shows the same counts per endpoint, and enter
	// opens the endpoint's pod in the workspace.
	if _, err := exec.LookPath("tmux"); err != nil {
		if testenv.CI() {
			t.Fatal("tmux is required in CI (scripts/test installs it)")
		}
		t.Skip("tmux not installed")
	}
	sock := t.TempDir() + "/tmux.sock"
	tmux(t, sock, "new-session", "-d", "-x", "100", "-y", "30", "-s", "podlab",
		"env PODLAB_HOME="+l.home+" PODLAB_TIME_SCALE="+timeScale+" TERM=xterm-256color "+l.bin)
	t.Cleanup(func() { exec.Command("tmux", "-S", sock, "kill-server").Run() })
	keys := func(k ...string) { tmux(t, sock, append([]string{"send-keys", "-t", "podlab"}, k...)...) }
	waitScreen := func(what string, ok func(string) bool) string {
		t.Helper()
		for deadline := time.Now().Add(45 * time.Second); ; time.Sleep(150 * time.Millisecond) {
			s := tmux(t, sock, "capture-pane", "-p", "-t", "podlab")
			if ok(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("the TUI never showed %s:\n%s", what, s)
			}
		}
	}
	has := func(want string) func(string) bool { return func(s string) bool { return strings.Contains(s, want) } }
	waitScreen("the chapters", has("enter open"))
	keys("w")
	waitScreen("the workspace", has("previous pod"))
	keys("v")
	row := regexp.MustCompile(`(?m)^..(\S+):8080\s+(counted-[ab])\s+\S+\s+(\d+)\s+(\d+)\s`)
	screen := waitScreen("both endpoints' counts", func(s string) bool {
		return len(row.FindAllString(s, -1)) == 2 && strings.Contains(s, "READY (2)") && strings.Contains(s, "counted by")
	})
	mustContain(t, "the Service view", screen, "service/counted · 2 ready, 0 not ready", "counted by the lab's proxy", "pod-to-pod by pod IP is not")
	for _, m := range row.FindAllStringSubmatch(screen, -1) {
		if podOf[m[1]] != m[2] || m[3] != fmt.Sprint(counted[m[2]]) || m[4] != "0" {
			t.Errorf("the view's row %q, want %s with %d connections", m[0], podOf[m[1]], counted[m[2]])
		}
	}
	keys("Enter")
	waitScreen("counted-a in the workspace", has("pod/counted-a"))
	keys("q")
}

func serviceTraffic(t client.Traffic, name string) client.ServiceTraffic {
	for _, s := range t.Services {
		if s.Name == name {
			return s
		}
	}
	return client.ServiceTraffic{}
}

// trafficTotals are a Service port's connections and those still open.
func trafficTotals(s client.ServiceTraffic) (total, active int64) {
	for _, e := range s.Endpoints {
		total += e.Connections
		active += e.Active
	}
	return total, active
}
