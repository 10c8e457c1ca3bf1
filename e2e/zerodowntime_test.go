package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// zdManifest is a Deployment of three box web servers that take 15 s (real
// time) to start listening, rolled one at a time (maxSurge 1, maxUnavailable
// 0), behind a ClusterIP Service of the same name. probes is spliced into
// the container: the readiness probe and preStop hook of the zero-downtime
// recipe, or nothing.
const zdManifest = `
apiVersion: v1
kind: Service
metadata: {name: %[1]s}
spec:
  selector: {app: %[1]s}
  ports:
  - {name: http, port: 80, targetPort: http}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: %[1]s}
spec:
  replicas: 3
  # Ten times upstream's 600 s: at the tests' time scale, 600 s would be
  # 30 s, less than three pods' 15 s start delays one after another.
  progressDeadlineSeconds: 6000
  selector: {matchLabels: {app: %[1]s}}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata: {labels: {app: %[1]s}}
    spec:
      terminationGracePeriodSeconds: 120
      containers:
      - name: web
        image: busybox
        command: ["web", "--port", "8080", "--start-delay", "15s"]
        ports: [{name: http, containerPort: 8080}]
%[2]s`

// The zero-downtime recipe: ready only once it answers, and a preStop pause
// (60 s scaled by the lab's time scale: 3 s) so that the pod keeps serving
// while its removal from the endpoints reaches the proxy (real time, well
// under a second) before SIGTERM makes it stop accepting.
const zdProbes = `        readinessProbe:
          httpGet: {path: /readyz, port: http}
          periodSeconds: 10
          failureThreshold: 1
        lifecycle:
          preStop:
            sleep: {seconds: 60}
`

// zdLoop is the client: one new connection per request to the Service by
// name, at most 3000 requests or until /tmp/stop, counting "ok failed" into
// /tmp/count; /tmp/done when it ends.
const zdLoop = `ok=0; failed=0; i=0
while [ $i -lt 3000 ] && [ ! -f /tmp/stop ]; do
  i=$((i+1))
  if wget -q -T 2 -O /dev/null http://%s/hostname; then ok=$((ok+1)); else failed=$((failed+1)); fi
  echo "$ok $failed" > /tmp/count.tmp; mv /tmp/count.tmp /tmp/count
  sleep 0.05
done
touch /tmp/done; exec sleep 3600`

// rollUnderLoad deploys name (with probes spliced in), starts a client
// request loop against its Service once every pod listens, rolls the
// Deployment's pods, and returns the requests that succeeded and
// failed from just before the rollout until every new pod answered.
func rollUnderLoad(t *testing.T, lab0 *lab, name, probes string) (ok, failed int) {
	t.Helper()
	sub := *lab0
	sub.t = t // fail the subtest, not its parent
	l := &sub
	l.apply(name+".yaml", fmt.Sprintf(zdManifest, name, probes))
	l.waitRolledOut(name)
	old := l.waitSelected(name, "running busybox", allImage(3, "busybox"))
	for _, p := range old {
		l.waitListening(p.Name)
	}
	client := name + "-client"
	l.apply(client+".yaml", fmt.Sprintf(`
apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  containers:
  - name: loop
    image: busybox
    command: ["sh", "-c", %q]
`, client, fmt.Sprintf(zdLoop, name)))
	l.waitRunning(client)
	ok0, failed0 := l.waitCount(client, "the loop's first requests", func(ok, _ int) bool { return ok >= 10 })
	if failed0 != 0 {
		t.Fatalf("%s: %d of %d requests failed before the rollout", name, failed0, ok0+failed0)
	}

	// A template change (the restartedAt annotation), as kubectl's.
	l.mustRun("rollout", "restart", "deployment/"+name)
	l.waitRolledOut(name)
	// Every pod new and the old ones gone (their preStop and grace included).
	fresh := l.waitSelected(name, "replaced", func(pods []corev1.Pod) bool {
		return allImage(3, "busybox")(pods) && pods[0].Labels["pod-template-hash"] != old[0].Labels["pod-template-hash"]
	})
	for _, p := range fresh {
		for _, o := range old {
			if p.Name == o.Name || p.Labels["pod-template-hash"] == o.Labels["pod-template-hash"] {
				t.Fatalf("%s: pod %s survived the rollout", name, p.Name)
			}
		}
		l.waitListening(p.Name)
	}
	// A few more requests against the new pods, then stop the loop.
	l.waitCount(client, "requests after the rollout", func(ok, failed int) bool { return ok >= ok0+50 })
	l.mustRun("exec", client, "--", "touch", "/tmp/stop")
	ok1, failed1 := l.waitCount(client, "the loop's end", func(int, int) bool {
		_, _, code := l.run("exec", client, "--", "test", "-f", "/tmp/done")
		return code == 0
	})
	t.Logf("%s: during the rollout %d requests succeeded, %d failed", name, ok1-ok0, failed1-failed0)
	return ok1 - ok0, failed1 - failed0
}

// waitListening waits for the web server's log line that it listens (past
// its start delay).
func (l *lab) waitListening(pod string) {
	l.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		logs, _, _ := l.run("logs", pod, "-c", "web")
		if strings.Contains(logs, "listening on :8080") {
			return
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("%s never listened:\n%s", pod, logs)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// waitCount polls the client loop's "ok failed" counts until cond holds.
func (l *lab) waitCount(pod, what string, cond func(ok, failed int) bool) (int, int) {
	l.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		out, _, code := l.run("exec", pod, "--", "cat", "/tmp/count")
		var ok, failed int
		if code == 0 {
			if _, err := fmt.Sscan(strings.TrimSpace(out), &ok, &failed); err == nil && cond(ok, failed) {
				return ok, failed
			}
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("client %s never reached %s (counts %q)", pod, what, out)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// A rolling update under steady traffic through a Service: with a
// readiness probe and a preStop pause no request fails; without them the
// new pods count as ready (and the old ones go) before they listen, and
// requests fail. The lab's proxy tries another endpoint when the chosen
// one refuses (kube-proxy's rules would not), so the losses come from the
// seconds in which no listed endpoint accepts — the 15 s start delay makes
// them certain rather than lucky.
func TestRollingUpdateZeroDowntime(t *testing.T) {
	l := newLab(t)
	t.Run("readiness and preStop", func(t *testing.T) {
		ok, failed := rollUnderLoad(t, l, "zd-ready", zdProbes)
		if failed != 0 {
			t.Errorf("%d of %d requests failed during the rollout, want none", failed, ok+failed)
		}
		if ok < 50 {
			t.Errorf("only %d requests during the rollout: the test did not load it", ok)
		}
	})
	l.mustRun("delete", "deployment", "zd-ready")
	l.mustRun("delete", "pod", "zd-ready-client")
	t.Run("neither", func(t *testing.T) {
		ok, failed := rollUnderLoad(t, l, "zd-bare", "")
		if failed == 0 {
			t.Errorf("all %d requests succeeded during a rollout without readiness probe or preStop, want losses", ok)
		}
	})
}

// sessionAffinity ClientIP: one client pod reaches the same pod through
// the Service every time, even as more endpoints join; without affinity
// it reaches several.
func TestServiceSessionAffinityClientIP(t *testing.T) {
	l := newLab(t)
	l.apply("sticky.yaml", `
apiVersion: v1
kind: Service
metadata: {name: sticky}
spec:
  selector: {app: sticky}
  sessionAffinity: ClientIP
  ports:
  - {name: http, port: 80, targetPort: http}
---
apiVersion: v1
kind: Service
metadata: {name: plain}
spec:
  selector: {app: sticky}
  ports:
  - {name: http, port: 80, targetPort: http}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: sticky}
spec:
  replicas: 3
  selector: {matchLabels: {app: sticky}}
  template:
    metadata: {labels: {app: sticky}}
    spec:
      containers:
      - name: web
        image: busybox
        command: ["web", "--port", "8080"]
        ports: [{name: http, containerPort: 8080}]
        readinessProbe:
          httpGet: {path: /readyz, port: http}
          periodSeconds: 10
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers:
  - {name: client, image: busybox, command: ["sleep", "3600"]}
`)
	l.waitRolledOut("sticky")
	pods := l.waitSelected("sticky", "running and ready", runningReady(3))
	var ips []string
	for _, p := range pods {
		ips = append(ips, p.Status.PodIP)
	}
	l.waitEndpoints("sticky", ips)
	l.waitEndpoints("plain", ips)
	l.waitRunning("client")

	var svc corev1.Service
	if err := json.Unmarshal([]byte(l.mustRun("get", "service", "sticky", "-o", "json")), &svc); err != nil {
		t.Fatal(err)
	}
	if c := svc.Spec.SessionAffinityConfig; c == nil || c.ClientIP == nil || c.ClientIP.TimeoutSeconds == nil || *c.ClientIP.TimeoutSeconds != 10800 {
		t.Errorf("sessionAffinityConfig %+v, want upstream's default timeout 10800", c)
	}
	if got := l.hostnames("http://plain/hostname", 10); len(got) < 2 {
		t.Errorf("without affinity 10 requests reached only %v", got)
	}
	got := l.hostnames("http://sticky/hostname", 10)
	if len(got) != 1 {
		t.Fatalf("with ClientIP affinity 10 requests reached %v, want one pod", got)
	}
	// More endpoints join: the client keeps its pod.
	l.mustRun("scale", "deployment/sticky", "--replicas=5")
	more := l.waitSelected("sticky", "running and ready", runningReady(5))
	ips = ips[:0]
	for _, p := range more {
		ips = append(ips, p.Status.PodIP)
	}
	l.waitEndpoints("sticky", ips)
	time.Sleep(time.Second) // the proxy's table follows within a second
	if again := l.hostnames("http://sticky/hostname", 10); len(again) != 1 || again[0] != got[0] {
		t.Errorf("after scaling to 5 the client reached %v, want still %s", again, got[0])
	}
}
