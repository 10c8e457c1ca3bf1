package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// ConfigMaps, Secrets and the downward API reach containers as variables and files.
func TestConfigMapSecretAndDownwardAPI(t *testing.T) {
	l := newLab(t)
	l.mustRun("create", "configmap", "app-config", "--from-literal=MODE=dev", "--from-literal=greeting.txt=hello from a configmap")
	l.mustRun("create", "secret", "generic", "db", "--from-literal=password=s3cret")
	l.apply("cfg.yaml", `
apiVersion: v1
kind: Pod
metadata:
  name: cfg
  labels: {app: cfg, tier: demo}
spec:
  containers:
  - name: app
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "echo MODE=$MODE PASS=$PASSWORD POD=$POD_NAME NODE=$NODE; cat /etc/config/greeting.txt; echo; cat /etc/podinfo/labels; sleep 3600"]
    env:
    - name: MODE
      valueFrom: {configMapKeyRef: {name: app-config, key: MODE}}
    - name: PASSWORD
      valueFrom: {secretKeyRef: {name: db, key: password}}
    - name: POD_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    - name: NODE
      valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
    volumeMounts:
    - {name: config, mountPath: /etc/config}
    - {name: podinfo, mountPath: /etc/podinfo}
  volumes:
  - name: config
    configMap: {name: app-config}
  - name: podinfo
    downwardAPI:
      items:
      - path: labels
        fieldRef: {fieldPath: metadata.labels}
`)
	node := l.waitRunning("cfg").Spec.NodeName
	otherWorker(t, node) // a worker's
	var logs string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		logs, _, _ = l.run("logs", "cfg")
		if strings.Contains(logs, "tier=") {
			break
		}
	}
	mustContain(t, "logs", logs, "MODE=dev PASS=s3cret POD=cfg NODE="+node, "hello from a configmap", `app="cfg"`, `tier="demo"`)
	// Mounted ConfigMaps are read-only, as on a real node.
	_, errOut, code := l.run("exec", "cfg", "--", "touch", "/etc/config/new")
	if code == 0 {
		t.Fatalf("writing into a configMap volume succeeded; stderr %q", errOut)
	}
}

// A missing ConfigMap holds the container in CreateContainerConfigError until it exists.
func TestMissingConfigMapThenCreated(t *testing.T) {
	l := newLab(t)
	l.apply("wait.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: waits}
spec:
  containers:
  - name: app
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "echo $COLOR; sleep 3600"]
    env:
    - name: COLOR
      valueFrom: {configMapKeyRef: {name: colors, key: favourite}}
`)
	l.waitPod("waits", time.Minute, "CreateContainerConfigError", func(p *corev1.Pod) bool {
		cs := containerStatus(p, "app")
		return cs != nil && cs.State.Waiting != nil && cs.State.Waiting.Reason == "CreateContainerConfigError" &&
			cs.State.Waiting.Message == `configmap "colors" not found`
	})
	mustContain(t, "get pods", l.mustRun("get", "pods"), "CreateContainerConfigError")
	l.mustRun("create", "configmap", "colors", "--from-literal=favourite=green")
	l.waitRunning("waits")
}

// An image no registry serves (and podlab has no stand-in for) ends in
// ErrImagePull then ImagePullBackOff; with pull policy Never, ErrImageNeverPull.
func TestImagePullFailures(t *testing.T) {
	l := newLab(t)
	l.apply("pull.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: nopull}
spec:
  containers:
  - name: app
    image: registry.invalid/podlab/nothing:1.0
---
apiVersion: v1
kind: Pod
metadata: {name: never}
spec:
  containers:
  - name: app
    image: registry.invalid/podlab/nothing:1.0
    imagePullPolicy: Never
`)
	seen := map[string]bool{}
	l.waitPod("nopull", time.Minute, "ErrImagePull then ImagePullBackOff", func(p *corev1.Pod) bool {
		if cs := containerStatus(p, "app"); cs != nil && cs.State.Waiting != nil {
			seen[cs.State.Waiting.Reason] = true
		}
		return seen["ImagePullBackOff"]
	})
	l.waitPod("never", time.Minute, "ErrImageNeverPull", func(p *corev1.Pod) bool {
		cs := containerStatus(p, "app")
		return cs != nil && cs.State.Waiting != nil && cs.State.Waiting.Reason == "ErrImageNeverPull"
	})
	events := l.mustRun("get", "events")
	mustContain(t, "events", events, `Failed to pull image "registry.invalid/podlab/nothing:1.0"`, `Back-off pulling image "registry.invalid/podlab/nothing:1.0"`,
		`Container image "registry.invalid/podlab/nothing:1.0" is not present with pull policy of Never`)
}

// A memory limit is a real cgroup limit: exceeding it ends in OOMKilled.
func TestOOMKilled(t *testing.T) {
	l := newLab(t)
	l.apply("oom.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "tail /dev/zero"]
    resources:
      limits: {memory: 24Mi}
`)
	p := l.waitPod("hog", time.Minute, "Failed with OOMKilled", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
	cs := containerStatus(p, "app")
	if cs.State.Terminated == nil || cs.State.Terminated.Reason != "OOMKilled" || cs.State.Terminated.ExitCode != 137 {
		t.Fatalf("state = %+v, want terminated OOMKilled 137", cs.State)
	}
	mustContain(t, "get pods", l.mustRun("get", "pod", "hog"), "OOMKilled")
}

// A `docker kill` from outside is noticed at once and the container restarts.
func TestContainerKilledOutsideIsRestarted(t *testing.T) {
	l := newLab(t)
	l.apply("sleeper.yaml", sleeperPod)
	p := l.waitRunning("sleeper")
	id := strings.TrimPrefix(containerStatus(p, "app").ContainerID, "docker://")
	if err := l.docker.ContainerKill(context.Background(), id, "SIGKILL"); err != nil {
		t.Fatal(err)
	}
	p = l.waitPod("sleeper", 30*time.Second, "restarted once", func(p *corev1.Pod) bool {
		cs := containerStatus(p, "app")
		return cs.RestartCount == 1 && cs.State.Running != nil
	})
	last := containerStatus(p, "app").LastTerminationState.Terminated
	if last == nil || last.ExitCode != 137 {
		t.Fatalf("lastState = %+v, want exit 137", last)
	}
	info, err := l.docker.ContainerInspect(context.Background(), strings.TrimPrefix(containerStatus(p, "app").ContainerID, "docker://"))
	if err != nil || !info.State.Running {
		t.Fatalf("new container not running: %v", err)
	}
}

// hostPath volumes live on the virtual node's own disk; the message written
// there survives the pod and is read with `podlab node cat` on that node,
// and on no other.
func TestHostPathOnTheNodeDisk(t *testing.T) {
	l := newLab(t)
	l.apply("host.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: writer}
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "echo written by the pod > /host/tmp/message"]
    volumeMounts:
    - {name: node-root, mountPath: /host/tmp}
  volumes:
  - name: node-root
    hostPath: {path: /tmp}
`)
	node := l.waitPod("writer", time.Minute, "Succeeded", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodSucceeded }).Spec.NodeName
	l.mustRun("delete", "pod", "writer")
	msg := l.mustRun("node", "cat", node, "/tmp/message")
	if msg != "written by the pod\n" {
		t.Fatalf("node cat %s = %q", node, msg)
	}
	if out, errOut, code := l.run("node", "cat", otherWorker(t, node), "/tmp/message"); code == 0 || !strings.Contains(errOut, "no such file") {
		t.Fatalf("the message is on the other node's disk too: %q %q", out, errOut)
	}
}

// Privileged containers need the lab's explicit opt-in.
func TestPrivilegedRefusedWithoutOptIn(t *testing.T) {
	l := newLab(t)
	path := t.TempDir() + "/priv.yaml"
	writeFile(t, path, `
apiVersion: v1
kind: Pod
metadata: {name: priv}
spec:
  containers:
  - name: app
    image: busybox:1.35
    securityContext: {privileged: true}
`)
	_, errOut, code := l.run("apply", "-f", path)
	if code == 0 || !strings.Contains(errOut, "Error from server (Forbidden)") || !strings.Contains(errOut, "--allow-privileged") {
		t.Fatalf("privileged pod: exit %d, %q", code, errOut)
	}
}
