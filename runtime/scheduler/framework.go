package scheduler

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
)

// code is a plugin's verdict, as upstream's status codes.
type code int

const (
	codeSuccess code = iota
	// codeUnschedulable: the node does not fit, but evicting pods of lower
	// priority could make it (preemption would look at it).
	codeUnschedulable
	// codeUnresolvable is upstream's UnschedulableAndUnresolvable: nothing
	// preemption could do would make the node fit.
	codeUnresolvable
	// codeSkip: the plugin has nothing to check for this pod.
	codeSkip
)

// status is a plugin's rejection: upstream's reasons, which FailedScheduling
// counts, and podlab's own account of what did not fit, for explanations.
type status struct {
	code    code
	plugin  string
	reasons []string
	detail  string
}

func reject(c code, detail string, reasons ...string) *status {
	return &status{code: c, reasons: reasons, detail: detail}
}

var skipped = &status{code: codeSkip}

// filterPlugin is one of the default profile's filter plugins: preFilter
// (optional) looks at the pod once and may restrict the nodes to a set,
// reject the pod outright, or skip the plugin's filter; filter checks one node.
type filterPlugin struct {
	name      string
	preFilter func(c *cycle) (sets.Set[string], *status)
	filter    func(c *cycle, n *nodeInfo) *status
}

// scorePlugin is one of the default profile's score plugins: preScore
// (optional) looks at the pod and the feasible nodes once and reports
// false to skip the plugin, score rates a node, and normalize (optional;
// without it the scores are 0–100 already) brings the scores of all
// feasible nodes to 0–100, as upstream's NormalizeScore. The normalised
// score times weight counts toward the node's total.
type scorePlugin struct {
	name      string
	weight    int64
	preScore  func(c *cycle, nodes []*nodeInfo) bool
	score     func(c *cycle, n *nodeInfo) int64
	normalize func(c *cycle, nodes []*nodeInfo, scores []int64)
}

// maxNodeScore is the highest score a plugin gives after normalising.
const maxNodeScore int64 = 100

// The default profile of kube-scheduler v1.37
// (pkg/scheduler/apis/config/v1/default_plugins.go), with the plugins for
// volumes, dynamic resources, declared node features and pod groups left
// out: the lab has none of those objects, so upstream's plugins would skip.
func filterPlugins() []filterPlugin {
	return []filterPlugin{nodeNamePlugin, nodeUnschedulablePlugin, taintTolerationFilter, nodeAffinityFilter,
		nodePortsPlugin, nodeResourcesFitFilter, podTopologySpreadFilter, interPodAffinityFilter}
}

func scorePlugins() []scorePlugin {
	return []scorePlugin{taintTolerationScore, nodeAffinityScore, nodeResourcesFitScore, podTopologySpreadScore,
		interPodAffinityScore, balancedAllocationScore, imageLocalityScore}
}

var (
	defaultFilters = filterPlugins()
	defaultScores  = scorePlugins()
)

// cycle is one decision for one pod: the pod, the cluster, and what the
// plugins' PreFilter and PreScore worked out for the rest of the cycle.
type cycle struct {
	pod  *corev1.Pod
	info *podInfo
	snap *snapshot
	// skip holds the filters whose PreFilter found nothing to check.
	skip map[string]bool
	// nsLabels are the labels of the pod's namespace.
	nsLabels labels.Set

	required       nodeaffinity.RequiredNodeAffinity // NodeAffinity
	preferred      *nodeaffinity.PreferredSchedulingTerms
	preferTaints   []corev1.Toleration // TaintToleration's scoring tolerations
	spread         *spreadState        // PodTopologySpread's filter
	spreadScores   *spreadScoreState
	podAffinity    *podAffinityState // InterPodAffinity's filter
	affinityScores map[string]map[string]int64
	nonZeroRequest resources // the pod's requests as LeastAllocated counts them
}

func newCycle(pod *corev1.Pod, info *podInfo, s *snapshot) *cycle {
	return &cycle{pod: pod, info: info, snap: s, skip: map[string]bool{}, nsLabels: s.nsLabels(pod.Namespace),
		required: nodeaffinity.GetRequiredNodeAffinity(pod)}
}

// Decision is the outcome of one scheduling attempt, with each node's part.
type Decision struct {
	// Node is the node chosen ("" when none fits).
	Node string
	// Nodes are the cluster's nodes, by name.
	Nodes []NodeResult
	// Message is the FailedScheduling message when no node fits.
	Message string
	// Diagnosis counts the reasons nodes were rejected for.
	Diagnosis Diagnosis
	// Scored is false when upstream binds without scoring: one node fits.
	// (The scores are worked out anyway, to be explained.)
	Scored bool
}

// NodeResult is a node's part in a decision: the plugin that rejected it
// and why, or the score plugins' verdicts and their weighted total.
type NodeResult struct {
	Name    string
	Plugin  string // the rejecting filter plugin; "" when the node fits
	Reasons []string
	Detail  string
	code    code
	Total   int64
	Scores  []PluginScore
}

// Feasible says the node passed every filter.
func (r NodeResult) Feasible() bool { return r.Plugin == "" }

// PluginScore is a score plugin's verdict on a node.
type PluginScore struct {
	Plugin          string
	Weight          int64
	Skipped         bool
	Raw, Normalized int64
}

// Decide makes one scheduling decision for pod on cl, as kube-scheduler's
// default profile would: filters in order (a node reports the first one
// that rejects it), then the feasible nodes scored and the highest total
// chosen. Where upstream leaves equal totals to chance, the node first by
// name wins.
func Decide(pod *corev1.Pod, cl Cluster) *Decision {
	s := newSnapshot(cl, nil)
	return decide(pod, newPodInfo(pod), s)
}

// errNoNodes is upstream's ErrNoNodesAvailable.
const errNoNodes = "no nodes available to schedule pods"

func decide(pod *corev1.Pod, info *podInfo, s *snapshot) *Decision {
	d := &Decision{Diagnosis: Diagnosis{}}
	if len(s.nodes) == 0 {
		d.Message = errNoNodes
		return d
	}
	d.Nodes = make([]NodeResult, len(s.nodes))
	for i, ni := range s.nodes {
		d.Nodes[i].Name = ni.node.Name
	}
	c := newCycle(pod, info, s)

	allowed, restricting, st := c.preFilter()
	if st != nil {
		// Upstream gives every node the PreFilter's status and reports its
		// message alone.
		for i := range d.Nodes {
			d.Nodes[i].reject(st)
			d.Diagnosis.add(st.reasons)
		}
		d.Message = fmt.Sprintf("0/%d nodes are available: %s. %s", len(s.nodes), strings.Join(st.reasons, ", "), c.preemption(d.Nodes))
		return d
	}
	// Nodes a PreFilter left out are UnschedulableAndUnresolvable.
	absent := &status{code: codeUnresolvable, plugin: strings.Join(restricting, ", "),
		reasons: []string{fmt.Sprintf("node(s) didn't satisfy plugin(s) %v", restricting)}}
	if allowed != nil {
		absent.detail = "not among the nodes " + absent.plugin + " allows: " + strings.Join(sets.List(allowed), ", ")
	}
	var feasible []int
	for i, ni := range s.nodes {
		if allowed != nil && !allowed.Has(ni.node.Name) {
			d.Nodes[i].reject(absent)
			d.Diagnosis.add(absent.reasons)
			continue
		}
		if st := c.filter(ni); st != nil {
			d.Nodes[i].reject(st)
			d.Diagnosis.add(st.reasons)
			continue
		}
		feasible = append(feasible, i)
	}
	if len(feasible) == 0 {
		d.Message = d.Diagnosis.Message(len(s.nodes)) + " " + c.preemption(d.Nodes)
		return d
	}
	d.Scored = len(feasible) > 1
	c.scoreNodes(d, feasible)
	best := feasible[0]
	for _, i := range feasible[1:] {
		if d.Nodes[i].Total > d.Nodes[best].Total {
			best = i
		}
	}
	d.Node = d.Nodes[best].Name
	return d
}

func (r *NodeResult) reject(st *status) {
	r.Plugin, r.Reasons, r.Detail, r.code = st.plugin, st.reasons, st.detail, st.code
}

// preFilter runs the PreFilter plugins as upstream's RunPreFilterPlugins:
// it returns the nodes the plugins restrict the pod to (nil: all) and the
// plugins that restricted them, or the status that rejects the pod on
// every node.
func (c *cycle) preFilter() (sets.Set[string], []string, *status) {
	var allowed sets.Set[string]
	var restricting []string
	var resolvable *status
	for _, pl := range defaultFilters {
		if pl.preFilter == nil {
			continue
		}
		nodes, st := pl.preFilter(c)
		if st != nil {
			if st.code == codeSkip {
				c.skip[pl.name] = true
				continue
			}
			st.plugin = pl.name
			if st.code == codeUnresolvable {
				return nil, nil, st
			}
			// Unschedulable: the other PreFilters still run.
			resolvable = st
			continue
		}
		if nodes == nil {
			continue
		}
		restricting = append(restricting, pl.name)
		if allowed == nil {
			allowed = nodes
		} else {
			allowed = allowed.Intersection(nodes)
		}
		if len(allowed) == 0 {
			sorted := sets.List(sets.New(restricting...))
			msg := fmt.Sprintf("node(s) didn't satisfy plugin(s) %v simultaneously", sorted)
			if len(sorted) == 1 {
				msg = "node(s) didn't satisfy plugin " + sorted[0]
			}
			return nil, nil, &status{code: codeUnresolvable, plugin: strings.Join(sorted, ", "), reasons: []string{msg},
				detail: "no node is left once each of them has restricted the nodes"}
		}
	}
	if resolvable != nil {
		return nil, nil, resolvable
	}
	return allowed, sets.List(sets.New(restricting...)), nil
}

// filter runs the filter plugins on a node in order and returns the first
// rejection (nil: the node fits).
func (c *cycle) filter(ni *nodeInfo) *status {
	for _, pl := range defaultFilters {
		if c.skip[pl.name] {
			continue
		}
		if st := pl.filter(c, ni); st != nil {
			st.plugin = pl.name
			return st
		}
	}
	return nil
}

// scoreNodes runs the score plugins on the feasible nodes, normalises and
// weighs their scores (upstream's RunScorePlugins) and sums each node's.
func (c *cycle) scoreNodes(d *Decision, feasible []int) {
	nodes := make([]*nodeInfo, len(feasible))
	for j, i := range feasible {
		nodes[j] = c.snap.nodes[i]
		d.Nodes[i].Scores = make([]PluginScore, 0, len(defaultScores))
	}
	raw := make([]int64, len(nodes))
	norm := make([]int64, len(nodes))
	for _, pl := range defaultScores {
		run := pl.preScore == nil || pl.preScore(c, nodes)
		if run {
			for j, ni := range nodes {
				raw[j] = pl.score(c, ni)
			}
			copy(norm, raw)
			if pl.normalize != nil {
				pl.normalize(c, nodes, norm)
			}
		}
		for j, i := range feasible {
			ps := PluginScore{Plugin: pl.name, Weight: pl.weight, Skipped: !run}
			if run {
				ps.Raw, ps.Normalized = raw[j], norm[j]
				d.Nodes[i].Total += norm[j] * pl.weight
			}
			d.Nodes[i].Scores = append(d.Nodes[i].Scores, ps)
		}
	}
}

// defaultNormalizeScore is upstream's helper.DefaultNormalizeScore: scores
// scaled so the highest is maxNodeScore (reversed: the highest becomes 0),
// all maxNodeScore when reversed and all zero.
func defaultNormalizeScore(reverse bool, scores []int64) {
	var highest int64
	for _, s := range scores {
		highest = max(highest, s)
	}
	if highest == 0 {
		if reverse {
			for i := range scores {
				scores[i] = maxNodeScore
			}
		}
		return
	}
	for i, s := range scores {
		s = maxNodeScore * s / highest
		if reverse {
			s = maxNodeScore - s
		}
		scores[i] = s
	}
}
