package e2e

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// tcpSocket probes: a port nobody listens on fails liveness; the nginx
// stand-in's port 80 passes readiness.
func TestTCPProbes(t *testing.T) {
	l := newLab(t)
	l.apply("tcp.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: tcp}
spec:
  containers:
  - name: web
    image: nginx
    readinessProbe:
      tcpSocket: {port: 80}
      periodSeconds: 2
  - name: deaf
    image: busybox
    command: ["sh", "-c", "sleep 3600"]
    livenessProbe:
      tcpSocket: {port: 9999}
      periodSeconds: 2
`)
	l.waitPod("tcp", time.Minute, "deaf restarted and web ready", func(p *corev1.Pod) bool {
		web, deaf := containerStatus(p, "web"), containerStatus(p, "deaf")
		return web != nil && deaf != nil && web.Ready && deaf.RestartCount >= 1
	})
	mustContain(t, "events", l.mustRun("get", "events"), "Liveness probe failed: dial tcp", ":9999: connect: connection refused")
}

// An exec probe that outlives its timeout fails with upstream's message;
// the probe's own terminationGracePeriodSeconds replaces the pod's long one.
func TestExecProbeTimeoutAndProbeLevelGrace(t *testing.T) {
	l := newLab(t)
	l.apply("timeout.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: slowprobe}
spec:
  terminationGracePeriodSeconds: 3600
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "sleep 3600"]
    livenessProbe:
      exec: {command: ["sleep", "3"]}
      timeoutSeconds: 1
      periodSeconds: 2
      failureThreshold: 1
      terminationGracePeriodSeconds: 1
`)
	// With the pod's grace (3600 s, 180 s at the test's time scale) the shell,
	// which ignores SIGTERM as PID 1, would hold the restart for minutes.
	l.waitPod("slowprobe", 45*time.Second, "restarted within the probe's grace", func(p *corev1.Pod) bool {
		cs := containerStatus(p, "app")
		return cs != nil && cs.RestartCount >= 1
	})
	mustContain(t, "events", l.mustRun("get", "events"), `Liveness probe failed: command "sleep 3" timed out`)
}

// A readiness probe with an initial delay: not ready before it, ready after.
func TestReadinessInitialDelay(t *testing.T) {
	l := newLab(t)
	l.apply("delayed.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: delayed}
spec:
  containers:
  - name: app
    image: registry.k8s.io/e2e-test-images/agnhost:2.40
    args: ["netexec", "--http-port=8080"]
    readinessProbe:
      httpGet: {path: /healthz, port: 8080}
      initialDelaySeconds: 40
      periodSeconds: 2
`)
	start := time.Now()
	l.waitPod("delayed", time.Minute, "running", func(p *corev1.Pod) bool {
		cs := containerStatus(p, "app")
		return cs != nil && cs.State.Running != nil
	})
	if p := l.pod("delayed"); containerStatus(p, "app").Ready && time.Since(start) < 1500*time.Millisecond {
		t.Fatal("ready before the initial delay (2 s at the test's time scale)")
	}
	l.waitRunning("delayed")
}

// postStart httpGet hooks: one that answers passes, one that cannot connect
// fails the container (FailedPostStartHook).
func TestPostStartHTTPHooks(t *testing.T) {
	l := newLab(t)
	l.apply("httphooks.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: hook-ok}
spec:
  containers:
  - name: web
    image: registry.k8s.io/e2e-test-images/agnhost:2.40
    args: ["netexec", "--http-port=8080"]
    lifecycle:
      postStart:
        httpGet: {path: "/echo?msg=started", port: 8080}
      preStop:
        httpGet: {path: "/echo?msg=stopping", port: 8080}
---
apiVersion: v1
kind: Pod
metadata: {name: hook-bad}
spec:
  restartPolicy: Never
  containers:
  - name: web
    image: registry.k8s.io/e2e-test-images/agnhost:2.40
    args: ["netexec", "--http-port=8080"]
    lifecycle:
      postStart:
        httpGet: {path: /, port: 9999}
`)
	l.waitRunning("hook-ok")
	// The killed container is not restarted (Never); its own exit code decides the phase.
	p := l.waitPod("hook-bad", time.Minute, "finished", func(p *corev1.Pod) bool {
		return p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded
	})
	if cs := containerStatus(p, "web"); cs.State.Terminated == nil || cs.RestartCount != 0 {
		t.Fatalf("container after a failed postStart hook: %+v", cs)
	}
	mustContain(t, "events", l.mustRun("get", "events"), "FailedPostStartHook", "PostStartHook failed")
	mustContain(t, "server.log", l.serverLog(), "HTTP lifecycle hook (/) for Container \"web\"")
	l.mustRun("delete", "pod", "hook-ok")
}

// An httpGet preStop hook that gets an error status still succeeds (the
// kubelet ignores a hook's status code) and announces itself as
// kube-lifecycle, not kube-probe.
func TestHTTPPreStopHookIgnoresTheStatusCode(t *testing.T) {
	l := newLab(t)
	l.apply("prestop404.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: ps-http}
spec:
  containers:
  - name: web
    image: registry.k8s.io/e2e-test-images/agnhost:2.40
    args: ["netexec", "--http-port=8080"]
    ports: [{name: http, containerPort: 8080}]
    lifecycle:
      preStop:
        httpGet: {path: /no-such-page, port: http}
`)
	l.waitRunning("ps-http")
	// Follow the server's request log through the delete: the container goes with the pod.
	follow := exec.Command(l.bin, "logs", "-f", "ps-http")
	follow.Env = l.env()
	var logs bytes.Buffer
	follow.Stdout = &logs
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	l.mustRun("delete", "pod", "ps-http")
	done := make(chan error, 1)
	go func() { done <- follow.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		follow.Process.Kill()
		<-done
	}
	events := l.mustRun("get", "events")
	if strings.Contains(events, "FailedPreStopHook") {
		t.Fatalf("a hook answered with 404 counted as failed:\n%s", events)
	}
	mustContain(t, "the web server's request log", logs.String(), "/no-such-page", "kube-lifecycle/")
}

// A failing init container with restartPolicy Never fails the pod; app
// containers never start.
func TestInitContainerFailureNever(t *testing.T) {
	l := newLab(t)
	l.apply("initfail.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: initfail}
spec:
  restartPolicy: Never
  initContainers:
  - name: check
    image: busybox
    command: ["sh", "-c", "echo dependency missing; exit 1"]
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "echo should never run"]
`)
	p := l.waitPod("initfail", time.Minute, "Failed", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
	if cs := containerStatus(p, "app"); cs == nil || cs.State.Waiting == nil || cs.RestartCount != 0 {
		t.Fatalf("app container ran: %+v", cs)
	}
	mustContain(t, "get pods", l.mustRun("get", "pod", "initfail"), "Init:Error")
}
