package e2e

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// The seeds' liveness exec example (with a shorter healthy window): once
// /tmp/healthy is gone the probe fails three times in a row and the
// container is restarted, with upstream's events.
func TestLivenessExecRestartsContainer(t *testing.T) {
	l := newLab(t)
	l.apply("liveness.yaml", `
apiVersion: v1
kind: Pod
metadata:
  name: liveness-exec
  labels: {test: liveness}
spec:
  containers:
  - name: liveness
    image: busybox
    args: ["/bin/sh", "-c", "touch /tmp/healthy; sleep 2; rm -rf /tmp/healthy; sleep 600"]
    livenessProbe:
      exec:
        command: ["cat", "/tmp/healthy"]
      initialDelaySeconds: 5
      periodSeconds: 5
`)
	p := l.waitPod("liveness-exec", time.Minute, "restarted by its liveness probe", func(p *corev1.Pod) bool {
		cs := containerStatus(p, "liveness")
		return cs != nil && cs.RestartCount >= 1
	})
	last := containerStatus(p, "liveness").LastTerminationState.Terminated
	if last == nil || (last.ExitCode != 137 && last.ExitCode != 143) {
		t.Fatalf("lastState after a liveness kill = %+v, want exit 137 or 143", last)
	}
	events := l.mustRun("get", "events")
	mustContain(t, "events", events, "Unhealthy", "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory",
		"Container liveness failed liveness probe, will be restarted")
	mustContain(t, "describe", l.mustRun("describe", "pod", "liveness-exec"),
		"Liveness:       exec [cat /tmp/healthy] delay=5s timeout=1s period=5s #success=1 #failure=3")
}

// An httpGet liveness probe against a server whose /healthz starts failing
// (podlab's stand-in for agnhost) restarts it; the message names the status code.
func TestLivenessHTTP(t *testing.T) {
	l := newLab(t)
	l.apply("http.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: liveness-http}
spec:
  containers:
  - name: liveness
    image: registry.k8s.io/e2e-test-images/agnhost:2.40
    args: ["liveness", "--fail-after", "1s"]
    ports:
    - {name: http, containerPort: 8080}
    livenessProbe:
      httpGet:
        path: /healthz
        port: http
        httpHeaders:
        - {name: Custom-Header, value: Awesome}
      initialDelaySeconds: 3
      periodSeconds: 3
`)
	l.waitPod("liveness-http", time.Minute, "restarted by its HTTP liveness probe", func(p *corev1.Pod) bool {
		cs := containerStatus(p, "liveness")
		return cs != nil && cs.RestartCount >= 1
	})
	mustContain(t, "events", l.mustRun("get", "events"), "Liveness probe failed: HTTP probe failed with statuscode: 500")
}

// A readiness probe gates Ready: the pod runs 0/1 until the probe passes.
func TestReadinessGatesReady(t *testing.T) {
	l := newLab(t)
	l.apply("ready.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: ready}
spec:
  containers:
  - name: app
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "sleep 3600"]
    readinessProbe:
      exec: {command: ["cat", "/ready"]}
      periodSeconds: 2
`)
	l.waitPod("ready", time.Minute, "Running but not ready", func(p *corev1.Pod) bool {
		cs := containerStatus(p, "app")
		return p.Status.Phase == corev1.PodRunning && cs != nil && cs.State.Running != nil
	})
	time.Sleep(time.Second) // several probe periods at the test's time scale
	p := l.pod("ready")
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && (c.Status != corev1.ConditionFalse || c.Reason != "ContainersNotReady" || c.Message != "containers with unready status: [app]") {
			t.Fatalf("Ready condition = %+v", c)
		}
	}
	mustContain(t, "get pods", l.mustRun("get", "pod", "ready"), "0/1", "Running")
	l.mustRun("exec", "ready", "--", "touch", "/ready")
	l.waitRunning("ready")
	mustContain(t, "events", l.mustRun("get", "events"), "Readiness probe failed: cat: can't open '/ready'")
}

// Until the startup probe succeeds, the liveness probe does not run.
func TestStartupProbeHoldsLivenessOff(t *testing.T) {
	l := newLab(t)
	l.apply("startup.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: slow-start}
spec:
  containers:
  - name: app
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "sleep 3600"]
    startupProbe:
      exec: {command: ["cat", "/started"]}
      periodSeconds: 2
      failureThreshold: 100
    livenessProbe:
      exec: {command: ["cat", "/alive"]}
      periodSeconds: 2
`)
	l.waitPod("slow-start", time.Minute, "running", func(p *corev1.Pod) bool {
		cs := containerStatus(p, "app")
		return cs != nil && cs.State.Running != nil
	})
	time.Sleep(1500 * time.Millisecond)
	events := l.mustRun("get", "events")
	if strings.Contains(events, "Liveness probe failed") {
		t.Fatalf("liveness ran before the startup probe succeeded:\n%s", events)
	}
	mustContain(t, "events", events, "Startup probe failed")
	p := l.pod("slow-start")
	if cs := containerStatus(p, "app"); cs.Started == nil || *cs.Started || cs.Ready {
		t.Fatalf("started=%v ready=%v before the startup probe passed", cs.Started, cs.Ready)
	}
	l.mustRun("exec", "slow-start", "--", "touch", "/started")
	l.waitPod("slow-start", time.Minute, "restarted by liveness once started", func(p *corev1.Pod) bool {
		return containerStatus(p, "app").RestartCount >= 1
	})
	mustContain(t, "events", l.mustRun("get", "events"), "Liveness probe failed")
}
