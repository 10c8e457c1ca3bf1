package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/podlab/podlab/runtime/client"
)

// schedLab answers ExplainSchedule from answers (NotFound for any other
// pod) and counts the questions.
type schedLab struct {
	client.Interface
	answers map[string]client.ScheduleExplanation
	asked   []string
}

func (l *schedLab) ExplainSchedule(_ context.Context, ns, name string) (client.ScheduleExplanation, error) {
	l.asked = append(l.asked, ns+"/"+name)
	if e, ok := l.answers[name]; ok {
		return e, nil
	}
	return client.ScheduleExplanation{}, apierrors.NewNotFound(corev1.Resource("pods"), name)
}

// scoresOf are the default profile's score plugins with the given
// normalised scores (raw the same); -1 is a plugin with nothing to score.
func scoresOf(values ...int64) []client.ScheduleScore {
	plugins := []struct {
		name   string
		weight int64
	}{{"TaintToleration", 3}, {"NodeAffinity", 2}, {"NodeResourcesFit", 1}, {"PodTopologySpread", 2}, {"InterPodAffinity", 2},
		{"NodeResourcesBalancedAllocation", 1}, {"ImageLocality", 1}}
	var out []client.ScheduleScore
	for i, p := range plugins {
		if values[i] < 0 {
			out = append(out, client.ScheduleScore{Plugin: p.name, Weight: p.weight, Skipped: true})
			continue
		}
		out = append(out, client.ScheduleScore{Plugin: p.name, Weight: p.weight, Raw: values[i], Normalized: values[i], Weighted: values[i] * p.weight})
	}
	return out
}

var (
	taintedControlPlane = client.ScheduleNode{Name: "control-plane", RejectedBy: "TaintToleration", Reasons: []string{"node(s) had untolerated taint(s)"},
		Detail: "the pod does not tolerate the taint node-role.kubernetes.io/control-plane:NoSchedule"}
	cordonedNode2 = client.ScheduleNode{Name: "node-2", RejectedBy: "NodeUnschedulable", Reasons: []string{"node(s) were unschedulable"},
		Detail: "the node is cordoned (spec.unschedulable) and the pod does not tolerate node.kubernetes.io/unschedulable:NoSchedule"}
)

// explanations are the scheduler's answers for mapPods: web was placed on
// node-2 before it was cordoned; no node fits ssd-only.
func explanations() map[string]client.ScheduleExplanation {
	return map[string]client.ScheduleExplanation{
		"web": {Namespace: "default", Name: "web", UID: "u4", Release: "v1.37", DecidedAt: now.Add(-time.Hour), RunsOn: "node-2", Chosen: "node-2", Scored: true,
			Nodes: []client.ScheduleNode{taintedControlPlane,
				{Name: "node-1", Feasible: true, Total: 487, Scores: scoresOf(100, -1, 95, -1, -1, 92, 0)},
				{Name: "node-2", Feasible: true, Total: 500, Scores: scoresOf(100, -1, 100, -1, -1, 100, 0)},
			}},
		"ssd-only": {Namespace: "default", Name: "ssd-only", UID: "u5", Release: "v1.37", DecidedAt: now.Add(-20 * time.Second),
			Message: "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
			Nodes: []client.ScheduleNode{taintedControlPlane,
				{Name: "node-1", RejectedBy: "NodeAffinity", Reasons: []string{"node(s) didn't match Pod's node affinity/selector"},
					Detail: "the node's labels do not match the pod's nodeSelector disk=nvme"},
				cordonedNode2,
			}},
	}
}

// schedModel is the workspace at 80×24 with mapPods and the nodes, asking schedLab.
func schedModel(t *testing.T) (Model, *schedLab) {
	t.Helper()
	lab := &schedLab{answers: explanations()}
	m := New(Options{Client: lab, Now: func() time.Time { return now }})
	return step(t, m, tea.WindowSizeMsg{Width: 80, Height: 24}, podsListedMsg{pods: mapPods()}, nodesListedMsg{nodes: fixtureNodes()}), lab
}

// answered feeds the messages as step does, and the scheduler's answers
// to the questions they lead to back to the model.
func answered(t *testing.T, m Model, msgs ...tea.Msg) Model {
	t.Helper()
	for _, msg := range msgs {
		next, cmd := m.Update(msg)
		m = next.(Model)
		cmds := []tea.Cmd{cmd}
		for len(cmds) > 0 {
			c := cmds[0]
			cmds = cmds[1:]
			if c == nil {
				continue
			}
			switch out := c().(type) {
			case tea.BatchMsg:
				cmds = append(cmds, out...)
			case scheduleMsg:
				next, cmd := m.Update(out)
				m = next.(Model)
				cmds = append(cmds, cmd)
			}
		}
	}
	return m
}

func TestSchedulingViewOfAScheduledPod(t *testing.T) {
	m, lab := schedModel(t)
	// web is the last pod by name: ↓ three times, then n.
	m = answered(t, m, press("j", "j", "j", "n")...)
	s := screenText(m)
	checkFits(t, s, 80, 24)
	if m.selected != "web" || m.pane != paneScheduling || len(lab.asked) != 1 || lab.asked[0] != "default/web" {
		t.Fatalf("selected %q, pane %v, asked %v", m.selected, m.pane, lab.asked)
	}
	for _, want := range []string{
		"pod/web   describe   anatomy   events   timeline   logs  [scheduling]",
		"The scheduler chose node-2 (decided 60m ago, kube-scheduler v1.37 rules)",
		"control-plane  rejected by TaintToleration",
		"node-1         feasible, total 487",
		"node-2         chosen, total 500",
		"TaintToleration 300, NodeAffinity -, NodeResourcesFit 100",
	} {
		if !strings.Contains(s, want) {
			t.Fatalf("the scheduling view lacks %q:\n%s", want, s)
		}
	}
	// In the scheduler's evaluation order.
	if cp, n1, n2 := strings.Index(s, "control-plane  "), strings.Index(s, "node-1  "), strings.Index(s, "node-2  "); !(cp < n1 && n1 < n2) {
		t.Fatalf("nodes out of order:\n%s", s)
	}
	golden(t, "scheduling-scheduled", s)

	// Nothing it depends on changed: it is not asked again.
	m = answered(t, m, press("d", "n")...)
	if len(lab.asked) != 1 {
		t.Fatalf("asked again for the same: %v", lab.asked)
	}
	// A node changes: it is asked again, and the new answer shows.
	e := lab.answers["web"]
	e.Nodes = append([]client.ScheduleNode{}, e.Nodes...)
	e.Nodes[1] = client.ScheduleNode{Name: "node-1", RejectedBy: "NodeResourcesFit", Reasons: []string{"Insufficient cpu"}, Detail: "the pod requests 500m cpu, 200m of 2 is free"}
	lab.answers["web"] = e
	n1 := fixtureNodes()[2]
	m = answered(t, m, nodeEventMsg{node: &n1})
	if s := screenText(m); len(lab.asked) != 2 || !strings.Contains(s, "node-1         rejected by NodeResourcesFit") || !strings.Contains(s, "Insufficient cpu: the pod requests 500m cpu") {
		t.Fatalf("after a node change (asked %v):\n%s", lab.asked, s)
	}
	// The pod itself changes: asked again.
	web := mapPods()[2]
	web.ResourceVersion = "7"
	if m = answered(t, m, podEventMsg{pod: &web}); len(lab.asked) != 3 {
		t.Fatalf("after the pod changed: asked %v", lab.asked)
	}
	// Another pod selected: asked for it; one the lab can't explain says so.
	m = answered(t, m, press("k")...)
	if s := screenText(m); lab.asked[len(lab.asked)-1] != "default/ssd-only" || !strings.Contains(s, "No node fits") {
		t.Fatalf("after ↑ (asked %v):\n%s", lab.asked, s)
	}
	m = answered(t, m, press("k", "k")...)
	if s := screenText(m); m.selected != "crasher" || !strings.Contains(s, `The scheduler can't explain pod/crasher: pods "crasher" not found`) {
		t.Fatalf("a pod the scheduler can't explain:\n%s", s)
	}
}

func TestSchedulingViewOfAPendingPodFromTheNodeMap(t *testing.T) {
	m, lab := schedModel(t)
	m = step(t, m, press("m", "right", "right")...)
	if m.selected != "ssd-only" || !strings.Contains(screenText(m), "n why? • j/k scroll • m/esc back") {
		t.Fatalf("selected %q on the map:\n%s", m.selected, screenText(m))
	}
	// n opens the workspace on the pod's scheduling view, which asks the scheduler.
	next, ask := m.Update(press("n")[0])
	m = next.(Model)
	if s := screenText(m); m.screen != screenWorkspace || m.pane != paneScheduling || ask == nil ||
		!strings.Contains(s, "Asking the scheduler why pod/ssd-only is where it is…") {
		t.Fatalf("n on the map: screen %d pane %v:\n%s", m.screen, m.pane, s)
	}
	// An answer to an earlier question is dropped.
	answer := ask().(scheduleMsg)
	stale := answer
	stale.key, stale.e = "ssd-only/u5/earlier", client.ScheduleExplanation{Chosen: "node-1"}
	m = step(t, m, stale)
	if s := screenText(m); !strings.Contains(s, "Asking the scheduler") {
		t.Fatalf("a stale answer was shown:\n%s", s)
	}
	m = step(t, m, answer)
	s := screenText(m)
	checkFits(t, s, 80, 24)
	for _, want := range []string{
		"No node fits (decided 20s ago, kube-scheduler v1.37 rules)",
		"  0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector,",
		"node-1         rejected by NodeAffinity",
		"node(s) didn't match Pod's node affinity/selector: the node's",
		"node-2         rejected by NodeUnschedulable",
	} {
		if !strings.Contains(s, want) {
			t.Fatalf("the scheduling view lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "chosen") || len(lab.asked) != 1 {
		t.Fatalf("asked %v:\n%s", lab.asked, s)
	}
	golden(t, "scheduling-pending", s)
}
