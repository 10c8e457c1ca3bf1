package nodelifecycle

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/podlab/podlab/runtime/labclock"
)

func node(unschedulable bool, ready corev1.ConditionStatus, taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "node-1", CreationTimestamp: metav1.Now()},
		Spec:       corev1.NodeSpec{Unschedulable: unschedulable, Taints: taints},
		Status:     corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready}}},
	}
}

func keys(ts []corev1.Taint) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Key+":"+string(t.Effect))
	}
	return out
}

func TestConditionTaints(t *testing.T) {
	mine := corev1.Taint{Key: "dedicated", Value: "lab", Effect: corev1.TaintEffectNoSchedule}
	cases := map[string]struct {
		node *corev1.Node
		want []string
	}{
		"ready":    {node(false, corev1.ConditionTrue, mine), []string{"dedicated:NoSchedule"}},
		"cordoned": {node(true, corev1.ConditionTrue, mine), []string{"dedicated:NoSchedule", "node.kubernetes.io/unschedulable:NoSchedule"}},
		"uncordoned": {node(false, corev1.ConditionTrue, corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}, mine),
			[]string{"dedicated:NoSchedule"}},
		"not ready":   {node(false, corev1.ConditionFalse), []string{"node.kubernetes.io/not-ready:NoSchedule"}},
		"unreachable": {node(false, corev1.ConditionUnknown), []string{"node.kubernetes.io/unreachable:NoSchedule"}},
		"memory pressure": {func() *corev1.Node {
			n := node(false, corev1.ConditionTrue)
			n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionTrue})
			return n
		}(), []string{"node.kubernetes.io/memory-pressure:NoSchedule"}},
		// The NoExecute taints of the same keys are the eviction's, left alone.
		"noexecute kept": {node(false, corev1.ConditionTrue, corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute}),
			[]string{"node.kubernetes.io/not-ready:NoExecute"}},
	}
	for name, tc := range cases {
		got := keys(withConditionTaints(tc.node, time.Now()))
		if len(got) != len(tc.want) {
			t.Errorf("%s: taints %v, want %v", name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: taints %v, want %v", name, got, tc.want)
			}
		}
	}
}

// A cordon taints the node once; a node already right is never written —
// nor one that has not posted a status yet, within its startup grace.
func TestCordonTaintsOnceAndQuietly(t *testing.T) {
	c := fake.NewClientset(node(true, corev1.ConditionTrue), &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "quiet", CreationTimestamp: metav1.Now()}})
	factory := informers.NewSharedInformerFactory(c, 0)
	ctl, err := New(c, factory)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory.Start(ctx.Done())
	go ctl.Run(ctx)
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, _ := c.CoreV1().Nodes().Get(ctx, "node-1", metav1.GetOptions{})
		if got := keys(n.Spec.Taints); len(got) == 1 && got[0] == "node.kubernetes.io/unschedulable:NoSchedule" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cordoned node never tainted: %v", n.Spec.Taints)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	updates := 0
	for _, a := range c.Actions() {
		if a.GetVerb() == "update" || a.GetVerb() == "patch" {
			updates++
		}
	}
	if updates != 1 {
		t.Fatalf("%d writes, want exactly the one that tainted node-1", updates)
	}
}

// Run end to end, on the real clock at a small time scale: a silent node
// among heartbeating ones is Unknown after the scaled grace period, then
// tainted unreachable, NoSchedule and NoExecute; the others stay untainted.
func TestRunTaintsASilentNode(t *testing.T) {
	old := labclock.Scale()
	labclock.SetScale(0.01) // 50 s are 0.5 s
	t.Cleanup(func() { labclock.SetScale(old) })
	var objs []runtime.Object
	for _, n := range []string{"node-1", "node-2", "node-3"} {
		objs = append(objs, readyNode(n, nil)...)
	}
	c := fake.NewClientset(objs...)
	factory := informers.NewSharedInformerFactory(c, 0)
	ctl, err := New(c, factory)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done; factory.Shutdown() })
	factory.Start(ctx.Done())
	go func() { defer close(done); ctl.Run(ctx) }()
	go func() {
		for ctx.Err() == nil {
			for _, n := range []string{"node-2", "node-3"} {
				if l, err := c.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, n, metav1.GetOptions{}); err == nil {
					now := metav1.NewMicroTime(time.Now())
					l.Spec.RenewTime = &now
					c.CoordinationV1().Leases(corev1.NamespaceNodeLease).Update(ctx, l, metav1.UpdateOptions{})
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	start := time.Now()
	deadline := start.Add(10 * time.Second)
	for {
		n, _ := c.CoreV1().Nodes().Get(ctx, "node-1", metav1.GetOptions{})
		got := strings.Join(keys(n.Spec.Taints), ",")
		if strings.Contains(got, "node.kubernetes.io/unreachable:NoExecute") && strings.Contains(got, "node.kubernetes.io/unreachable:NoSchedule") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node-1 taints %s", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if took := time.Since(start); took < 400*time.Millisecond {
		t.Errorf("tainted after %s, before the scaled grace period", took)
	}
	for _, name := range []string{"node-2", "node-3"} {
		if n, _ := c.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{}); len(n.Spec.Taints) != 0 {
			t.Errorf("%s taints %v", name, keys(n.Spec.Taints))
		}
	}
}
