package scheduler

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Diagnosis counts, per reason, the nodes a pod did not fit.
type Diagnosis map[string]int

func (d Diagnosis) add(reasons []string) {
	for _, r := range reasons {
		d[r]++
	}
}

// Message renders the reasons as upstream's FitError.Error() does, e.g.
// "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s)
// didn't match Pod's node affinity/selector.": each reason with the number
// of nodes that gave it, the "N reason" strings sorted as strings.
func (d Diagnosis) Message(total int) string {
	parts := make([]string, 0, len(d))
	for reason, n := range d {
		parts = append(parts, fmt.Sprintf("%d %s", n, reason))
	}
	sort.Strings(parts)
	msg := fmt.Sprintf("0/%d nodes are available:", total)
	if len(parts) > 0 {
		msg += " " + strings.Join(parts, ", ") + "."
	}
	return msg
}

// Upstream's DefaultPreemption words (pkg/scheduler/framework/preemption).
const (
	reasonNoVictims          = "No preemption victims found for incoming pod"
	reasonPreemptionNotHelps = "Preemption is not helpful for scheduling"
)

// preemption is the PostFilter part of the FailedScheduling message, as
// upstream's DefaultPreemption words it when it finds nothing to evict.
// The lab never preempts: a node that preemption could help (rejected
// Unschedulable rather than UnschedulableAndUnresolvable) is reported as
// having no victims, which is what upstream finds when every pod has the
// same priority — the lab's admission gives every pod priority 0.
func (c *cycle) preemption(nodes []NodeResult) string {
	if p := c.pod.Spec.PreemptionPolicy; p != nil && *p == corev1.PreemptNever {
		return "preemption: not eligible due to preemptionPolicy=Never."
	}
	d := Diagnosis{}
	for _, r := range nodes {
		if r.code == codeUnschedulable {
			d[reasonNoVictims]++
		} else {
			d[reasonPreemptionNotHelps]++
		}
	}
	return "preemption: " + d.Message(len(nodes))
}
