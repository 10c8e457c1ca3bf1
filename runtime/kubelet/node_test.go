package kubelet

import (
	"context"
	goruntime "runtime"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/labclock"
)

func (h *harness) node() *corev1.Node {
	o, err := h.client.Tracker().Get(corev1.SchemeGroupVersion.WithResource("nodes"), "", testNode)
	if err != nil {
		return nil
	}
	return o.(*corev1.Node)
}

func nodeCondition(n *corev1.Node, t corev1.NodeConditionType) *corev1.NodeCondition {
	for i := range n.Status.Conditions {
		if n.Status.Conditions[i].Type == t {
			return &n.Status.Conditions[i]
		}
	}
	return nil
}

func TestRegisterCreatesTheNode(t *testing.T) {
	h := newHarness(t)
	if err := h.k.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	if w := h.writes("nodes"); len(w) != 1 || w[0] != "create nodes node-1" {
		t.Fatalf("node writes %q", w)
	}
	n := h.node()
	for k, v := range map[string]string{"kubernetes.io/hostname": testNode, "kubernetes.io/os": "linux", "kubernetes.io/arch": goruntime.GOARCH,
		"beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": goruntime.GOARCH} {
		if n.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, n.Labels[k], v)
		}
	}
	if r := nodeCondition(n, corev1.NodeReady); r == nil || r.Status != corev1.ConditionTrue || r.Reason != "KubeletReady" || r.LastHeartbeatTime.IsZero() {
		t.Fatalf("Ready = %+v", r)
	}
	if len(n.Status.Addresses) != 2 || n.Status.Addresses[0] != (corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: "10.88.0.1"}) {
		t.Fatalf("addresses %+v", n.Status.Addresses)
	}
	if pods := n.Status.Allocatable[corev1.ResourcePods]; pods.Cmp(resource.MustParse("110")) != 0 || n.Status.NodeInfo.KubeletVersion != "v1.34.0" || n.Status.NodeInfo.ContainerRuntimeVersion != "docker://fake" {
		t.Fatalf("allocatable %v, nodeInfo %+v", n.Status.Allocatable, n.Status.NodeInfo)
	}
}

func TestRegisterAnExistingNodeWritesItsStatusOnly(t *testing.T) {
	existing := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: testNode, UID: "node-uid", Labels: map[string]string{"kubernetes.io/hostname": "stale", "tier": "lab"}},
		Spec:       corev1.NodeSpec{Unschedulable: true, Taints: []corev1.Taint{{Key: "dedicated", Value: "lab", Effect: corev1.TaintEffectNoSchedule}}},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{
			{Type: corev1.NodeReady, Status: corev1.ConditionUnknown, Reason: "NodeStatusUnknown"},
			{Type: "NetworkUnavailable", Status: corev1.ConditionFalse, Reason: "RouteCreated"},
		}},
	}
	h := newHarness(t, existing)
	if err := h.k.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	if w := h.writes("nodes"); len(w) != 2 || w[0] != "create nodes node-1" || w[1] != "update nodes/status node-1" {
		t.Fatalf("node writes %q: want the create (AlreadyExists), then nodes/status", w)
	}
	n := h.node()
	if n.Labels["tier"] != "lab" || n.Labels["kubernetes.io/hostname"] != testNode {
		t.Fatalf("labels %v: the learner's kept, the default ones reconciled", n.Labels)
	}
	if !n.Spec.Unschedulable || len(n.Spec.Taints) != 1 {
		t.Fatalf("spec %+v changed", n.Spec)
	}
	if r := nodeCondition(n, corev1.NodeReady); r.Status != corev1.ConditionTrue {
		t.Fatalf("Ready = %+v", r)
	}
	if c := nodeCondition(n, "NetworkUnavailable"); c == nil || c.Reason != "RouteCreated" {
		t.Fatal("another component's condition was dropped")
	}
}

func TestNodeStatusIsWrittenWhenItChangedOrIsDue(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if err := h.k.Register(ctx); err != nil {
		t.Fatal(err)
	}
	registered := nodeCondition(h.node(), corev1.NodeReady).LastHeartbeatTime
	h.client.ClearActions()
	for i := 0; i < 3; i++ {
		h.k.updateNodeStatus(ctx)
	}
	if w := h.writes("nodes"); len(w) != 0 {
		t.Fatalf("an unchanged node status was written: %q", w)
	}

	// Someone else's change is put right at the next update.
	n := h.node()
	nodeCondition(n, corev1.NodeReady).Status = corev1.ConditionFalse
	if _, err := h.client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.client.ClearActions()
	h.k.updateNodeStatus(ctx)
	if w := h.writes("nodes"); len(w) != 1 || w[0] != "update nodes/status node-1" {
		t.Fatalf("node writes %q", w)
	}
	if r := nodeCondition(h.node(), corev1.NodeReady); r.Status != corev1.ConditionTrue {
		t.Fatalf("Ready = %+v", r)
	}

	// Once nodeStatusReportFrequency passed, the status is written with a new heartbeat.
	time.Sleep(time.Second + 10*time.Millisecond) // heartbeats are kept to the second
	h.k.node.reported(time.Now().Add(-labclock.Scaled(nodeStatusReportFrequency)))
	h.client.ClearActions()
	h.k.updateNodeStatus(ctx)
	if w := h.writes("nodes"); len(w) != 1 {
		t.Fatalf("node writes %q: the report was due", w)
	}
	if hb := nodeCondition(h.node(), corev1.NodeReady).LastHeartbeatTime; !hb.After(registered.Time) {
		t.Fatalf("heartbeat %v not after %v", hb, registered)
	}
}

func TestNodeLeaseIsRenewedAndOwnedByTheNode(t *testing.T) {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: testNode, UID: "node-uid"}}
	h := newHarness(t, node)
	h.run()
	lease := func() *coordinationv1.Lease {
		o, err := h.client.Tracker().Get(coordinationv1.SchemeGroupVersion.WithResource("leases"), corev1.NamespaceNodeLease, testNode)
		if err != nil {
			return nil
		}
		return o.(*coordinationv1.Lease)
	}
	eventually(t, "the node's lease", func() bool { return lease() != nil })
	l := lease()
	if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity != testNode || l.Spec.LeaseDurationSeconds == nil || *l.Spec.LeaseDurationSeconds != 40 || l.Spec.RenewTime == nil {
		t.Fatalf("lease spec %+v", l.Spec)
	}
	if len(l.OwnerReferences) != 1 || l.OwnerReferences[0] != (metav1.OwnerReference{APIVersion: "v1", Kind: "Node", Name: testNode, UID: "node-uid"}) {
		t.Fatalf("owners %+v", l.OwnerReferences)
	}
	first := l.Spec.RenewTime.Time
	eventually(t, "a renewal", func() bool { return lease().Spec.RenewTime.After(first) })
	// Renewals come every 10 s (scaled): some in half a second, not hundreds.
	h.client.ClearActions()
	time.Sleep(500 * time.Millisecond)
	if n := len(h.writes("leases")); n < 2 || n > 10 {
		t.Fatalf("%d lease writes in 0.5 s, want about 5 (every 10 s at scale %g)", n, testScale)
	}
}
