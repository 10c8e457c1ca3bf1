package scheduler

import "math"

// hardPodAffinityWeight is upstream's InterPodAffinityArgs default: what a
// bound pod's required affinity for the incoming pod counts when scoring.
const hardPodAffinityWeight = 1

// interPodAffinityScore is upstream's InterPodAffinity score (weight 2).
// Each bound pod adds to the domain it runs in (per topology key): the
// weights of the pod's preferred affinity terms that select it, minus
// those of its preferred anti-affinity terms; and, the other way round,
// hardPodAffinityWeight for each of its required affinity terms that
// selects the pod, the weights of its preferred affinity terms that do,
// minus those of its preferred anti-affinity terms. A node scores the sum
// over its domains, normalised between the lowest (0) and highest (100)
// of the feasible nodes. With nothing to count the plugin is skipped.
var interPodAffinityScore = scorePlugin{
	name:   "InterPodAffinity",
	weight: 2,
	preScore: func(c *cycle, _ []*nodeInfo) bool {
		preferred := make([]weightedTerm, len(c.info.preferredAffinity))
		for i, t := range c.info.preferredAffinity {
			preferred[i] = weightedTerm{c.resolveNamespaces(t.affinityTerm), t.weight}
		}
		preferredAnti := make([]weightedTerm, len(c.info.preferredAnti))
		for i, t := range c.info.preferredAnti {
			preferredAnti[i] = weightedTerm{c.resolveNamespaces(t.affinityTerm), t.weight}
		}
		all := len(preferred) > 0 || len(preferredAnti) > 0
		scores := map[string]map[string]int64{}
		add := func(t *affinityTerm, labels map[string]string, w int64) {
			if v, ok := labels[t.topologyKey]; ok {
				if scores[t.topologyKey] == nil {
					scores[t.topologyKey] = map[string]int64{}
				}
				scores[t.topologyKey][v] += w
			}
		}
		for _, ni := range c.snap.nodes {
			labels := ni.node.Labels
			if len(labels) == 0 {
				continue
			}
			pods := ni.withAffinity
			if all {
				pods = ni.pods
			}
			for _, p := range pods {
				for i := range preferred {
					if preferred[i].matches(p.pod, nil) {
						add(&preferred[i].affinityTerm, labels, preferred[i].weight)
					}
				}
				for i := range preferredAnti {
					if preferredAnti[i].matches(p.pod, nil) {
						add(&preferredAnti[i].affinityTerm, labels, -preferredAnti[i].weight)
					}
				}
				for i := range p.requiredAffinity {
					if p.requiredAffinity[i].matches(c.pod, c.nsLabels) {
						add(&p.requiredAffinity[i], labels, hardPodAffinityWeight)
					}
				}
				for i := range p.preferredAffinity {
					if p.preferredAffinity[i].matches(c.pod, c.nsLabels) {
						add(&p.preferredAffinity[i].affinityTerm, labels, p.preferredAffinity[i].weight)
					}
				}
				for i := range p.preferredAnti {
					if p.preferredAnti[i].matches(c.pod, c.nsLabels) {
						add(&p.preferredAnti[i].affinityTerm, labels, -p.preferredAnti[i].weight)
					}
				}
			}
		}
		if len(scores) == 0 {
			return false
		}
		c.affinityScores = scores
		return true
	},
	score: func(c *cycle, ni *nodeInfo) int64 {
		var score int64
		for key, values := range c.affinityScores {
			if v, ok := ni.node.Labels[key]; ok {
				score += values[v]
			}
		}
		return score
	},
	normalize: func(_ *cycle, _ []*nodeInfo, scores []int64) {
		lowest, highest := int64(math.MaxInt64), int64(math.MinInt64)
		for _, s := range scores {
			lowest, highest = min(lowest, s), max(highest, s)
		}
		diff := highest - lowest
		for i, s := range scores {
			f := float64(0)
			if diff > 0 {
				f = float64(maxNodeScore) * (float64(s-lowest) / float64(diff))
			}
			scores[i] = int64(f)
		}
	},
}
