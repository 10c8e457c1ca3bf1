package scheduler

import (
	"math"

	corev1 "k8s.io/api/core/v1"
)

// spreadScoreState is PodTopologySpread's PreScore: the ScheduleAnyway
// constraints, the feasible nodes left out (without every topology key,
// when the pod set its own constraints), the matching pods in each domain
// of the feasible nodes, and each constraint's weight, log(domains + 2).
type spreadScoreState struct {
	constraints []spreadConstraint
	ignored     map[string]bool
	counts      []map[string]int64
	weights     []float64
}

// podTopologySpreadScore is upstream's PodTopologySpread score (weight 2):
// a node scores, per constraint, the matching pods in its domain times the
// constraint's weight, plus maxSkew − 1; normalising reverses it, so the
// emptiest domain scores 100. Without constraints of its own a pod of a
// controller gets the system defaults (hostname, maxSkew 3; zone, maxSkew
// 5); with no constraints at all the plugin is skipped.
var podTopologySpreadScore = scorePlugin{
	name:   "PodTopologySpread",
	weight: 2,
	preScore: func(c *cycle, feasible []*nodeInfo) bool {
		cs := spreadConstraints(c.pod, corev1.ScheduleAnyway)
		if len(cs) == 0 {
			return false
		}
		// System defaults are spread over the nodes that have the key;
		// a pod's own constraints need nodes with all of them.
		requireAll := len(c.pod.Spec.TopologySpreadConstraints) > 0
		s := &spreadScoreState{constraints: cs, ignored: map[string]bool{}, counts: make([]map[string]int64, len(cs)), weights: make([]float64, len(cs))}
		sizes := make([]int, len(cs))
		for i := range cs {
			s.counts[i] = map[string]int64{}
		}
		for _, ni := range feasible {
			if requireAll && !hasTopologyKeys(ni.node, cs) {
				s.ignored[ni.node.Name] = true
				continue
			}
			for i, sc := range cs {
				if sc.topologyKey == corev1.LabelHostname {
					continue
				}
				v := ni.node.Labels[sc.topologyKey]
				if _, ok := s.counts[i][v]; !ok {
					s.counts[i][v] = 0
					sizes[i]++
				}
			}
		}
		for i, sc := range cs {
			size := sizes[i]
			if sc.topologyKey == corev1.LabelHostname {
				size = len(feasible) - len(s.ignored)
			}
			s.weights[i] = math.Log(float64(size + 2))
		}
		// The pods of every node count toward the domains of the feasible ones.
		for _, ni := range c.snap.nodes {
			if requireAll && !hasTopologyKeys(ni.node, cs) {
				continue
			}
			for i := range cs {
				if !cs[i].includes(c, ni.node) {
					continue
				}
				v := ni.node.Labels[cs[i].topologyKey]
				if _, ok := s.counts[i][v]; ok {
					s.counts[i][v] += int64(countMatching(ni.pods, cs[i].selector, c.pod.Namespace))
				}
			}
		}
		c.spreadScores = s
		return true
	},
	score: func(c *cycle, ni *nodeInfo) int64 {
		s := c.spreadScores
		if s.ignored[ni.node.Name] {
			return 0
		}
		var score float64
		for i, sc := range s.constraints {
			v, ok := ni.node.Labels[sc.topologyKey]
			if !ok {
				continue
			}
			var n int64
			if sc.topologyKey == corev1.LabelHostname {
				n = int64(countMatching(ni.pods, sc.selector, c.pod.Namespace))
			} else {
				n = s.counts[i][v]
			}
			score += float64(n)*s.weights[i] + float64(sc.maxSkew-1)
		}
		return int64(math.Round(score))
	},
	normalize: func(c *cycle, nodes []*nodeInfo, scores []int64) {
		s := c.spreadScores
		var lowest int64 = math.MaxInt64
		var highest int64
		for i, ni := range nodes {
			if s.ignored[ni.node.Name] {
				continue
			}
			lowest, highest = min(lowest, scores[i]), max(highest, scores[i])
		}
		for i, ni := range nodes {
			switch {
			case s.ignored[ni.node.Name]:
				scores[i] = 0
			case highest == 0:
				scores[i] = maxNodeScore
			default:
				scores[i] = maxNodeScore * (highest + lowest - scores[i]) / highest
			}
		}
	},
}
