package kubectl

import (
	"bytes"
	"testing"
	"time"

	"github.com/podlab/podlab/runtime/client"
)

// scores are the default profile's plugins with the given normalised
// scores (raw the same); -1 is a skipped plugin.
func scores(values ...int64) []client.ScheduleScore {
	plugins := []struct {
		name   string
		weight int64
	}{{"TaintToleration", 3}, {"NodeAffinity", 2}, {"NodeResourcesFit", 1}, {"PodTopologySpread", 2}, {"InterPodAffinity", 2},
		{"NodeResourcesBalancedAllocation", 1}, {"ImageLocality", 1}}
	var out []client.ScheduleScore
	for i, p := range plugins {
		v := values[i]
		if v < 0 {
			out = append(out, client.ScheduleScore{Plugin: p.name, Weight: p.weight, Skipped: true})
			continue
		}
		out = append(out, client.ScheduleScore{Plugin: p.name, Weight: p.weight, Raw: v, Normalized: v, Weighted: v * p.weight})
	}
	return out
}

var decided = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

var controlPlane = client.ScheduleNode{Name: "control-plane", RejectedBy: "TaintToleration", Reasons: []string{"node(s) had untolerated taint(s)"},
	Detail: "the pod does not tolerate the taint node-role.kubernetes.io/control-plane:NoSchedule"}

func TestPrintScheduleExplanation(t *testing.T) {
	e := client.ScheduleExplanation{
		Namespace: "default", Name: "web", Release: "v1.37", DecidedAt: decided, Chosen: "node-2", Scored: true, RunsOn: "node-2",
		Nodes: []client.ScheduleNode{controlPlane,
			{Name: "node-1", Feasible: true, Total: 487, Scores: scores(100, -1, 95, -1, -1, 92, 0)},
			{Name: "node-2", Feasible: true, Total: 500, Scores: scores(100, -1, 100, -1, -1, 100, 0)},
		},
	}
	e.Nodes[1].Scores[0].Raw = 0 // TaintToleration: no PreferNoSchedule taint, 0 reversed to 100
	var b bytes.Buffer
	printScheduleExplanation(&b, e, decided.Add(12*time.Second))
	want := `Pod default/web: the scheduler chose node-2 (decided 12s ago, kube-scheduler v1.37 rules)

NODE (* chosen)  VERDICT                      WHY
control-plane    rejected by TaintToleration  node(s) had untolerated taint(s): the pod does not tolerate the taint node-role.kubernetes.io/control-plane:NoSchedule
node-1           feasible, total 487          TaintToleration 300, NodeAffinity -, NodeResourcesFit 95, PodTopologySpread -, InterPodAffinity -, NodeResourcesBalancedAllocation 92, ImageLocality 0
node-2 *         feasible, total 500          TaintToleration 300, NodeAffinity -, NodeResourcesFit 100, PodTopologySpread -, InterPodAffinity -, NodeResourcesBalancedAllocation 100, ImageLocality 0

Scores: weighted (raw → normalised 0-100); weighted = normalised × weight; - = nothing to score for this pod.
PLUGIN                           WEIGHT  node-1         node-2
TaintToleration                  3       300 (0 → 100)  300 (100 → 100)
NodeAffinity                     2       -              -
NodeResourcesFit                 1       95 (95 → 95)   100 (100 → 100)
PodTopologySpread                2       -              -
InterPodAffinity                 2       -              -
NodeResourcesBalancedAllocation  1       92 (92 → 92)   100 (100 → 100)
ImageLocality                    1       0 (0 → 0)      0 (0 → 0)
TOTAL                                    487            500

The highest total wins; podlab gives equal totals to the node first by name.
`
	if b.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestPrintScheduleExplanationRecomputedAndUnschedulable(t *testing.T) {
	e := client.ScheduleExplanation{
		Namespace: "team", Name: "db", Release: "v1.37", DecidedAt: decided, Recomputed: true, RunsOn: "node-1",
		Message: "0/2 nodes are available: 1 node(s) had untolerated taint(s), 1 node(s) didn't match pod anti-affinity rules. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
		Nodes: []client.ScheduleNode{controlPlane, {Name: "node-1", RejectedBy: "InterPodAffinity", Reasons: []string{"node(s) didn't match pod anti-affinity rules"},
			Detail: "pod team/db-0, which the pod's required anti-affinity selects, runs in kubernetes.io/hostname=node-1"}},
	}
	var b bytes.Buffer
	printScheduleExplanation(&b, e, decided)
	want := `Pod team/db: no node fits (decided now, kube-scheduler v1.37 rules)
  0/2 nodes are available: 1 node(s) had untolerated taint(s), 1 node(s) didn't match pod anti-affinity rules. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.
No decision is recorded for this pod (it was placed before the control plane started,
or it named its node itself): this is the decision the scheduler would make now,
against the current cluster, without the pod itself.
The pod runs on node-1.

NODE (* chosen)  VERDICT                       WHY
control-plane    rejected by TaintToleration   node(s) had untolerated taint(s): the pod does not tolerate the taint node-role.kubernetes.io/control-plane:NoSchedule
node-1           rejected by InterPodAffinity  node(s) didn't match pod anti-affinity rules: pod team/db-0, which the pod's required anti-affinity selects, runs in kubernetes.io/hostname=node-1
`
	if b.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

// The verb is registered and refuses output formats it does not know.
func TestExplainScheduleVerb(t *testing.T) {
	h := newHarness(t)
	if _, errOut, code := h.Run("", "explain-schedule", "web", "-o", "yaml"); code != 1 ||
		errOut != "error: unable to match a printer suitable for the output format \"yaml\", allowed formats are: json\n" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}
