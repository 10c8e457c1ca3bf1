package scheduler

import "math"

// balancedAllocationScore is upstream's NodeResourcesBalancedAllocation
// (weight 1; cpu and memory): it favours nodes whose CPU and memory are
// used in like shares. Each resource's share of allocatable (requests, at
// most 1) gives a spread — half the difference of the two shares — and a
// balance of (1 − spread) × 100; v1.37 scores the change the pod makes:
// 50 + (50 + balance with the pod − balance without it) / 2, so a pod that
// leaves the balance as it was scores 75. A pod that requests nothing
// (best-effort) skips it.
var balancedAllocationScore = scorePlugin{
	name:   "NodeResourcesBalancedAllocation",
	weight: 1,
	preScore: func(c *cycle, _ []*nodeInfo) bool {
		return c.info.requests.milliCPU != 0 || c.info.requests.memory != 0
	},
	score: func(c *cycle, ni *nodeInfo) int64 {
		req := c.info.requests
		alloc := []int64{ni.allocatable.milliCPU, ni.allocatable.memory}
		without := []int64{ni.requested.milliCPU, ni.requested.memory}
		with := []int64{without[0] + req.milliCPU, without[1] + req.memory}
		for i := range alloc {
			if alloc[i] == 0 { // not allocatable here: left out, as upstream
				with[i], without[i] = 0, 0
			}
		}
		return maxNodeScore/2 + (maxNodeScore/2+balance(with, alloc)-balance(without, alloc))/2
	},
}

// balance is upstream's balancedResourceScore: (1 − the standard deviation
// of the shares requested of each resource) × 100.
func balance(requested, alloc []int64) int64 {
	var fractions []float64
	var total float64
	for i := range requested {
		if alloc[i] == 0 {
			continue
		}
		f := min(float64(requested[i])/float64(alloc[i]), 1)
		total += f
		fractions = append(fractions, f)
	}
	std := 0.0
	switch n := len(fractions); {
	case n == 2:
		std = math.Abs((fractions[0] - fractions[1]) / 2)
	case n > 2:
		mean := total / float64(n)
		var sum float64
		for _, f := range fractions {
			sum += (f - mean) * (f - mean)
		}
		std = math.Sqrt(sum / float64(n))
	}
	return int64((1 - std) * float64(maxNodeScore))
}
