package e2e

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// The seeds' postStart example: the message file exists as soon as the
// container is reported running.
func TestPostStartWritesMessage(t *testing.T) {
	l := newLab(t)
	l.apply("poststart.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: lifecycle-demo}
spec:
  containers:
  - name: lifecycle-demo-container
    image: nginx
    lifecycle:
      postStart:
        exec:
          command: ["/bin/sh", "-c", "echo Hello from the postStart handler > /usr/share/message"]
      preStop:
        exec:
          command: ["/usr/sbin/nginx", "-s", "quit"]
`)
	l.waitRunning("lifecycle-demo")
	if out := l.mustRun("exec", "lifecycle-demo", "--", "cat", "/usr/share/message"); out != "Hello from the postStart handler\n" {
		t.Fatalf("message = %q", out)
	}
}

// A failing postStart hook kills the container, and the restart policy applies.
func TestFailingPostStartKillsContainer(t *testing.T) {
	l := newLab(t)
	l.apply("badhook.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: bad-hook}
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "sleep 3600"]
    lifecycle:
      postStart:
        exec: {command: ["sh", "-c", "exit 3"]}
`)
	l.waitPod("bad-hook", time.Minute, "Failed", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
	// As upstream, the event keeps the hook's output out (it may hold
	// secrets); the kubelet's log has it.
	mustContain(t, "events", l.mustRun("get", "events"), "FailedPostStartHook", "PostStartHook failed")
	mustContain(t, "server.log", l.serverLog(), "exited with 3")
}

// The seeds' preStop example: the hook writes to a hostPath before the
// container stops; after the delete the message is on the node's disk.
func TestPreStopRunsBeforeTheContainerStops(t *testing.T) {
	l := newLab(t)
	l.apply("prestop.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: hook-demo3}
spec:
  volumes:
  - name: message
    hostPath:
      path: /tmp
  containers:
  - name: hook-demo2
    image: nginx
    ports:
    - containerPort: 80
    volumeMounts:
    - name: message
      mountPath: /usr/share/
    lifecycle:
      preStop:
        exec:
          command: ['/bin/sh', '-c', 'echo Hello from the preStop Handler > /usr/share/message']
`)
	node := l.waitRunning("hook-demo3").Spec.NodeName
	l.mustRun("delete", "pod", "hook-demo3")
	if msg := l.mustRun("node", "cat", node, "/tmp/message"); msg != "Hello from the preStop Handler\n" {
		t.Fatalf("%s's /tmp/message = %q", node, msg)
	}
}
