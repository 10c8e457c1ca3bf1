package nodelifecycle

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

func node(unschedulable bool, ready corev1.ConditionStatus, taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "node-1"},
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
		// The NoExecute taints of the same keys are the eviction's, left alone.
		"noexecute kept": {node(false, corev1.ConditionTrue, corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute}),
			[]string{"node.kubernetes.io/not-ready:NoExecute"}},
	}
	for name, tc := range cases {
		got := keys(withConditionTaints(tc.node))
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

// A cordon taints the node once; a node already right is never written.
func TestCordonTaintsOnceAndQuietly(t *testing.T) {
	c := fake.NewClientset(node(true, corev1.ConditionTrue), &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "quiet"}})
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
		if a.GetVerb() == "update" {
			updates++
		}
	}
	if updates != 1 {
		t.Fatalf("%d node updates, want exactly the one that tainted node-1", updates)
	}
}
