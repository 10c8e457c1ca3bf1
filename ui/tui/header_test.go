package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The header counts the lab's nodes once they are listed, and says how
// many are not Ready (a stopped kubelet's node, say).
func TestHeaderCountsNodes(t *testing.T) {
	m := newTestModel(t)
	if s := ansi.Strip(m.titleLine()); strings.Contains(s, "node") {
		t.Fatalf("header before the nodes are listed: %q", s)
	}
	node := func(name string, ready corev1.ConditionStatus) corev1.Node {
		return corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name},
			Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready}}}}
	}
	m = step(t, m, nodesListedMsg{nodes: []corev1.Node{node("control-plane", corev1.ConditionTrue), node("node-1", corev1.ConditionTrue), node("node-2", corev1.ConditionTrue)}})
	if s := ansi.Strip(m.titleLine()); !strings.Contains(s, "namespace default · 2 pods · 3 nodes  ") {
		t.Errorf("header %q", s)
	}
	m = step(t, m, nodeEventMsg{node: &[]corev1.Node{node("node-1", corev1.ConditionUnknown)}[0]})
	if s := ansi.Strip(m.titleLine()); !strings.Contains(s, "· 3 nodes, 1 NotReady") {
		t.Errorf("header with node-1 NotReady %q", s)
	}
}
