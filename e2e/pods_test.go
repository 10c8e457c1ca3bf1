package e2e

import (
	"regexp"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// The seeds' shareProcessNamespace example: from the shell container, ps
// shows every process of the pod with the pause process as PID 1.
func TestSharedProcessNamespaceShowsPauseAsPID1(t *testing.T) {
	l := newLab(t)
	l.apply("nginx.yaml", `
apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  shareProcessNamespace: true
  containers:
  - name: nginx
    image: nginx
  - name: shell
    image: busybox
    stdin: true
    tty: true
`)
	l.waitRunning("nginx")
	out := l.mustRun("exec", "nginx", "-c", "shell", "--", "ps")
	pid1 := regexp.MustCompile(`(?m)^\s*1\s+\S+\s+.*\bpause\b`)
	if !pid1.MatchString(out) {
		t.Fatalf("ps in the shell container does not show pause as PID 1:\n%s", out)
	}
	mustContain(t, "ps output", out, "nginx")
}

// Two containers of one pod share the network namespace: one reaches the
// other on 127.0.0.1. The client is the real upstream busybox image.
func TestContainersTalkOverLocalhost(t *testing.T) {
	l := newLab(t)
	l.apply("pair.yaml", `
apiVersion: v1
kind: Pod
metadata:
  name: pair
  labels: {app: pair}
spec:
  containers:
  - name: web
    image: nginx
  - name: client
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "while true; do wget -q -O - http://127.0.0.1:80/ && echo FETCHED; sleep 1; done"]
`)
	l.waitRunning("pair")
	l.waitLogs("pair", "client", "FETCHED")
	wide := l.mustRun("get", "pods", "-o", "wide")
	p := l.pod("pair")
	if p.Status.PodIP == "" {
		t.Fatal("pod has no IP")
	}
	if p.Spec.NodeName != "node-1" && p.Spec.NodeName != "node-2" {
		t.Fatalf("pod runs on %q, want a worker", p.Spec.NodeName)
	}
	mustContain(t, "get pods -o wide", wide, "pair", "2/2", "Running", p.Status.PodIP, p.Spec.NodeName)
}

// An init container fills an emptyDir that the main container reads; the
// main container starts only after the init container completed.
func TestInitContainerFillsEmptyDir(t *testing.T) {
	l := newLab(t)
	l.apply("init.yaml", `
apiVersion: v1
kind: Pod
metadata:
  name: init-demo
spec:
  initContainers:
  - name: fill
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "sleep 1; echo prepared-by-init > /work/index.html"]
    volumeMounts:
    - {name: workdir, mountPath: /work}
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "cat /data/index.html; sleep 3600"]
    volumeMounts:
    - {name: workdir, mountPath: /data}
  volumes:
  - name: workdir
    emptyDir: {}
`)
	p := l.waitRunning("init-demo")
	init := p.Status.InitContainerStatuses
	if len(init) != 1 || init[0].State.Terminated == nil || init[0].State.Terminated.Reason != "Completed" {
		t.Fatalf("init container status: %+v", init)
	}
	main := containerStatus(p, "main")
	if main.State.Running == nil || main.State.Running.StartedAt.Before(&init[0].State.Terminated.FinishedAt) {
		t.Fatalf("main container started before init finished: %+v vs %+v", main.State, init[0].State)
	}
	// Running means started; the first line of output may still be on its way.
	l.waitLogs("init-demo", "main", "prepared-by-init")
}

// A container that keeps failing reaches CrashLoopBackOff, with a growing
// backoff and a rising restart count (timers shrunk by the lab's time scale).
func TestCrashLoopBackOff(t *testing.T) {
	l := newLab(t)
	l.apply("crash.yaml", `
apiVersion: v1
kind: Pod
metadata:
  name: crasher
spec:
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "echo about to fail; exit 1"]
`)
	p := l.waitPod("crasher", 2*time.Minute, "restarted 3 times and in CrashLoopBackOff", func(p *corev1.Pod) bool {
		cs := containerStatus(p, "app")
		return cs != nil && cs.RestartCount >= 3 && cs.State.Waiting != nil && cs.State.Waiting.Reason == "CrashLoopBackOff"
	})
	cs := containerStatus(p, "app")
	if cs.LastTerminationState.Terminated == nil || cs.LastTerminationState.Terminated.ExitCode != 1 || cs.LastTerminationState.Terminated.Reason != "Error" {
		t.Fatalf("lastState = %+v, want terminated exit 1 reason Error", cs.LastTerminationState)
	}
	if p.Status.Phase != corev1.PodRunning {
		t.Fatalf("phase = %s, want Running (restartPolicy Always keeps restarting)", p.Status.Phase)
	}
	get := l.mustRun("get", "pod", "crasher")
	mustContain(t, "get pod", get, "CrashLoopBackOff")
	events := l.mustRun("get", "events")
	mustContain(t, "events", events, "BackOff", "Back-off restarting failed container app in pod crasher_default")
	// The backoff grows: the messages name 10s, then 20s (Kubernetes time).
	desc := l.mustRun("get", "pod", "crasher", "-o", "yaml")
	if !regexp.MustCompile(`back-off (20s|40s|1m20s) restarting failed container=app pod=crasher_default`).MatchString(desc) {
		t.Fatalf("waiting message does not show a grown backoff:\n%s", desc)
	}
	logs := l.mustRun("logs", "crasher", "--previous")
	mustContain(t, "previous logs", logs, "about to fail")
}

// With restartPolicy Never a failing container ends the pod Failed, with
// its exit code kept.
func TestRestartPolicyNeverEndsFailed(t *testing.T) {
	l := newLab(t)
	l.apply("never.yaml", `
apiVersion: v1
kind: Pod
metadata:
  name: once
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "exit 3"]
`)
	p := l.waitPod("once", time.Minute, "Failed", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
	cs := containerStatus(p, "app")
	if cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 3 || cs.State.Terminated.Reason != "Error" || cs.RestartCount != 0 {
		t.Fatalf("container status = %+v, want terminated exit 3 reason Error, no restarts", cs)
	}
	mustContain(t, "get pod", l.mustRun("get", "pod", "once"), "Error")
}
