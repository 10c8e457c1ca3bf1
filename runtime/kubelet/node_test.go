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

// A control-plane node registers with its role's label and taint (what
// kubeadm's kubelet --node-labels and --register-with-taints give it) and
// the capacity configured for it; what the capacity leaves out is the
// machine's.
func TestRegisterAControlPlaneNode(t *testing.T) {
	h := newHarnessWith(t, func(c *Config) {
		c.NodeName = "control-plane"
		c.Labels = map[string]string{"node-role.kubernetes.io/control-plane": "", "kubernetes.io/hostname": "not-the-kubelet's"}
		c.RegisterWithTaints = []corev1.Taint{{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}}
		c.Capacity = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourcePods: resource.MustParse("20")}
	})
	if err := h.k.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	o, err := h.client.Tracker().Get(corev1.SchemeGroupVersion.WithResource("nodes"), "", "control-plane")
	if err != nil {
		t.Fatal(err)
	}
	n := o.(*corev1.Node)
	if v, ok := n.Labels["node-role.kubernetes.io/control-plane"]; !ok || v != "" {
		t.Errorf("labels %v: want node-role.kubernetes.io/control-plane=\"\"", n.Labels)
	}
	if n.Labels["kubernetes.io/hostname"] != "control-plane" {
		t.Errorf("kubernetes.io/hostname = %q: the kubelet's own labels win", n.Labels["kubernetes.io/hostname"])
	}
	if len(n.Spec.Taints) != 1 || n.Spec.Taints[0].Key != "node-role.kubernetes.io/control-plane" || n.Spec.Taints[0].Effect != corev1.TaintEffectNoSchedule {
		t.Errorf("taints %v", n.Spec.Taints)
	}
	for name, want := range map[corev1.ResourceName]string{corev1.ResourceCPU: "2", corev1.ResourcePods: "20"} {
		for what, list := range map[string]corev1.ResourceList{"capacity": n.Status.Capacity, "allocatable": n.Status.Allocatable} {
			if q := list[name]; q.Cmp(resource.MustParse(want)) != 0 {
				t.Errorf("%s %s = %s, want %s", what, name, q.String(), want)
			}
		}
	}
	if mem := n.Status.Capacity[corev1.ResourceMemory]; mem.Value() != memTotal() {
		t.Errorf("memory %s, want the machine's %d", mem.String(), memTotal())
	}
	// The downward API's default limits are this node's allocatable.
	if cpu := h.k.lookup(context.Background()).NodeAllocatable()[corev1.ResourceCPU]; cpu.Cmp(resource.MustParse("2")) != 0 {
		t.Errorf("allocatable cpu for resourceFieldRef = %s", cpu.String())
	}
}

// A Node that exists is not given the registration taints again: they
// are the learner's to remove, as on a kubeadm cluster.
func TestRegisterWithTaintsOnlyOnCreate(t *testing.T) {
	existing := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "control-plane"}}
	h := newHarnessWith(t, func(c *Config) {
		c.NodeName = "control-plane"
		c.RegisterWithTaints = []corev1.Taint{{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}}
	}, existing)
	if err := h.k.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	o, _ := h.client.Tracker().Get(corev1.SchemeGroupVersion.WithResource("nodes"), "", "control-plane")
	if n := o.(*corev1.Node); len(n.Spec.Taints) != 0 {
		t.Fatalf("taints %v came back on an existing node", n.Spec.Taints)
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

// The kubelet's node events, as upstream's: at start, for each condition
// it sets for the first time or changes, and for cordon and uncordon.
func TestNodeEvents(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if err := h.k.Register(ctx); err != nil {
		t.Fatal(err)
	}
	want := "Starting: Starting kubelet.\n" +
		"NodeHasSufficientMemory: Node node-1 status is now: NodeHasSufficientMemory\n" +
		"NodeHasNoDiskPressure: Node node-1 status is now: NodeHasNoDiskPressure\n" +
		"NodeHasSufficientPID: Node node-1 status is now: NodeHasSufficientPID\n" +
		"NodeReady: Node node-1 status is now: NodeReady\n" +
		"NodeAllocatableEnforced: Updated Node Allocatable limit across pods"
	if got := h.events.String(); got != want {
		t.Fatalf("events at registration:\n%s\nwant\n%s", got, want)
	}
	ref := h.k.nodeRef()
	if ref.Name != testNode || string(ref.UID) != testNode {
		t.Fatalf("node reference %s/%s: upstream's kubelet uses the node's name as its UID", ref.Name, ref.UID)
	}

	setUnschedulable := func(v bool) {
		n := h.node()
		n.Spec.Unschedulable = v
		if _, err := h.client.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	h.events = &eventLog{}
	h.k.rec = h.events
	h.k.updateNodeStatus(ctx)
	if got := h.events.String(); got != "" {
		t.Fatalf("an unchanged node recorded %q", got)
	}
	setUnschedulable(true)
	h.k.updateNodeStatus(ctx)
	h.k.updateNodeStatus(ctx)
	setUnschedulable(false)
	h.k.updateNodeStatus(ctx)
	want = "NodeNotSchedulable: Node node-1 status is now: NodeNotSchedulable\n" +
		"NodeSchedulable: Node node-1 status is now: NodeSchedulable"
	if got := h.events.String(); got != want {
		t.Fatalf("events of cordon and uncordon:\n%s\nwant\n%s", got, want)
	}

	// Someone marks the node not ready; the kubelet puts it right and says so.
	n := h.node()
	nodeCondition(n, corev1.NodeReady).Status = corev1.ConditionUnknown
	if _, err := h.client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.events = &eventLog{}
	h.k.rec = h.events
	h.k.updateNodeStatus(ctx)
	if got := h.events.String(); got != "NodeReady: Node node-1 status is now: NodeReady" {
		t.Fatalf("events when Ready came back: %q", got)
	}
}
