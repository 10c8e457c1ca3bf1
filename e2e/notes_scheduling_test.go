package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// The scheduling examples of the study notes the curriculum follows
// (影响 Pod 调度的属性 … 污点容忍: pod affinity and anti-affinity, node
// affinity, nodeName and nodeSelector, taints and tolerations), applied as
// the notes print them and checked for the outcome the notes describe. The
// manifests are the notes' own, changed only where the lab must differ:
// node names (k8snode → node-1, k8snode2 → node-2) and images (tomcat is
// not available offline: nginx; nginx and busybox run as podlab's
// stand-ins). Where the notes themselves are inconsistent, the comment at
// the step says what was read and why.
//
// What e2e/scheduling_test.go already pins is not repeated here: the
// eviction timings of NoExecute (tolerationSeconds, one eviction event per
// pod: TestTaintNoExecuteEvicts) and re-tainting without --overwrite
// (TestTaintNoSchedule); pods spreading over both workers of an untainted
// lab is podsLandOnWorkersNeverTheControlPlane's (e2e/nodes_test.go).

// The FailedScheduling messages, as kube-scheduler v1.37 words them
// (FitError.Error() with DefaultPreemption's PostFilter part): the
// control plane fails TaintToleration (UnschedulableAndUnresolvable, so
// preemption cannot help it, and v1.37 names no taint); the workers fail
// for the pod's own reason. Anti-affinity is Unschedulable — evicting the
// pod it repels could help — but every pod of the lab has priority 0, so
// preemption finds no victims there. Node affinity is unresolvable.
const (
	notesAntiAffinityMessage = "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't match pod anti-affinity rules. " +
		"preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
	notesNodeAffinityMessage = "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't match Pod's node affinity/selector. " +
		"preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
)

// notesFile writes a manifest as the notes' `vim FILE` does and returns
// its path, for `apply -f` and `delete -f`.
func notesFile(t *testing.T, name, manifest string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// notesEvents are the events about this very pod (by UID: the events of
// an earlier pod of the same name outlive it, as upstream's do).
func (l *lab) notesEvents(p *corev1.Pod) []corev1.Event {
	l.t.Helper()
	var list corev1.EventList
	out := l.mustRun("get", "events", "-o", "json")
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		l.t.Fatalf("decoding events: %v\n%s", err, out)
	}
	var evs []corev1.Event
	for _, e := range list.Items {
		if e.InvolvedObject.UID == p.UID {
			evs = append(evs, e)
		}
	}
	return evs
}

// notesEvent is the pod's event with this reason, nil if none.
func (l *lab) notesEvent(p *corev1.Pod, reason string) *corev1.Event {
	l.t.Helper()
	for _, e := range l.notesEvents(p) {
		if e.Reason == reason {
			return &e
		}
	}
	return nil
}

func notesScheduledCondition(p *corev1.Pod) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodScheduled {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// notesWaitUnschedulable waits for the scheduler to give up on the pod
// and checks it the way `kubectl describe` shows it: Pending on no node,
// PodScheduled=False reason Unschedulable, and a FailedScheduling event
// from default-scheduler, both with message.
func (l *lab) notesWaitUnschedulable(name, message string) *corev1.Pod {
	l.t.Helper()
	p := l.waitPod(name, 30*time.Second, "unschedulable", func(p *corev1.Pod) bool {
		c := notesScheduledCondition(p)
		return c != nil && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable
	})
	if p.Status.Phase != corev1.PodPending || p.Spec.NodeName != "" {
		l.t.Errorf("pod %s: phase %s on node %q, want Pending on none", name, p.Status.Phase, p.Spec.NodeName)
	}
	if c := notesScheduledCondition(p); c.Message != message {
		l.t.Errorf("pod %s: PodScheduled message\n%q, want\n%q", name, c.Message, message)
	}
	var ev *corev1.Event
	for deadline := time.Now().Add(10 * time.Second); ev == nil && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		ev = l.notesEvent(p, "FailedScheduling")
	}
	switch {
	case ev == nil:
		l.t.Errorf("pod %s: no FailedScheduling event", name)
	case ev.Type != corev1.EventTypeWarning || ev.Source.Component != "default-scheduler" || ev.Message != message:
		l.t.Errorf("pod %s: FailedScheduling event %s from %q:\n%q, want a Warning from default-scheduler:\n%q", name, ev.Type, ev.Source.Component, ev.Message, message)
	}
	return p
}

// Where a pod goes by labels: pod affinity and anti-affinity (Pod 节点亲和性 /
// 反亲和性), node affinity, nodeName and nodeSelector (Node 节点亲和性, Node
// 节点选择器). One lab, in the notes' order; each step removes the labels
// it added.
func TestNotesPlacement(t *testing.T) {
	l := newLab(t)
	t.Run("pod-affinity-hostname", func(t *testing.T) { notesPodAffinity(t, l.in(t)) })
	t.Run("pod-anti-affinity-hostname", func(t *testing.T) { notesPodAntiAffinity(t, l.in(t)) })
	t.Run("pod-anti-affinity-zone", func(t *testing.T) { notesPodAntiAffinityZone(t, l.in(t)) })
	t.Run("node-affinity", func(t *testing.T) { notesNodeAffinity(t, l.in(t)) })
	t.Run("node-name", func(t *testing.T) { notesNodeName(t, l.in(t)) })
	t.Run("node-selector", func(t *testing.T) { notesNodeSelector(t, l.in(t)) })
}

// pod-required-affinity-demo.yaml: pod-first lands on some worker, and
// pod-second, which requires a pod labelled app2=Gardenia2 on the same
// kubernetes.io/hostname, follows it there.
func notesPodAffinity(t *testing.T, l *lab) {
	file := notesFile(t, "pod-required-affinity-demo.yaml", `apiVersion: v1
kind: Pod
metadata:
  name: pod-first
  labels:
    app2: Gardenia2
    tier: frontend
spec:
    containers:
    - name: myapp
      image: nginx
---
apiVersion: v1
kind: Pod
metadata:
  name: pod-second
  labels:
    app: backend
    tier: db
spec:
    containers:
    - name: busybox
      image: busybox:latest
      imagePullPolicy: IfNotPresent
      command: ["sh","-c","sleep 3600"]
    affinity:
      podAffinity:
         requiredDuringSchedulingIgnoredDuringExecution:
         - labelSelector:
              matchExpressions:
              - {key: app2, operator: In, values: ["Gardenia2"]}
           topologyKey: kubernetes.io/hostname
`)
	mustContain(t, "apply", l.mustRun("apply", "-f", file), "pod/pod-first created", "pod/pod-second created")
	first, second := l.waitRunning("pod-first"), l.waitRunning("pod-second")
	otherWorker(t, first.Spec.NodeName)
	if second.Spec.NodeName != first.Spec.NodeName {
		t.Errorf("pod-second runs on %s, pod-first on %s: want them together", second.Spec.NodeName, first.Spec.NodeName)
	}
	if wide := parseTable(t, l.mustRun("get", "pods", "-o", "wide")); wide.row("pod-second")["NODE"] != first.Spec.NodeName {
		t.Errorf("get pods -o wide: pod-second on %q, want %s", wide.row("pod-second")["NODE"], first.Spec.NodeName)
	}
	l.mustRun("delete", "-f", file)
	l.waitGone("pod-first", 30*time.Second)
	l.waitGone("pod-second", 30*time.Second)
}

// pod-required-anti-affinity-demo.yaml: pod-second refuses the node of
// any pod labelled app1=Gardenia1, so it runs on the other worker.
func notesPodAntiAffinity(t *testing.T, l *lab) {
	file := notesFile(t, "pod-required-anti-affinity-demo.yaml", `apiVersion: v1
kind: Pod
metadata:
  name: pod-first
  labels:
    app1: Gardenia1
    tier: frontend
spec:
    containers:
    - name: myapp
      image: nginx
---
apiVersion: v1
kind: Pod
metadata:
  name: pod-second
  labels:
    app: backend
    tier: db
spec:
    containers:
    - name: busybox
      image: busybox
      imagePullPolicy: IfNotPresent
      command: ["sh","-c","sleep 3600"]
    affinity:
      podAntiAffinity:
         requiredDuringSchedulingIgnoredDuringExecution:
         - labelSelector:
              matchExpressions:
              - {key: app1, operator: In, values: ["Gardenia1"]}
           topologyKey: kubernetes.io/hostname
`)
	l.mustRun("apply", "-f", file)
	first, second := l.waitRunning("pod-first"), l.waitRunning("pod-second")
	if want := otherWorker(t, first.Spec.NodeName); second.Spec.NodeName != want {
		t.Errorf("pod-second runs on %s, pod-first on %s: want pod-second on %s", second.Spec.NodeName, first.Spec.NodeName, want)
	}
	l.mustRun("delete", "-f", file)
	l.waitGone("pod-first", 30*time.Second)
	l.waitGone("pod-second", 30*time.Second)
}

// Both workers labelled zone=foo are one place: pod-second, which refuses
// the zone of pod-first, has nowhere to go and stays Pending; with the
// rule preferred instead of required it runs. The notes print
// pod-second-required-anti-affinity-demo-1.yaml with podAffinity, but
// their file name, their heading and the outcome they describe (Pending,
// "因为要求的是反亲和性") are anti-affinity's: podAntiAffinity is read.
func notesPodAntiAffinityZone(t *testing.T, l *lab) {
	for _, n := range workers {
		if out := l.mustRun("label", "nodes", n, "zone=foo", "--overwrite"); out != "node/"+n+" labeled\n" {
			t.Errorf("label nodes %s zone=foo: %q", n, out)
		}
	}
	defer l.mustRun("label", "nodes", "node-1", "node-2", "zone-")
	if got := l.mustRun("get", "nodes", "-l", "zone=foo", "-o", "name"); got != "node/node-1\nnode/node-2\n" {
		t.Fatalf("nodes with zone=foo: %q", got)
	}
	first := notesFile(t, "pod-first-required-anti-affinity-demo-1.yaml", `apiVersion: v1
kind: Pod
metadata:
  name: pod-first
  labels:
    app3: Gardenia3
    tier: frontend
spec:
    containers:
    - name: myapp
      image: nginx
`)
	secondHead := `apiVersion: v1
kind: Pod
metadata:
  name: pod-second
  labels:
    app: backend
    tier: db
spec:
    containers:
    - name: busybox
      image: busybox
      imagePullPolicy: IfNotPresent
      command: ["sh","-c","sleep 3600"]
    affinity:
      podAntiAffinity:
`
	second := notesFile(t, "pod-second-required-anti-affinity-demo-1.yaml", secondHead+`         requiredDuringSchedulingIgnoredDuringExecution:
         - labelSelector:
              matchExpressions:
              - {key: app3, operator: In, values: ["Gardenia3"]}
           topologyKey: zone
`)
	l.mustRun("apply", "-f", first)
	l.waitRunning("pod-first")
	l.mustRun("apply", "-f", second)
	l.notesWaitUnschedulable("pod-second", notesAntiAffinityMessage)
	if row := parseTable(t, l.mustRun("get", "pods", "-o", "wide")).row("pod-second"); row["STATUS"] != "Pending" || row["NODE"] != "<none>" {
		t.Errorf("get pods -o wide: pod-second %v, want Pending on <none>", row)
	}

	// "把 required 改成 preferred": the word alone does not make a valid
	// manifest — a preferred term is a weight and a podAffinityTerm — and
	// the lab says so, as the API server's strict field validation does.
	renamed := notesFile(t, "renamed.yaml", strings.Replace(secondHead, "name: pod-second", "name: pod-renamed", 1)+`         preferredDuringSchedulingIgnoredDuringExecution:
         - labelSelector:
              matchExpressions:
              - {key: app3, operator: In, values: ["Gardenia3"]}
           topologyKey: zone
`)
	if _, errOut, code := l.run("apply", "-f", renamed); code == 0 || !strings.Contains(errOut, `unknown field "labelSelector"`) || !strings.Contains(errOut, `unknown field "topologyKey"`) {
		t.Errorf("a required term renamed preferred: exit %d\n%s", code, errOut)
	}
	preferred := notesFile(t, "pod-second-preferred-anti-affinity-demo-1.yaml", secondHead+`         preferredDuringSchedulingIgnoredDuringExecution:
         - weight: 100
           podAffinityTerm:
             labelSelector:
                matchExpressions:
                - {key: app3, operator: In, values: ["Gardenia3"]}
             topologyKey: zone
`)
	l.mustRun("delete", "-f", second)
	l.waitGone("pod-second", 30*time.Second)
	l.mustRun("apply", "-f", preferred)
	p := l.waitRunning("pod-second")
	otherWorker(t, p.Spec.NodeName)
	if ev := l.notesEvent(p, "Scheduled"); ev == nil || ev.Message != "Successfully assigned default/pod-second to "+p.Spec.NodeName {
		t.Errorf("pod-second's Scheduled event: %+v", ev)
	}
}

// Required node affinity zone In [foo, bar] waits Pending until a node has
// the label (`kubectl label nodes k8snode zone=foo`), then runs there;
// preferred affinity for a label no node has (zone1, weight 60) runs
// anyway.
func notesNodeAffinity(t *testing.T, l *lab) {
	l.apply("pod-nodeaffinity-demo.yaml", `apiVersion: v1
kind: Pod
metadata:
        name: pod-node-affinity-demo
        namespace: default
        labels:
            app: myapp
            tier: frontend
spec:
    containers:
    - name: myapp
      image: nginx
    affinity:
         nodeAffinity:
            requiredDuringSchedulingIgnoredDuringExecution:
                   nodeSelectorTerms:
                   - matchExpressions:
                     - key: zone
                       operator: In
                       values:
                       - foo
                       - bar
`)
	l.notesWaitUnschedulable("pod-node-affinity-demo", notesNodeAffinityMessage)
	if row := parseTable(t, l.mustRun("get", "pods", "-o", "wide")).row("pod-node-affinity-demo"); row["STATUS"] != "Pending" || row["IP"] != "<none>" || row["NODE"] != "<none>" {
		t.Errorf("get pods -o wide: %v, want Pending with <none> IP and node", row)
	}
	mustContain(t, "label", l.mustRun("label", "nodes", "node-1", "zone=foo"), "node/node-1 labeled")
	defer l.mustRun("label", "nodes", "node-1", "zone-")
	if p := l.waitRunning("pod-node-affinity-demo"); p.Spec.NodeName != "node-1" {
		t.Errorf("pod-node-affinity-demo runs on %s, want node-1 (zone=foo)", p.Spec.NodeName)
	}

	l.apply("pod-nodeaffinity-demo-2.yaml", `apiVersion: v1
kind: Pod
metadata:
        name: pod-node-affinity-demo-2
        namespace: default
        labels:
            app: myapp
            tier: frontend
spec:
    containers:
    - name: myapp
      image: nginx
    affinity:
        nodeAffinity:
            preferredDuringSchedulingIgnoredDuringExecution:
            - preference:
               matchExpressions:
               - key: zone1
                 operator: In
                 values:
                 - foo1
                 - bar1
              weight: 60
`)
	if got := l.mustRun("get", "nodes", "-l", "zone1 in (foo1,bar1)", "-o", "name"); got != "" {
		t.Fatalf("a node matches the preference: %q", got)
	}
	p := l.waitRunning("pod-node-affinity-demo-2")
	otherWorker(t, p.Spec.NodeName)
}

// nodeName: node-1 binds the pod itself — the scheduler never sees it, so
// there is no Scheduled event — and node-1's kubelet runs both containers.
func notesNodeName(t *testing.T, l *lab) {
	l.apply("pod-node.yaml", `apiVersion: v1 
kind: Pod 
metadata: 
  name: demo-pod
  namespace: default 
  labels: 
    app: myapp 
    env: dev 
spec: 
  nodeName: node-1
  containers: 
  - name: tomcat-pod-java 
    ports: 
    - containerPort: 8080 
    image: nginx
    imagePullPolicy: IfNotPresent 
  - name: busybox 
    image: busybox:latest 
    command: 
    - "/bin/sh" 
    - "-c" 
    - "sleep 3600" 
`)
	p := l.waitRunning("demo-pod")
	if p.Spec.NodeName != "node-1" || len(p.Status.ContainerStatuses) != 2 {
		t.Errorf("demo-pod on %s with %d containers, want node-1 and 2", p.Spec.NodeName, len(p.Status.ContainerStatuses))
	}
	if row := parseTable(t, l.mustRun("get", "pods", "-o", "wide")).row("demo-pod"); row["READY"] != "2/2" || row["NODE"] != "node-1" {
		t.Errorf("get pods -o wide: %v", row)
	}
	// The kubelet's events are there (so events are recorded), and none
	// is the scheduler's.
	var evs []corev1.Event
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if evs = l.notesEvents(p); len(evs) > 0 && l.notesEvent(p, "Started") != nil {
			break
		}
	}
	if l.notesEvent(p, "Started") == nil {
		t.Errorf("demo-pod has no Started event: %+v", evs)
	}
	for _, e := range evs {
		if e.Reason == "Scheduled" || e.Source.Component == "default-scheduler" {
			t.Errorf("a pod with nodeName has a scheduler's event: %s %s %q", e.Source.Component, e.Reason, e.Message)
		}
	}
}

// nodeSelector disk: ceph waits Pending while no node has the label; once
// a node has it, the scheduler puts the pod there.
func notesNodeSelector(t *testing.T, l *lab) {
	l.apply("pod-1.yaml", `apiVersion: v1 
kind: Pod 
metadata: 
  name: demo-pod-1 
  namespace: default 
  labels: 
    app: myapp 
    env: dev 
spec: 
  nodeSelector:
    disk: ceph
  containers: 
  - name: tomcat-pod-java 
    ports: 
    - containerPort: 8080 
    image: nginx
    imagePullPolicy: IfNotPresent 
`)
	l.notesWaitUnschedulable("demo-pod-1", notesNodeAffinityMessage)
	mustContain(t, "label", l.mustRun("label", "nodes", "node-2", "disk=ceph"), "node/node-2 labeled")
	defer l.mustRun("label", "nodes", "node-2", "disk-")
	p := l.waitRunning("demo-pod-1")
	if p.Spec.NodeName != "node-2" {
		t.Errorf("demo-pod-1 runs on %s, want node-2 (disk=ceph)", p.Spec.NodeName)
	}
	if ev := l.notesEvent(p, "Scheduled"); ev == nil || ev.Source.Component != "default-scheduler" || ev.Message != "Successfully assigned default/demo-pod-1 to node-2" {
		t.Errorf("demo-pod-1's Scheduled event: %+v", ev)
	}
}

// Taints and tolerations (污点 & 污点容忍), one lab.
func TestNotesTaints(t *testing.T) {
	l := newLab(t)
	t.Run("taints-and-tolerations", func(t *testing.T) { notesTaintsAndTolerations(t, l.in(t)) })
	t.Run("five-pods-on-node-2", func(t *testing.T) { notesFivePodsOnNode2(t, l.in(t)) })
}

// notesFeasible is the scheduler's verdict on each node for a pod, from
// `podlab explain-schedule`: "feasible" or the plugin that rejected it.
func (l *lab) notesFeasible(pod string) map[string]string {
	l.t.Helper()
	out := l.mustRun("explain-schedule", pod)
	verdicts := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		node := f[0]
		if node != "control-plane" && node != "node-1" && node != "node-2" {
			continue
		}
		rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(line, node)), "*"))
		switch {
		case strings.HasPrefix(rest, "feasible"):
			verdicts[node] = "feasible"
		case strings.HasPrefix(rest, "rejected by "):
			verdicts[node] = strings.Fields(rest)[2]
		}
	}
	return verdicts
}

// The notes' walk through taints: node-2 kept for production
// (NoSchedule) gets no untolerating pod; a NoExecute taint on node-1
// evicts what runs there; a toleration for production (Equal, then
// Exists) lets a pod onto node-2; Exists with no effect tolerates both
// taints; `key:Effect-` and `key-` remove them.
//
// The notes taint node-2 with key "nodetype" but write every toleration and
// the removal (`taint nodes … node-type-`) for key "node-type", and
// describe each toleration as matching node-2's taint: the key is read as
// node-type throughout, as their later commands have it.
func notesTaintsAndTolerations(t *testing.T, l *lab) {
	mustContain(t, "taint", l.mustRun("taint", "node", "node-2", "node-type=production:NoSchedule"), "node/node-2 tainted")
	mustContain(t, "describe node", l.mustRun("describe", "nodes", "node-2"), "Taints:             node-type=production:NoSchedule")
	taintPod := notesFile(t, "pod-taint.yaml", `apiVersion: v1
kind: Pod
metadata:
  name: taint-pod
  namespace: default
  labels:
    tomcat:  tomcat-pod
spec:
  containers:
  - name:  taint-pod
    ports:
    - containerPort: 8080
    image: nginx
    imagePullPolicy: IfNotPresent 
`)
	l.mustRun("apply", "-f", taintPod)
	p := l.waitRunning("taint-pod")
	if p.Spec.NodeName != "node-1" {
		t.Fatalf("taint-pod runs on %s, want node-1 (node-2 is tainted)", p.Spec.NodeName)
	}

	// "已经存在的 pod 节点都被撵走了": the taint manager deletes the pod.
	mustContain(t, "taint", l.mustRun("taint", "node", "node-1", "node-type=dev:NoExecute"), "node/node-1 tainted")
	l.waitGone("taint-pod", 30*time.Second)
	var ev *corev1.Event
	for deadline := time.Now().Add(10 * time.Second); ev == nil && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		ev = l.notesEvent(p, "TaintManagerEviction")
	}
	if ev == nil || ev.Message != "Marking for deletion Pod default/taint-pod" {
		t.Errorf("taint-pod's TaintManagerEviction event: %+v", ev)
	}

	demo := func(toleration string) string {
		return `apiVersion: v1
kind: Pod 
metadata: 
  name: myapp-deploy
  namespace: default
  labels:
    app: myapp
    release: canary
spec: 
      containers:
      - name: myapp
        image: nginx                
        ports:
        - name: http
          containerPort: 80
      tolerations:
` + toleration
	}
	for _, step := range []struct {
		name, toleration string
		feasible         []string
	}{
		{"Equal production NoSchedule", `      - key: "node-type"
        operator: "Equal"
        value: "production"
        effect: "NoSchedule"
`, []string{"node-2"}},
		{"Exists NoSchedule", `      - key: "node-type"
        operator: "Exists"
        value: ""
        effect: "NoSchedule"
`, []string{"node-2"}},
		// "调度到 node2 & node 上": an empty effect matches every effect,
		// node-1's NoExecute too.
		{"Exists, every effect", `      - key: "node-type"
        operator: "Exists"
        value: ""
        effect: ""
`, []string{"node-1", "node-2"}},
	} {
		file := notesFile(t, "pod-demo-1.yaml", demo(step.toleration))
		l.mustRun("apply", "-f", file)
		p := l.waitRunning("myapp-deploy")
		verdicts := l.notesFeasible("myapp-deploy")
		for _, n := range workers {
			want := "TaintToleration"
			for _, f := range step.feasible {
				if f == n {
					want = "feasible"
				}
			}
			if verdicts[n] != want {
				t.Errorf("%s: %s is %q for the scheduler, want %s (all: %v)", step.name, n, verdicts[n], want, verdicts)
			}
		}
		if verdicts["control-plane"] != "TaintToleration" {
			t.Errorf("%s: control-plane is %q for the scheduler, want rejected by TaintToleration", step.name, verdicts["control-plane"])
		}
		if len(step.feasible) == 1 && p.Spec.NodeName != step.feasible[0] {
			t.Errorf("%s: myapp-deploy runs on %s, want %s", step.name, p.Spec.NodeName, step.feasible[0])
		}
		l.mustRun("delete", "-f", file)
		l.waitGone("myapp-deploy", 30*time.Second)
	}

	// 删除污点: by key and effect, and by key alone (every effect).
	mustContain(t, "untaint", l.mustRun("taint", "nodes", "node-1", "node-type:NoExecute-"), "node/node-1 untainted")
	mustContain(t, "untaint", l.mustRun("taint", "nodes", "node-2", "node-type-"), "node/node-2 untainted")
	for _, n := range workers {
		if got := l.mustRun("get", "node", n, "-o", "jsonpath={.spec.taints}"); got != "" {
			t.Errorf("%s still has taints %s", n, got)
		}
		mustContain(t, "describe node", l.mustRun("describe", "node", n), "Taints:             <none>")
	}
}

// 演示: with node-1 tainted env_role=yes:NoSchedule, the notes'
// `kubectl create deployment web --image=nginx` scaled to five puts all
// five pods on node-2. The lab has no Deployments yet: five Pods.
func notesFivePodsOnNode2(t *testing.T, l *lab) {
	mustContain(t, "taint", l.mustRun("taint", "node", "node-1", "env_role=yes:NoSchedule"), "node/node-1 tainted")
	var taintLine string
	for _, line := range strings.Split(l.mustRun("describe", "node", "node-1"), "\n") {
		if strings.Contains(line, "Taint") {
			taintLine = line
		}
	}
	if taintLine != "Taints:             env_role=yes:NoSchedule" {
		t.Errorf("describe node node-1 | grep Taint: %q", taintLine)
	}
	var docs []string
	names := []string{"web-1", "web-2", "web-3", "web-4", "web-5"}
	for _, n := range names {
		docs = append(docs, `apiVersion: v1
kind: Pod
metadata:
  name: `+n+`
  labels: {app: web}
spec:
  containers:
  - name: nginx
    image: nginx
`)
	}
	l.apply("web.yaml", strings.Join(docs, "---\n"))
	for _, n := range names {
		if p := l.waitRunning(n); p.Spec.NodeName != "node-2" {
			t.Errorf("%s runs on %s, want node-2 (node-1 is tainted)", n, p.Spec.NodeName)
		}
	}
	if got := l.mustRun("get", "pods", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.spec.nodeName} {end}"); got != strings.Repeat("node-2 ", 5) {
		t.Errorf("the web pods' nodes: %q", got)
	}
	mustContain(t, "untaint", l.mustRun("taint", "node", "node-1", "env_role:NoSchedule-"), "node/node-1 untainted")
}
