package client

import (
	"context"
	"encoding/json"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// ExplainSchedulePath is the control plane's podlab-only endpoint that
// explains a scheduling decision (?namespace=NS&name=POD).
const ExplainSchedulePath = "/podlab/v1/explain-schedule"

// ScheduleExplanation is the scheduler's account of its last decision for a
// pod: every node, the filter plugin that rejected it or the scores that
// ranked it, and the node chosen.
type ScheduleExplanation struct {
	Namespace string    `json:"namespace"`
	Name      string    `json:"name"`
	UID       types.UID `json:"uid"`
	// Release is the kube-scheduler release whose rules were applied.
	Release string `json:"release"`
	// DecidedAt is when the decision was made (now, when Recomputed).
	DecidedAt time.Time `json:"decidedAt"`
	// Recomputed says no decision was recorded for this pod (it was placed
	// before the control plane started, or named its node itself): the
	// decision was worked out now, against the current cluster.
	Recomputed bool `json:"recomputed,omitempty"`
	// RunsOn is the pod's spec.nodeName now ("" while pending).
	RunsOn string `json:"runsOn,omitempty"`
	// Chosen is the node the decision picked ("" when none fits).
	Chosen string `json:"chosen,omitempty"`
	// Message is the FailedScheduling message when no node fits.
	Message string `json:"message,omitempty"`
	// Scored is false when upstream would not score: one feasible node is
	// taken as it is (the scores are still shown).
	Scored bool           `json:"scored"`
	Nodes  []ScheduleNode `json:"nodes"`
}

// ScheduleNode is one node's part in a decision.
type ScheduleNode struct {
	Name     string `json:"name"`
	Feasible bool   `json:"feasible"`
	// RejectedBy is the first filter plugin that rejected the node, Reasons
	// its reasons as FailedScheduling counts them, and Detail podlab's own
	// account of what did not fit.
	RejectedBy string          `json:"rejectedBy,omitempty"`
	Reasons    []string        `json:"reasons,omitempty"`
	Detail     string          `json:"detail,omitempty"`
	Total      int64           `json:"total,omitempty"`
	Scores     []ScheduleScore `json:"scores,omitempty"`
}

// ScheduleScore is one score plugin's verdict on a feasible node: its raw
// score, the score normalised to 0–100, and that times the plugin's weight.
type ScheduleScore struct {
	Plugin     string `json:"plugin"`
	Weight     int64  `json:"weight"`
	Skipped    bool   `json:"skipped,omitempty"` // the plugin had nothing to score for this pod
	Raw        int64  `json:"raw"`
	Normalized int64  `json:"normalized"`
	Weighted   int64  `json:"weighted"`
}

// ExplainSchedule asks the control plane why the scheduler placed the pod
// namespace/name where it did, or why it could not.
func (c *Client) ExplainSchedule(ctx context.Context, namespace, name string) (ScheduleExplanation, error) {
	var e ScheduleExplanation
	res := c.restFor(schema.GroupVersion{Version: "v1"}).Get().AbsPath(ExplainSchedulePath).
		Param("namespace", namespace).Param("name", name).Do(ctx)
	if err := res.Error(); err != nil { // the server's Status, e.g. NotFound
		return e, c.unavailable(err)
	}
	body, _ := res.Raw()
	return e, json.Unmarshal(body, &e)
}
