package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/internal/clientbin"
)

// The node lifecycle controller and drain against the real binary, at the
// harness's time scale (0.05): upstream's 50 s node-monitor-grace-period is
// 2.5 s, the 300 s default tolerations of not-ready/unreachable 15 s.

// node fetches a node through `podlab get node -o json`.
func (l *lab) node(name string) *corev1.Node {
	l.t.Helper()
	var n corev1.Node
	if err := json.Unmarshal([]byte(l.mustRun("get", "node", name, "-o", "json")), &n); err != nil {
		l.t.Fatal(err)
	}
	return &n
}

// waitNode polls until cond holds for the node.
func (l *lab) waitNode(name string, timeout time.Duration, what string, cond func(*corev1.Node) bool) *corev1.Node {
	l.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		n := l.node(name)
		if cond(n) {
			return n
		}
		if time.Now().After(deadline) {
			desc, _, _ := l.run("describe", "node", name)
			l.t.Fatalf("node %s never became %s within %s\n%s", name, what, timeout, desc)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func nodeCondition(n *corev1.Node, t corev1.NodeConditionType) corev1.NodeCondition {
	for _, c := range n.Status.Conditions {
		if c.Type == t {
			return c
		}
	}
	return corev1.NodeCondition{}
}

func podCondition(p *corev1.Pod, t corev1.PodConditionType) corev1.PodCondition {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c
		}
	}
	return corev1.PodCondition{}
}

func taint(n *corev1.Node, key string, effect corev1.TaintEffect) *corev1.Taint {
	for i := range n.Spec.Taints {
		if n.Spec.Taints[i].Key == key && n.Spec.Taints[i].Effect == effect {
			return &n.Spec.Taints[i]
		}
	}
	return nil
}

// podStatusColumn is the STATUS `podlab get pod` prints.
func (l *lab) podStatusColumn(name string) string {
	l.t.Helper()
	row := parseTable(l.t, l.mustRun("get", "pod", name)).row(name)
	if row == nil {
		l.t.Fatalf("get pod %s lists no such row", name)
	}
	return row["STATUS"]
}

// A node whose kubelet stops goes NotReady once the grace period has
// passed — its conditions Unknown, as upstream words them — gets the
// unreachable NoExecute taint, and its pod, no longer ready, is evicted
// when its 300 s toleration runs out. No kubelet confirms that deletion, so
// the pod stays Terminating (v1.37 no longer prints Unknown for it). The
// kubelet back, the node is Ready, untainted, and the deletion completes.
func TestStoppedKubeletMakesItsNodeUnreachable(t *testing.T) {
	l := newLab(t)
	l.apply("web.yaml", pinned("web", "node-1", "sleep 3600"))
	l.waitRunning("web")

	l.mustRun("node", "stop", "node-1")
	stopped := time.Now()
	n := l.waitNode("node-1", 20*time.Second, "Unknown", func(n *corev1.Node) bool {
		return nodeCondition(n, corev1.NodeReady).Status == corev1.ConditionUnknown
	})
	// The last lease renewal was at most 0.5 s before the stop.
	if took := time.Since(stopped); took < 1500*time.Millisecond {
		t.Errorf("node-1 went Unknown %s after its kubelet stopped, before the scaled 50 s grace period", took)
	}
	for _, ct := range []corev1.NodeConditionType{corev1.NodeReady, corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure} {
		if c := nodeCondition(n, ct); c.Status != corev1.ConditionUnknown || c.Reason != "NodeStatusUnknown" || c.Message != "Kubelet stopped posting node status." {
			t.Errorf("node-1 condition %s: %+v", ct, c)
		}
	}
	if row := parseTable(t, l.mustRun("get", "nodes")).row("node-1"); row["STATUS"] != "NotReady" {
		t.Errorf("get nodes: node-1 %v, want NotReady", row)
	}
	n = l.waitNode("node-1", 10*time.Second, "tainted unreachable:NoExecute", func(n *corev1.Node) bool {
		return taint(n, corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute) != nil
	})
	tainted := time.Now()
	if tt := taint(n, corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute); tt.TimeAdded == nil {
		t.Errorf("the NoExecute taint has no timeAdded: %+v", tt)
	}
	l.waitNode("node-1", 5*time.Second, "tainted unreachable:NoSchedule", func(n *corev1.Node) bool {
		return taint(n, corev1.TaintNodeUnreachable, corev1.TaintEffectNoSchedule) != nil
	})
	if r := podCondition(l.pod("web"), corev1.PodReady); r.Status != corev1.ConditionFalse {
		t.Errorf("web on an unreachable node: Ready %+v, want False", r)
	}
	if d := l.mustRun("describe", "node", "node-1"); !strings.Contains(d, "node.kubernetes.io/unreachable:NoExecute") {
		t.Errorf("describe node shows no unreachable taint:\n%s", d)
	}

	// Admission gave web tolerationSeconds 300 for unreachable: 15 s here.
	p := l.waitPod("web", 40*time.Second, "evicted", func(p *corev1.Pod) bool { return p.DeletionTimestamp != nil })
	if took := time.Since(tainted); took < 12*time.Second {
		t.Errorf("web evicted %s after the taint, before its scaled 300 s toleration", took)
	}
	if c := podCondition(p, corev1.DisruptionTarget); c.Status != corev1.ConditionTrue || c.Reason != "DeletionByTaintManager" {
		t.Errorf("web's DisruptionTarget: %+v", c)
	}
	if p.Status.Reason != "" {
		t.Errorf("web's status reason %q: v1.37 sets none on a pod of a lost node", p.Status.Reason)
	}
	time.Sleep(3 * time.Second) // far past its scaled grace period: nobody confirms
	if got := l.podStatusColumn("web"); got != "Terminating" {
		t.Errorf("get pod web: STATUS %s, want Terminating", got)
	}

	l.mustRun("node", "start", "node-1")
	l.waitNode("node-1", 30*time.Second, "Ready and untainted", func(n *corev1.Node) bool {
		return nodeCondition(n, corev1.NodeReady).Status == corev1.ConditionTrue &&
			taint(n, corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute) == nil &&
			taint(n, corev1.TaintNodeUnreachable, corev1.TaintEffectNoSchedule) == nil
	})
	deadline := time.Now().Add(30 * time.Second)
	for l.pod("web") != nil {
		if time.Now().After(deadline) {
			t.Fatal("web's deletion never completed once its kubelet was back")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// drainPods run on node-2: a ReplicaSet's pod (drain may evict it without
// --force; its replacement waits, Pending, for the cordoned node-2 its
// selector pins it to) whose container ignores SIGTERM, so it stays
// Terminating for its grace period; and a bare one.
const drainPods = `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: managed
spec:
  replicas: 1
  selector: {matchLabels: {app: managed}}
  template:
    metadata:
      labels: {app: managed}
    spec:
      nodeSelector: {kubernetes.io/hostname: node-2}
      terminationGracePeriodSeconds: 100
      containers:
      - name: app
        image: busybox:1.35
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"]
---
apiVersion: v1
kind: Pod
metadata:
  name: bare
  labels: {app: bare}
spec:
  nodeSelector: {kubernetes.io/hostname: node-2}
  containers:
  - name: app
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
`

// The real kubectl 1.37 drains a lab node through pods/eviction as on a
// real cluster: it refuses a bare pod without --force, with its own
// words; with --force it evicts every pod with the pod's own grace period
// and waits for each to go.
func TestKubectlDrain(t *testing.T) {
	bin := clientbin.Kubectl(t)
	l := newLab(t)
	k := newKubectl(t, l, bin)
	k.applyFile(t, "drain.yaml", drainPods)
	name := managedPod(t, l, k)
	l.waitRunning("bare")

	r := k.run(t, "drain", "node-2")
	cannot := "cannot delete Pods that declare no controller (use --force to override): default/bare"
	wantErr := `error: unable to drain node "node-2" due to error: ` + cannot + ", continuing command...\n" +
		"There are pending nodes to be drained:\n node-2\n" + cannot + "\n"
	if r.code != 1 || r.stdout != "node/node-2 cordoned\n" || r.stderr != wantErr {
		t.Fatalf("kubectl drain node-2 with a bare pod: %v\nwant stderr %q", r, wantErr)
	}
	if l.pod(name).DeletionTimestamp != nil || l.pod("bare").DeletionTimestamp != nil {
		t.Fatal("the refused drain deleted a pod")
	}
	if !l.node("node-2").Spec.Unschedulable {
		t.Fatal("the refused drain did not cordon node-2")
	}

	bg := k.start(t, "drain", "node-2", "--force")
	managed := l.waitPod(name, 30*time.Second, "evicted", func(p *corev1.Pod) bool { return p.DeletionTimestamp != nil })
	if g := managed.DeletionGracePeriodSeconds; g == nil || *g != 100 {
		t.Errorf("managed evicted with grace %v, want its own 100 s", g)
	}
	if c := podCondition(managed, corev1.DisruptionTarget); c.Status != corev1.ConditionTrue || c.Reason != "EvictionByEvictionAPI" {
		t.Errorf("managed's DisruptionTarget: %+v", c)
	}
	if code := bg.wait(t, 60*time.Second); code != 0 {
		t.Fatalf("kubectl drain --force: exit %d\nstdout %s\nstderr %s", code, bg.stdout(), bg.stderr())
	}
	out := bg.stdout()
	for _, want := range []string{"node/node-2 already cordoned\n", "evicting pod default/" + name + "\n", "evicting pod default/bare\n",
		"pod/" + name + " evicted\n", "pod/bare evicted\n"} {
		mustContain(t, "kubectl drain --force", out, want)
	}
	if !strings.HasSuffix(out, "node/node-2 drained\n") {
		t.Errorf("kubectl drain --force printed\n%s", out)
	}
	if e := bg.stderr(); e != "Warning: deleting Pods that declare no controller: default/bare\n" {
		t.Errorf("kubectl drain --force stderr %q", e)
	}
	if l.pod(name) != nil || l.pod("bare") != nil {
		t.Error("pods left after the drain")
	}
	if out := k.ok(t, "uncordon", "node-2"); out != "node/node-2 uncordoned\n" {
		t.Errorf("kubectl uncordon: %q", out)
	}

	// podlab's own drain says the same.
	l.apply("solo.yaml", pinned("solo", "node-1", "trap 'exit 0' TERM; while true; do sleep 1; done"))
	l.waitRunning("solo")
	out, errOut, code := l.run("drain", "node-1", "--force", "--grace-period=1")
	if code != 0 || out != "node/node-1 cordoned\nevicting pod default/solo\npod/solo evicted\nnode/node-1 drained\n" ||
		errOut != "Warning: deleting Pods that declare no controller: default/solo\n" {
		t.Fatalf("podlab drain: exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
}

// A PodDisruptionBudget the disruption controller keeps stops kubectl
// drain: the eviction is refused with 429 and retried until --timeout.
func TestKubectlDrainRespectsABudget(t *testing.T) {
	bin := clientbin.Kubectl(t)
	l := newLab(t)
	k := newKubectl(t, l, bin)
	k.applyFile(t, "drain.yaml", strings.SplitN(drainPods, "---\n", 2)[0])
	name := managedPod(t, l, k)
	if out := k.ok(t, "create", "pdb", "managed", "--selector=app=managed", "--min-available=1"); out != "poddisruptionbudget.policy/managed created\n" {
		t.Fatalf("kubectl create pdb: %q", out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		row := parseTable(t, k.ok(t, "get", "pdb", "managed")).row("managed")
		if row != nil && row["MIN AVAILABLE"] == "1" && row["MAX UNAVAILABLE"] == "N/A" && row["ALLOWED DISRUPTIONS"] == "0" &&
			k.jsonpath(t, "{.status.observedGeneration}", "pdb", "managed") == "1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the budget's status was never computed: %v", row)
		}
		time.Sleep(200 * time.Millisecond)
	}
	r := k.run(t, "drain", "node-2", "--timeout=3s")
	mustContain(t, "kubectl drain under a budget", r.stderr,
		`error when evicting pods/"`+name+`" -n "default" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.`,
		`global timeout reached: 3s`)
	if r.code != 1 || l.pod(name).DeletionTimestamp != nil {
		t.Fatalf("kubectl drain under a budget: %v", r)
	}
	k.ok(t, "delete", "pdb", "managed")
	if r := k.run(t, "drain", "node-2", "--grace-period=1"); r.code != 0 || !strings.HasSuffix(r.stdout, "pod/"+name+" evicted\nnode/node-2 drained\n") {
		t.Fatalf("kubectl drain once the budget is gone: %v", r)
	}
}

// managedPod is the name of the pod the ReplicaSet managed made, once it runs.
func managedPod(t *testing.T, l *lab, k *kubectl) string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		if name := k.jsonpath(t, "{.items[0].metadata.name}", "pods", "-l", "app=managed"); name != "" {
			l.waitRunning(name)
			return name
		}
		if time.Now().After(deadline) {
			t.Fatal("the ReplicaSet managed made no pod")
		}
		time.Sleep(200 * time.Millisecond)
	}
}
