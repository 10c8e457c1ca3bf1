package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

const servicePods = `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
---
apiVersion: v1
kind: Service
metadata: {name: web-np}
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
---
apiVersion: v1
kind: Pod
metadata: {name: web-a, labels: {app: web}}
spec:
  containers:
  - name: web
    image: busybox
    command: ["sh", "-c", "touch /tmp/ready; exec web --port 8080"]
    ports: [{name: http, containerPort: 8080}]
    readinessProbe:
      exec: {command: ["cat", "/tmp/ready"]}
      periodSeconds: 1
      failureThreshold: 1
---
apiVersion: v1
kind: Pod
metadata: {name: web-b, labels: {app: web}}
spec:
  containers:
  - name: web
    image: busybox
    command: ["sh", "-c", "touch /tmp/ready; exec web --port 8080"]
    ports: [{name: http, containerPort: 8080}]
    readinessProbe:
      exec: {command: ["cat", "/tmp/ready"]}
      periodSeconds: 1
      failureThreshold: 1
`

// Two pods behind a Service are reached by its name and cluster IP from a
// client pod; a pod whose readiness fails leaves the Endpoints and gets no
// more traffic.
func TestServiceRoutesToReadyPods(t *testing.T) {
	l := newLab(t)
	l.apply("web.yaml", servicePods)
	l.waitRunning("web-a")
	l.waitRunning("web-b")
	// Created after the Service: it gets its variables.
	l.apply("client.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers:
  - {name: client, image: busybox, command: ["sleep", "3600"]}
`)
	l.waitRunning("client")

	var svc corev1.Service
	if err := json.Unmarshal([]byte(l.mustRun("get", "service", "web", "-o", "json")), &svc); err != nil {
		t.Fatal(err)
	}
	ip := svc.Spec.ClusterIP
	l.waitEndpoints("web", []string{l.pod("web-a").Status.PodIP, l.pod("web-b").Status.PodIP})

	resolv := l.mustRun("exec", "client", "--", "cat", "/etc/resolv.conf")
	mustContain(t, "resolv.conf", resolv, "nameserver 10.96.0.10", "search default.svc.cluster.local svc.cluster.local cluster.local", "options ndots:5")
	env := l.mustRun("exec", "client", "--", "env")
	mustContain(t, "env", env, "WEB_SERVICE_HOST="+ip, "WEB_SERVICE_PORT=80", "WEB_SERVICE_PORT_HTTP=80", "WEB_PORT=tcp://"+ip+":80", "WEB_PORT_80_TCP_ADDR="+ip)

	for _, url := range []string{"http://web/hostname", "http://web.default/hostname", "http://web.default.svc.cluster.local/hostname", "http://" + ip + "/hostname"} {
		if got := l.hostnames(url, 10); strings.Join(got, ",") != "web-a,web-b" {
			t.Errorf("%s reached %v, want both pods", url, got)
		}
	}

	// The NodePort answers on the machine's loopback.
	var np corev1.Service
	if err := json.Unmarshal([]byte(l.mustRun("get", "service", "web-np", "-o", "json")), &np); err != nil {
		t.Fatal(err)
	}
	nodeURL := fmt.Sprintf("http://127.0.0.1:%d/hostname", np.Spec.Ports[0].NodePort)
	if got := fetchAll(t, nodeURL, 10); strings.Join(got, ",") != "web-a,web-b" {
		t.Errorf("node port %s reached %v, want both pods", nodeURL, got)
	}

	// web-b fails its readiness probe: it leaves the Endpoints, and the
	// Service's traffic stops reaching it.
	l.mustRun("exec", "web-b", "--", "rm", "/tmp/ready")
	l.waitPod("web-b", 30*time.Second, "not ready", func(p *corev1.Pod) bool { return !podReady(p) })
	l.waitEndpoints("web", []string{l.pod("web-a").Status.PodIP})
	time.Sleep(time.Second) // the proxy's table follows within a second
	if got := l.hostnames("http://web/hostname", 10); strings.Join(got, ",") != "web-a" {
		t.Errorf("after web-b's readiness failed, the Service reached %v", got)
	}
}

// fetchAll fetches url n times from the test and returns the distinct
// answers, sorted.
func fetchAll(t *testing.T, url string, n int) []string {
	t.Helper()
	seen := map[string]bool{}
	// A connection per request: the proxy balances connections.
	client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for range n {
		var body []byte
		var err error
		for try := 0; try < 10; try++ {
			var resp *http.Response
			if resp, err = client.Get(url); err == nil {
				body, err = io.ReadAll(resp.Body)
				resp.Body.Close()
				break
			}
			time.Sleep(200 * time.Millisecond) // the listener comes with the table
		}
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		seen[strings.TrimSpace(string(body))] = true
	}
	var out []string
	for h := range seen {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

// waitEndpoints waits until the Endpoints' ready addresses are ips.
func (l *lab) waitEndpoints(name string, ips []string) {
	l.t.Helper()
	sort.Strings(ips)
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		out, _, code := l.run("get", "endpoints", name, "-o", "json")
		if code == 0 {
			var ep corev1.Endpoints
			json.Unmarshal([]byte(out), &ep)
			var got []string
			for _, s := range ep.Subsets {
				for _, a := range s.Addresses {
					got = append(got, a.IP)
				}
			}
			sort.Strings(got)
			last = fmt.Sprint(got)
			if last == fmt.Sprint(ips) {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	l.t.Fatalf("endpoints %s: ready addresses %s, want %v", name, last, ips)
}

// hostnames fetches url n times from the client pod and returns the
// distinct answers, sorted.
func (l *lab) hostnames(url string, n int) []string {
	l.t.Helper()
	seen := map[string]bool{}
	for range n {
		out, errOut, code := l.run("exec", "client", "--", "wget", "-qO-", "-T", "3", url)
		if code != 0 {
			l.t.Fatalf("wget %s: exit %d: %s%s", url, code, out, errOut)
		}
		seen[strings.TrimSpace(out)] = true
	}
	var out []string
	for h := range seen {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}
