package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// fixtureNodes is a kubeadm-like lab: the tainted control plane, node-1
// with the learner's labels, node-2 cordoned (with the taint the node
// lifecycle controller adds).
func fixtureNodes() []corev1.Node {
	ready := []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	builtin := func(name string, more map[string]string) map[string]string {
		l := map[string]string{"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}
		for k, v := range more {
			l[k] = v
		}
		return l
	}
	return []corev1.Node{
		{
			ObjectMeta: metav1.ObjectMeta{Name: "node-2", UID: "n2", Labels: builtin("node-2", map[string]string{"zone": "b"})},
			Spec: corev1.NodeSpec{Unschedulable: true, Taints: []corev1.Taint{
				{Key: "node.kubernetes.io/unschedulable", Effect: corev1.TaintEffectNoSchedule}}},
			Status: corev1.NodeStatus{Conditions: ready},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "control-plane", UID: "n0", Labels: builtin("control-plane", map[string]string{
				"node-role.kubernetes.io/control-plane": "", "node.kubernetes.io/exclude-from-external-load-balancers": ""})},
			Spec:   corev1.NodeSpec{Taints: []corev1.Taint{{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}}},
			Status: corev1.NodeStatus{Conditions: ready},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "node-1", UID: "n1", Labels: builtin("node-1", map[string]string{"disk": "ssd", "zone": "a"})},
			Status:     corev1.NodeStatus{Conditions: ready},
		},
	}
}

// mapPods are the fixture's pods on node-1, one on node-2 from before it
// was cordoned, and one the scheduler found no node for.
func mapPods() []corev1.Pod {
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ago(time.Minute)}}
	return append(fixturePods(),
		corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "u4", CreationTimestamp: ago(time.Hour)},
			Spec:       corev1.PodSpec{NodeName: "node-2", Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
				{Name: "web", Ready: true, State: running}}},
		},
		corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "ssd-only", Namespace: "default", UID: "u5", CreationTimestamp: ago(time.Minute)},
			Spec: corev1.PodSpec{NodeSelector: map[string]string{"disk": "nvme"},
				Containers: []corev1.Container{{Name: "app", Image: "busybox"}}},
			Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
				Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
				Message: "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.\nsecond line",
			}}},
		},
	)
}

// nodeMapModel is the workspace at 80×24 with the fixture's nodes and pods, the map open.
func nodeMapModel(t *testing.T) Model {
	t.Helper()
	m := New(Options{Now: func() time.Time { return now }})
	m = step(t, m, tea.WindowSizeMsg{Width: 80, Height: 24}, podsListedMsg{pods: mapPods()}, nodesListedMsg{nodes: fixtureNodes()})
	return step(t, m, press("m")...)
}

func checkFits(t *testing.T, s string, width, height int) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) != height {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), height, s)
	}
	for _, l := range lines {
		if ansi.StringWidth(l) > width {
			t.Fatalf("line wider than %d: %q", width, l)
		}
	}
}

func TestNodeMapShowsNodesLabelsTaintsAndPods(t *testing.T) {
	m := nodeMapModel(t)
	if m.screen != screenNodes {
		t.Fatalf("m opened screen %d", m.screen)
	}
	s := screenText(m)
	checkFits(t, s, 80, 24)
	for _, want := range []string{
		"control-plane (control-plane)", "node-role.kubernetes.io/", "control-plane:NoSchedule",
		"Ready,SchedulingDisabled", "disk=ssd  zone=a", "+3 kubernetes.io/* labels", "+5 kubernetes.io/* labels",
		"crasher CrashLoopBackOff 3 (30s ago)", "web  Running",
		"Pending · no node · 1 pod", "↳ 0/3 nodes are available: 1 node(s) didn't match Pod's node",
		"m/esc back",
	} {
		if !strings.Contains(s, want) {
			t.Fatalf("the map lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "second line") || strings.Contains(s, "kubernetes.io/hostname") {
		t.Fatalf("the map shows more than the reason's first line or unfolded labels:\n%s", s)
	}
	// control-plane, then node-1 beside it; node-2 below, then the pending pods.
	if cp, n1, n2, p := strings.Index(s, "control-plane"), strings.Index(s, "node-1"), strings.Index(s, "node-2"), strings.Index(s, "Pending"); !(cp < n1 && n1 < n2 && n2 < p) {
		t.Fatalf("boxes out of order:\n%s", s)
	}
	golden(t, "nodemap", s)
	// esc leads back to the workspace it was opened from.
	if m = step(t, m, press("esc")...); m.screen != screenWorkspace {
		t.Fatalf("esc: screen %d", m.screen)
	}
}

func TestNodeMapFollowsNodeChanges(t *testing.T) {
	// The command bar works on the map; its output shows above the keys.
	m, ran := withRun(nodeMapModel(t), "node/node-2 labeled\n")
	m = step(t, m, press(":", "label node node-2 disk=nvme", "enter")...)
	if len(*ran) != 1 || strings.Join((*ran)[0].args, " ") != "label node node-2 disk=nvme" || m.screen != screenNodes ||
		!strings.Contains(screenText(m), "node/node-2 labeled\n↑/↓ pod") {
		t.Fatalf("ran %+v on the map:\n%s", *ran, screenText(m))
	}
	// The label arrives by the nodes' watch.
	nodes := fixtureNodes()
	n2 := nodes[0]
	n2.Labels["disk"] = "nvme"
	n2.Spec.Unschedulable = false
	n2.Spec.Taints = nil
	m = step(t, m, nodeEventMsg{node: &n2})
	s := screenText(m)
	if !strings.Contains(s, "disk=nvme  zone=b") || strings.Contains(s, "SchedulingDisabled") || strings.Contains(s, "unschedulable:NoSchedule") {
		t.Fatalf("the map did not follow node-2's change:\n%s", s)
	}
	// The pending pod is scheduled there: it moves into node-2's box.
	pods := mapPods()
	ssd := pods[3]
	ssd.Spec.NodeName = "node-2"
	ssd.Status.Conditions = nil
	m = step(t, m, podEventMsg{pod: &ssd})
	s = screenText(m)
	checkFits(t, s, 80, 24)
	golden(t, "nodemap-relabelled", s)
	if strings.Contains(s, "Pending ·") || !strings.Contains(s, "node-2") || !strings.Contains(s, "2 pods") {
		t.Fatalf("the scheduled pod is not on node-2:\n%s", s)
	}
	// A node deleted leaves its pods in a box that says so.
	m = step(t, m, nodeEventMsg{node: &n2, deleted: true})
	if s := screenText(m); !strings.Contains(s, "not in the lab's nodes") {
		t.Fatalf("pods of a deleted node:\n%s", s)
	}
}

func TestNodeMapEnterShowsThePodInTheWorkspace(t *testing.T) {
	m := nodeMapModel(t)
	if m.selected != "crasher" {
		t.Fatalf("selected %q", m.selected)
	}
	// ↓ walks node-1's pods, → goes to node-2's first, → again to the pending one, ← back.
	m = step(t, m, press("down")...)
	if m.selected != "nginx" {
		t.Fatalf("↓: %q", m.selected)
	}
	m = step(t, m, press("right", "right")...)
	if m.selected != "ssd-only" {
		t.Fatalf("→→: %q", m.selected)
	}
	m = step(t, m, press("left")...)
	if m.selected != "web" {
		t.Fatalf("←: %q", m.selected)
	}
	m = step(t, m, press("enter")...)
	s := screenText(m)
	if m.screen != screenWorkspace || !strings.Contains(s, "pod/web  [describe]") || !strings.Contains(s, "Node:         node-2/") {
		t.Fatalf("enter did not show web in the workspace (screen %d):\n%s", m.screen, s)
	}
}

func TestNodeMapScrollsWhenItDoesNotFit(t *testing.T) {
	m := nodeMapModel(t)
	m = step(t, m, tea.WindowSizeMsg{Width: 80, Height: 14})
	s := screenText(m)
	checkFits(t, s, 80, 14)
	if !strings.Contains(s, "lines 1–11 of") {
		t.Fatalf("no scroll line:\n%s", s)
	}
	m = step(t, m, press("j", "j")...)
	if s := screenText(m); !strings.Contains(s, "lines 3–13 of") {
		t.Fatalf("j did not scroll:\n%s", s)
	}
	// Selecting the pending pod scrolls it into view.
	m = step(t, m, press("right", "right")...)
	if s := screenText(m); m.selected != "ssd-only" || !strings.Contains(s, "ssd-only") {
		t.Fatalf("the selected pod is off screen:\n%s", s)
	}
	m = step(t, m, press("k", "k", "k", "k", "k", "k", "k", "k", "k", "k", "k", "k", "k", "k", "k", "k", "k", "k", "k", "k")...)
	if s := screenText(m); !strings.Contains(s, "lines 1–11 of") {
		t.Fatalf("k did not scroll back to the top:\n%s", s)
	}
}

func TestNodeMapUsesTheWidth(t *testing.T) {
	m := nodeMapModel(t)
	m = step(t, m, tea.WindowSizeMsg{Width: 150, Height: 30})
	s := screenText(m)
	checkFits(t, s, 150, 30)
	// All three nodes in one row, the kubernetes.io labels unfolded.
	var row string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "control-plane") && strings.Contains(l, "node-1") && strings.Contains(l, "node-2") {
			row = l
		}
	}
	if row == "" || !strings.Contains(s, "kubernetes.io/hostname=node-1") || strings.Contains(s, "kubernetes.io/* labels") {
		t.Fatalf("a wide map:\n%s", s)
	}
}

func TestNodeMapBesideTheLesson(t *testing.T) {
	m := learningModel(t)
	m = step(t, m, tea.WindowSizeMsg{Width: 160, Height: 30}, podsListedMsg{pods: mapPods()}, nodesListedMsg{nodes: fixtureNodes()})
	m = step(t, m, press("enter", "m")...)
	s := screenText(m)
	checkFits(t, s, 160, 30)
	if m.screen != screenLesson || !m.nodeMap.beside || !strings.Contains(s, "Your first Pod") || !strings.Contains(s, "╭─ node-1") {
		t.Fatalf("the map is not beside the lesson:\n%s", s)
	}
	m = step(t, m, press("down", "enter")...)
	if s := screenText(m); m.screen != screenLesson || m.nodeMap.beside || m.selected != "nginx" || !strings.Contains(s, "pod/nginx") {
		t.Fatalf("enter beside the lesson: screen %d beside %v selected %q:\n%s", m.screen, m.nodeMap.beside, m.selected, s)
	}
	// Narrow, m opens the map full screen and esc leads back to the lesson.
	m = step(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	if m = step(t, m, press("m")...); m.screen != screenNodes {
		t.Fatalf("m in a narrow lesson: screen %d", m.screen)
	}
	if m = step(t, m, press("esc")...); m.screen != screenLesson {
		t.Fatalf("esc from the map: screen %d", m.screen)
	}
}

func TestNodeMapBeforeTheNodesAreListed(t *testing.T) {
	m := step(t, newTestModel(t), press("m")...)
	if s := screenText(m); !strings.Contains(s, "Waiting for the lab's nodes…") {
		t.Fatalf("before the nodes:\n%s", s)
	}
}
