package nodelifecycle

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/podlab/podlab/runtime/labclock"
)

// Nodes whose heartbeats keep coming are never written, whichever
// heartbeat it is: the lease (the kubelet's usual one) or the Ready
// condition's lastHeartbeatTime (a kubelet without a lease).
func TestHeartbeatingNodesAreNeverWritten(t *testing.T) {
	objs := append(readyNodes("node-1", "node-2"), runningPod("web", "node-1"))
	objs = append(objs, readyNode("node-3", nil)[0]) // no lease
	l := newLab(t, objs...)
	l.monitor()
	if got := l.rec.take(); len(got) != 3 || !strings.Contains(got[0], "RegisteredNode: Node node-1 event: Registered Node node-1 in Controller") {
		t.Fatalf("events %q, want one RegisteredNode a node", got)
	}
	for d := 10 * time.Second; d <= 10*time.Minute; d += 10 * time.Second {
		l.at(d)
		l.renew("node-1", "node-2")
		if d%(40*time.Second) == 0 {
			l.kubeletReports("node-3", corev1.ConditionTrue, "KubeletReady")
		}
		l.monitor()
		l.taint()
		l.quiet(d.String())
	}
	if got := l.rec.take(); len(got) != 0 {
		t.Fatalf("events %q, want none", got)
	}
}

// A node whose heartbeats stop becomes Unknown once the grace period has
// passed, not before; its pods become not ready once; the unreachable
// NoExecute taint follows on the next pass; nothing more is written while
// it stays silent.
func TestSilentNodeBecomesUnknownAndUnreachable(t *testing.T) {
	objs := append(readyNodes("node-1", "node-2", "node-3"), runningPod("web", "node-1"), runningPod("db", "node-2"))
	pending := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "pending", Namespace: "default"}, Spec: corev1.PodSpec{NodeName: "node-1"}}
	l := newLab(t, append(objs, pending)...)
	l.monitor()
	l.rec.take()
	for _, d := range []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second, 40 * time.Second, 50 * time.Second} {
		l.at(d)
		l.renew("node-2", "node-3")
		l.monitor()
		l.taint()
		l.quiet("within the grace period at " + d.String())
	}
	if c := condition(l.node("node-1"), corev1.NodeReady); c.Status != corev1.ConditionTrue {
		t.Fatalf("node-1 Ready %s at the end of the grace period", c.Status)
	}

	l.at(51 * time.Second)
	l.monitor()
	l.wantWrites("past the grace period", "update nodes/status node-1", "patch pods/status web")
	n := l.node("node-1")
	for _, ct := range unknownConditions {
		c := condition(n, ct)
		if c.Status != corev1.ConditionUnknown || c.Reason != "NodeStatusUnknown" || c.Message != "Kubelet stopped posting node status." ||
			!c.LastTransitionTime.Time.Equal(t0.Add(51*time.Second)) || !c.LastHeartbeatTime.Time.Equal(t0) {
			t.Errorf("condition %s: %+v", ct, c)
		}
	}
	if r := podReady(l.pod("web")); r.Status != corev1.ConditionFalse || !r.LastTransitionTime.Time.Truncate(time.Second).Equal(r.LastTransitionTime.Time) {
		t.Errorf("web's Ready: %+v, want False", r)
	}
	if r := podReady(l.pod("db")); r.Status != corev1.ConditionTrue {
		t.Errorf("db on a Ready node: Ready %s", r.Status)
	}
	want := []string{"node-1 NodeNotReady: Node node-1 status is now: NodeNotReady", "web NodeNotReady: Node is not ready"}
	if got := l.rec.take(); !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
	l.taint()
	l.quiet("the pass that saw it Unknown first")

	l.at(56 * time.Second)
	l.renew("node-2", "node-3")
	l.monitor()
	l.quiet("the next health pass queues the taint")
	l.taint()
	l.wantWrites("the tainting pass", "update nodes node-1")
	if got := noExecute(l.node("node-1")); !slices.Equal(got, []string{"node.kubernetes.io/unreachable@56"}) {
		t.Fatalf("NoExecute taints %v", got)
	}

	for d := 61 * time.Second; d < 10*time.Minute; d += 5 * time.Second {
		l.at(d)
		l.renew("node-2", "node-3")
		l.monitor()
		l.taint()
		l.quiet("silent at " + d.String())
	}
	if got := l.rec.take(); len(got) != 0 {
		t.Fatalf("events %q while it stays silent", got)
	}
}

// The grace period is scaled by the lab's time scale.
func TestGracePeriodIsScaled(t *testing.T) {
	l := newLab(t, readyNodes("node-1", "node-2", "node-3")...)
	labclock.SetScale(0.1) // 50 s are 5 s
	l.monitor()
	l.at(5 * time.Second)
	l.renew("node-2", "node-3")
	l.monitor()
	l.quiet("at the scaled grace period")
	l.at(5*time.Second + time.Millisecond)
	l.monitor()
	l.wantWrites("past the scaled grace period", "update nodes/status node-1")
}

// A node that never posted a status gets the startup grace from its
// creation, then conditions that say the kubelet never posted.
func TestNeverPostedNodeGetsTheStartupGrace(t *testing.T) {
	fresh := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "fresh", CreationTimestamp: metav1.NewTime(t0)}}
	l := newLab(t, append(readyNodes("node-1", "node-2"), fresh)...)
	for _, d := range []time.Duration{0, 30 * time.Second, 55 * time.Second, 60 * time.Second} {
		l.at(d)
		l.renew("node-1", "node-2")
		l.monitor()
		l.quiet("within the startup grace at " + d.String())
	}
	l.at(61 * time.Second)
	l.monitor()
	l.wantWrites("past the startup grace", "update nodes/status fresh")
	n := l.node("fresh")
	for _, ct := range unknownConditions {
		c := condition(n, ct)
		if c.Status != corev1.ConditionUnknown || c.Reason != "NodeStatusNeverUpdated" || c.Message != "Kubelet never posted node status." ||
			!c.LastHeartbeatTime.Time.Equal(t0) || !c.LastTransitionTime.Time.Equal(t0.Add(61*time.Second)) {
			t.Errorf("condition %s: %+v", ct, c)
		}
	}
}

// A node tainted unreachable whose kubelet comes back NotReady has the
// taint swapped for not-ready at once; Ready again, it loses it.
func TestTaintSwappedThenRemoved(t *testing.T) {
	l := newLab(t, readyNodes("node-1", "node-2", "node-3")...)
	l.monitor()
	l.at(51 * time.Second)
	l.renew("node-2", "node-3")
	l.monitor()
	l.at(56 * time.Second)
	l.renew("node-2", "node-3")
	l.monitor()
	l.taint()
	l.wantWrites("tainted", "update nodes node-1")

	l.at(70 * time.Second)
	l.kubeletReports("node-1", corev1.ConditionFalse, "KubeletNotReady")
	l.renew("node-1", "node-2", "node-3")
	l.monitor()
	l.wantWrites("back NotReady", "update nodes node-1")
	if got := noExecute(l.node("node-1")); !slices.Equal(got, []string{"node.kubernetes.io/not-ready@70"}) {
		t.Fatalf("NoExecute taints %v, want not-ready only", got)
	}
	l.taint()
	l.quiet("swapped already")

	l.at(80 * time.Second)
	l.kubeletReports("node-1", corev1.ConditionTrue, "KubeletReady")
	l.renew("node-1", "node-2", "node-3")
	l.monitor()
	l.wantWrites("Ready again", "update nodes node-1")
	if got := noExecute(l.node("node-1")); len(got) != 0 {
		t.Fatalf("NoExecute taints %v on a Ready node", got)
	}
	l.at(90 * time.Second)
	l.renew("node-1", "node-2", "node-3")
	l.monitor()
	l.taint()
	l.quiet("Ready")
}

// A node its kubelet reports NotReady is tainted not-ready through the
// queue; its pods are the kubelet's to mark (upstream marks them only when
// it is the controller that took the node out of Ready).
func TestNotReadyNodeIsTaintedNotReady(t *testing.T) {
	objs := append(readyNodes("node-1", "node-2", "node-3"), runningPod("web", "node-1"))
	l := newLab(t, objs...)
	l.monitor()
	l.at(10 * time.Second)
	l.kubeletReports("node-1", corev1.ConditionFalse, "KubeletNotReady")
	l.renew("node-1", "node-2", "node-3")
	l.monitor()
	l.quiet("the kubelet said NotReady")
	l.taint()
	l.wantWrites("the tainting pass", "update nodes node-1")
	if got := noExecute(l.node("node-1")); !slices.Equal(got, []string{"node.kubernetes.io/not-ready@10"}) {
		t.Fatalf("NoExecute taints %v", got)
	}
}

// Every node silent: the controller suspects itself, not the nodes, and
// taints none (upstream's master disruption mode); a taint it finds is
// removed.
func TestAllNodesDownTaintsNone(t *testing.T) {
	objs := readyNodes("node-1", "node-2")
	node := objs[0].(*corev1.Node)
	node.Spec.Taints = []corev1.Taint{{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}}
	l := newLab(t, objs...)
	l.monitor()
	l.wantWrites("first look: a known node starts reachable", "update nodes node-1")
	l.at(51 * time.Second)
	l.monitor()
	l.wantWrites("both silent", "update nodes/status node-1", "update nodes/status node-2")
	for d := 56 * time.Second; d < 3*time.Minute; d += 5 * time.Second {
		l.at(d)
		l.monitor()
		l.taint()
		l.quiet("all down at " + d.String())
	}
	// One comes back: its zone is no longer fully disrupted, the other is tainted.
	l.kubeletReports("node-2", corev1.ConditionTrue, "KubeletReady")
	l.renew("node-2")
	l.monitor()
	l.at(3*time.Minute + 5*time.Second)
	l.renew("node-2")
	l.monitor()
	l.taint()
	if got := noExecute(l.node("node-1")); len(got) != 1 || !strings.HasPrefix(got[0], "node.kubernetes.io/unreachable@") {
		t.Fatalf("node-1's NoExecute taints %v once node-2 is back", got)
	}
}

// A partially disrupted zone (at least 3 and 55 % of its nodes down) of a
// small cluster is not tainted at all; another zone still is.
func TestPartialDisruptionStopsTaintingItsZone(t *testing.T) {
	var objs []runtime.Object
	for _, n := range []string{"a-1", "a-2", "a-3", "a-4"} {
		objs = append(objs, readyNode(n, map[string]string{corev1.LabelTopologyZone: "zone-a"})...)
	}
	for _, n := range []string{"b-1", "b-2", "b-3"} {
		objs = append(objs, readyNode(n, map[string]string{corev1.LabelTopologyZone: "zone-b"})...)
	}
	l := newLab(t, objs...)
	l.monitor()
	for _, d := range []time.Duration{51 * time.Second, 56 * time.Second, 61 * time.Second, 71 * time.Second} {
		l.at(d)
		l.renew("a-4", "b-2", "b-3")
		l.monitor()
		l.taint()
	}
	for _, n := range []string{"a-1", "a-2", "a-3"} {
		if c := condition(l.node(n), corev1.NodeReady); c.Status != corev1.ConditionUnknown {
			t.Errorf("%s Ready %s", n, c.Status)
		}
		if got := noExecute(l.node(n)); len(got) != 0 {
			t.Errorf("%s in a partially disrupted zone tainted %v", n, got)
		}
	}
	if got := noExecute(l.node("b-1")); len(got) != 1 {
		t.Errorf("b-1 in a healthy zone: NoExecute taints %v", got)
	}
}

// Nodes of one zone are tainted at --node-eviction-rate: one at once, the
// next 10 s (scaled) later.
func TestTaintsAreRateLimited(t *testing.T) {
	names := []string{"node-1", "node-2", "node-3", "node-4", "node-5", "node-6"}
	l := newLab(t, readyNodes(names...)...)
	l.monitor()
	l.at(51 * time.Second)
	l.renew(names[2:]...)
	l.monitor()
	l.at(56 * time.Second)
	l.renew(names[2:]...)
	l.monitor()
	l.writes()
	l.taint()
	l.wantWrites("one at once", "update nodes node-1")
	l.at(65 * time.Second)
	l.taint()
	l.quiet("the next within 10 s")
	l.at(66 * time.Second)
	l.taint()
	l.wantWrites("the next 10 s later", "update nodes node-2")
}

// A pod bound to a node known not Ready is marked not ready at once.
func TestPodBoundToAnUnreadyNodeIsMarked(t *testing.T) {
	l := newLab(t, readyNodes("node-1", "node-2", "node-3")...)
	l.monitor()
	l.at(51 * time.Second)
	l.renew("node-2", "node-3")
	l.monitor()
	l.writes()
	late := runningPod("late", "node-1")
	if _, err := l.cs.CoreV1().Pods("default").Create(l.ctx, late, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	l.settle()
	l.writes()
	if err := l.c.processPod(l.ctx, "default/late"); err != nil {
		t.Fatal(err)
	}
	l.wantWrites("bound to an Unknown node", "patch pods/status late")
	l.settle()
	if err := l.c.processPod(l.ctx, "default/late"); err != nil {
		t.Fatal(err)
	}
	l.settle()
	l.quiet("marked already")
}
