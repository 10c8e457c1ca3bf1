package e2e

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// waitGone polls until the pod no longer exists.
func (l *lab) waitGone(name string, timeout time.Duration) {
	l.t.Helper()
	deadline := time.Now().Add(timeout)
	for l.pod(name) != nil {
		if time.Now().After(deadline) {
			l.t.Fatalf("pod %s still exists after %s", name, timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// A NoSchedule taint keeps new pods off the node unless they tolerate it;
// removing it lets the waiting pod in. Pods already there stay. The pods
// ask for node-1 (nodeSelector), so the other nodes each fail them for
// their own reason, counted in the FailedScheduling message.
func TestTaintNoSchedule(t *testing.T) {
	l := newLab(t)
	l.apply("web.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  nodeSelector: {kubernetes.io/hostname: node-1}
  containers:
  - {name: app, image: busybox, command: [sleep, "3600"]}
`)
	l.waitRunning("web")
	mustContain(t, "taint", l.mustRun("taint", "nodes", "node-1", "dedicated=lab:NoSchedule"), "node/node-1 tainted")
	mustContain(t, "describe node", l.mustRun("describe", "node", "node-1"), "Taints:", "dedicated=lab:NoSchedule")
	l.apply("late.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: late}
spec:
  nodeSelector: {kubernetes.io/hostname: node-1}
  containers:
  - {name: app, image: busybox, command: [sleep, "3600"]}
---
apiVersion: v1
kind: Pod
metadata: {name: tolerant}
spec:
  nodeSelector: {kubernetes.io/hostname: node-1}
  tolerations:
  - {key: dedicated, operator: Equal, value: lab, effect: NoSchedule}
  containers:
  - {name: app, image: busybox, command: [sleep, "3600"]}
`)
	if p := l.waitRunning("tolerant"); p.Spec.NodeName != "node-1" {
		t.Fatalf("tolerant runs on %s", p.Spec.NodeName)
	}
	l.waitPod("late", 30*time.Second, "unschedulable", func(p *corev1.Pod) bool {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonUnschedulable {
				return true
			}
		}
		return false
	})
	// Upstream's wording (v1.37): node-1 and the control plane fail the
	// TaintToleration filter, which runs first; node-2 fails NodeAffinity.
	mustContain(t, "events", l.mustRun("get", "events"), "FailedScheduling",
		"0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) had untolerated taint(s).")
	if p := l.pod("web"); p == nil || p.Status.Phase != corev1.PodRunning {
		t.Fatal("a NoSchedule taint disturbed a pod already running")
	}
	if _, errOut, code := l.run("taint", "nodes", "node-1", "dedicated=other:NoSchedule"); code == 0 || !strings.Contains(errOut, "already has dedicated taint(s) with same effect(s) and --overwrite is false") {
		t.Fatalf("re-tainting without --overwrite: %d %q", code, errOut)
	}
	mustContain(t, "untaint", l.mustRun("taint", "nodes", "node-1", "dedicated:NoSchedule-"), "node/node-1 untainted")
	if p := l.waitRunning("late"); p.Spec.NodeName != "node-1" {
		t.Fatalf("late runs on %s", p.Spec.NodeName)
	}
}

// A NoExecute taint evicts pods that do not tolerate it at once, those that
// tolerate it for tolerationSeconds after that time, and leaves those that
// tolerate it for good. A pod on another node is not touched.
func TestTaintNoExecuteEvicts(t *testing.T) {
	l := newLab(t)
	l.apply("pods.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: plain}
spec:
  nodeSelector: {kubernetes.io/hostname: node-1}
  containers:
  - {name: app, image: busybox, command: [sleep, "3600"]}
---
apiVersion: v1
kind: Pod
metadata: {name: brief}
spec:
  nodeSelector: {kubernetes.io/hostname: node-1}
  tolerations:
  - {key: maintenance, operator: Exists, effect: NoExecute, tolerationSeconds: 60}
  containers:
  - {name: app, image: busybox, command: [sleep, "3600"]}
---
apiVersion: v1
kind: Pod
metadata: {name: forever}
spec:
  nodeSelector: {kubernetes.io/hostname: node-1}
  tolerations:
  - {key: maintenance, operator: Exists, effect: NoExecute}
  containers:
  - {name: app, image: busybox, command: [sleep, "3600"]}
---
apiVersion: v1
kind: Pod
metadata: {name: elsewhere}
spec:
  nodeSelector: {kubernetes.io/hostname: node-2}
  containers:
  - {name: app, image: busybox, command: [sleep, "3600"]}
`)
	for _, name := range []string{"plain", "brief", "forever", "elsewhere"} {
		l.waitRunning(name)
	}
	l.mustRun("taint", "nodes", "node-1", "maintenance=true:NoExecute")
	l.waitGone("plain", 30*time.Second)
	// 60 s of toleration is 3 s at the tests' time scale.
	if p := l.pod("brief"); p == nil || p.DeletionTimestamp != nil {
		t.Fatal("the pod tolerating the taint for 60 s was evicted at once")
	}
	l.waitGone("brief", 30*time.Second)
	if p := l.pod("forever"); p == nil || p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning {
		t.Fatal("the pod tolerating the taint for good was evicted")
	}
	if p := l.pod("elsewhere"); p == nil || p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning {
		t.Fatal("a taint on node-1 evicted a pod on node-2")
	}
	mustContain(t, "events", l.mustRun("get", "events"), "TaintManagerEviction", "Marking for deletion Pod default/plain", "Marking for deletion Pod default/brief")
	// One eviction event per pod, as upstream: not one per watch event.
	counts := l.mustRun("get", "events", "-o", `jsonpath={range .items[?(@.reason=="TaintManagerEviction")]}{.involvedObject.name}={.count} {end}`)
	for _, name := range []string{"plain", "brief"} {
		if !strings.Contains(counts, name+"=1 ") {
			t.Errorf("eviction events of %s: %q, want one", name, counts)
		}
	}
}
