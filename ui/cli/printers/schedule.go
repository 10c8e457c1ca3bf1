package printers

import (
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/podlab/podlab/runtime/client"
)

// What explain-schedule and the TUI's scheduling view share: the outcome
// of a scheduling decision in a sentence, and a verdict per node.

// ScheduleOutcome is what the scheduler decided, when, and by which
// release's rules: "the scheduler chose node-2 (decided 12s ago,
// kube-scheduler v1.37 rules)", or "no node fits (…)".
func ScheduleOutcome(e client.ScheduleExplanation, now time.Time) string {
	when := duration.HumanDuration(now.Sub(e.DecidedAt)) + " ago"
	if e.Recomputed {
		when = "now"
	}
	if e.Chosen != "" {
		return fmt.Sprintf("the scheduler chose %s (decided %s, kube-scheduler %s rules)", e.Chosen, when, e.Release)
	}
	return fmt.Sprintf("no node fits (decided %s, kube-scheduler %s rules)", when, e.Release)
}

// ScheduleVerdict is one node's part in a decision, as a table row.
type ScheduleVerdict struct {
	Node     string
	Chosen   bool
	Feasible bool
	Total    int64
	// Verdict is "rejected by PLUGIN" or "feasible, total N".
	Verdict string
	// Why is the rejecting plugin's reasons and podlab's account of what
	// did not fit, or the feasible node's weighted score per score plugin
	// ("PLUGIN -" when it had nothing to score for the pod).
	Why string
}

// ScheduleVerdicts are the explanation's nodes, in the order the
// scheduler evaluated them.
func ScheduleVerdicts(e client.ScheduleExplanation) []ScheduleVerdict {
	out := make([]ScheduleVerdict, 0, len(e.Nodes))
	for _, n := range e.Nodes {
		v := ScheduleVerdict{Node: n.Name, Chosen: n.Name == e.Chosen, Feasible: n.Feasible, Total: n.Total}
		if !n.Feasible {
			v.Verdict = "rejected by " + n.RejectedBy
			v.Why = strings.Join(n.Reasons, ", ")
			if n.Detail != "" {
				v.Why += ": " + n.Detail
			}
		} else {
			v.Verdict = fmt.Sprintf("feasible, total %d", n.Total)
			var parts []string
			for _, s := range n.Scores {
				if s.Skipped {
					parts = append(parts, s.Plugin+" -")
				} else {
					parts = append(parts, fmt.Sprintf("%s %d", s.Plugin, s.Weighted))
				}
			}
			v.Why = strings.Join(parts, ", ")
		}
		out = append(out, v)
	}
	return out
}
