package scheduler

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Upstream's noderesources reasons; other resources read "Insufficient <name>".
const (
	reasonTooManyPods = "Too many pods"
	insufficient      = "Insufficient "
)

// nodeResourcesFitFilter is upstream's NodeResourcesFit filter: the node
// must have room for one more pod (allocatable pods) and for the pod's
// requests (Requests: init containers, sidecars, overhead) beside the
// requests of the pods on it. Every resource short is a reason of its
// own. A request larger than the node's whole allocatable is beyond what
// preemption could help.
var nodeResourcesFitFilter = filterPlugin{
	name: "NodeResourcesFit",
	filter: func(c *cycle, ni *nodeInfo) *status {
		var reasons, details []string
		st := &status{code: codeUnschedulable}
		if int64(len(ni.pods))+1 > ni.allowedPods {
			reasons = append(reasons, reasonTooManyPods)
			details = append(details, fmt.Sprintf("pods: %d of %d allowed are on the node", len(ni.pods), ni.allowedPods))
		}
		req := c.info.requests
		if !req.isZero() {
			short := func(name corev1.ResourceName, want, used, alloc int64) {
				if want > 0 && want > alloc-used {
					reasons = append(reasons, insufficient+string(name))
					details = append(details, fmt.Sprintf("%s: the pod requests %s, %s of %s are requested already",
						name, quantity(name, want), quantity(name, used), quantity(name, alloc)))
					if want > alloc {
						st.code = codeUnresolvable
					}
				}
			}
			short(corev1.ResourceCPU, req.milliCPU, ni.requested.milliCPU, ni.allocatable.milliCPU)
			short(corev1.ResourceMemory, req.memory, ni.requested.memory, ni.allocatable.memory)
			short(corev1.ResourceEphemeralStorage, req.ephemeral, ni.requested.ephemeral, ni.allocatable.ephemeral)
			names := make([]corev1.ResourceName, 0, len(req.scalar))
			for name := range req.scalar {
				names = append(names, name)
			}
			sort.Slice(names, func(i, j int) bool { return names[i] < names[j] })
			for _, name := range names {
				short(name, req.scalar[name], ni.requested.scalar[name], ni.allocatable.scalar[name])
			}
		}
		if len(reasons) == 0 {
			return nil
		}
		st.reasons, st.detail = reasons, strings.Join(details, "; ")
		return st
	},
}

// quantity renders an amount of a resource the way manifests write it.
func quantity(name corev1.ResourceName, v int64) string {
	switch name {
	case corev1.ResourceCPU:
		return resource.NewMilliQuantity(v, resource.DecimalSI).String()
	case corev1.ResourceMemory, corev1.ResourceEphemeralStorage:
		return resource.NewQuantity(v, resource.BinarySI).String()
	}
	return resource.NewQuantity(v, resource.DecimalSI).String()
}

// nodeResourcesFitScore is upstream's NodeResourcesFit score with its
// default LeastAllocated strategy (weight 1; cpu and memory, weight 1
// each): the share of each resource left free once the pod is placed,
// ×100, averaged. Pods count with upstream's stand-in requests for
// containers that request nothing (100m CPU, 200Mi memory), so best-effort
// pods spread too. Its scores are 0–100 already.
var nodeResourcesFitScore = scorePlugin{
	name:   "NodeResourcesFit",
	weight: 1,
	preScore: func(c *cycle, _ []*nodeInfo) bool {
		c.nonZeroRequest = c.info.nonZero
		return true
	},
	score: func(c *cycle, ni *nodeInfo) int64 {
		var sum, weights int64
		for _, r := range [][2]int64{
			{ni.nonZero.milliCPU + c.nonZeroRequest.milliCPU, ni.allocatable.milliCPU},
			{ni.nonZero.memory + c.nonZeroRequest.memory, ni.allocatable.memory},
		} {
			requested, alloc := r[0], r[1]
			if alloc == 0 {
				continue
			}
			score := int64(0)
			if requested <= alloc {
				score = (alloc - requested) * maxNodeScore / alloc
			}
			sum += score // weight 1
			weights++
		}
		if weights == 0 {
			return 0
		}
		return sum / weights
	},
}
