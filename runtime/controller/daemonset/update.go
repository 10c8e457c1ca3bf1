package daemonset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// surge is the set's maxSurge against desired nodes (0 without a rolling update).
func surge(ds *appsv1.DaemonSet, desired int) int {
	ru := ds.Spec.UpdateStrategy.RollingUpdate
	if ds.Spec.UpdateStrategy.Type != appsv1.RollingUpdateDaemonSetStrategyType || ru == nil || ru.MaxSurge == nil {
		return 0
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(ru.MaxSurge, desired, true)
	if err != nil {
		return 0
	}
	return n
}

// budgets is upstream's updatedDesiredNodeCounts: maxSurge and
// maxUnavailable (rounded up) against the nodes that should run the set
// (maxUnavailable 1 when both are 0), and those nodes with no pod yet
// added to byNode.
func (c *Controller) budgets(ds *appsv1.DaemonSet, nodes []*corev1.Node, byNode map[string][]*corev1.Pod) (maxSurge, maxUnavailable, desired int) {
	for _, n := range nodes {
		if run, _ := shouldRun(n, ds); run {
			desired++
			if _, ok := byNode[n.Name]; !ok {
				byNode[n.Name] = nil
			}
		}
	}
	maxSurge = surge(ds, desired)
	if ru := ds.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.MaxUnavailable != nil {
		maxUnavailable, _ = intstr.GetScaledValueFromIntOrPercent(ru.MaxUnavailable, desired, true)
	}
	if maxSurge == 0 && maxUnavailable == 0 {
		maxUnavailable = 1
	}
	return maxSurge, maxUnavailable, desired
}

// updatedOnNode is upstream's findUpdatedPodsOnNode: the node's new and
// old pod (not being deleted); ok is false with more than one of either.
func updatedOnNode(ds *appsv1.DaemonSet, pods []*corev1.Pod, hash string) (newPod, oldPod *corev1.Pod, ok bool) {
	gen := templateGeneration(ds)
	for _, p := range pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		if isUpdated(p, hash, gen) {
			if newPod != nil {
				return nil, nil, false
			}
			newPod = p
		} else {
			if oldPod != nil {
				return nil, nil, false
			}
			oldPod = p
		}
	}
	return newPod, oldPod, true
}

// rollingUpdate is upstream's: without surge, old pods are deleted while
// fewer than maxUnavailable nodes lack an available pod (manage creates
// their replacements); with surge, new pods start beside old ones (up to
// maxSurge at once) and an old pod goes when its node's new one is available.
func (c *Controller) rollingUpdate(ctx context.Context, ds *appsv1.DaemonSet, nodes []*corev1.Node, byNode map[string][]*corev1.Pod, hash string) error {
	maxSurge, maxUnavailable, desired := c.budgets(ds, nodes, byNode)
	now, mr := c.now(), minReady(ds)
	avail := func(p *corev1.Pod) bool { return isAvailable(p, mr, now) }
	nodeByName := map[string]*corev1.Node{}
	for _, n := range nodes {
		nodeByName[n.Name] = n
	}
	runs := func(name string) bool {
		n, ok := nodeByName[name]
		if !ok {
			return false
		}
		r, _ := shouldRun(n, ds)
		return r
	}
	if maxSurge == 0 {
		unavailable := 0
		var replace, candidates []*corev1.Pod
		for _, pods := range byNode {
			newPod, oldPod, ok := updatedOnNode(ds, pods, hash)
			switch {
			case !ok, oldPod == nil && newPod == nil, oldPod != nil && newPod != nil:
				unavailable++
			case newPod != nil:
				if !avail(newPod) {
					unavailable++
				}
			case !avail(oldPod):
				replace = append(replace, oldPod)
				unavailable++
			case unavailable >= maxUnavailable:
			default:
				candidates = append(candidates, oldPod)
			}
		}
		left := min(max(maxUnavailable-unavailable, 0), len(candidates))
		return c.syncNodes(ctx, ds, append(replace, candidates[:left]...), nil, hash)
	}
	var del, sunset []*corev1.Pod
	var allowed, candidates []string
	surged, available := 0, 0
	for name, pods := range byNode {
		newPod, oldPod, ok := updatedOnNode(ds, pods, hash)
		if !ok {
			surged++
			continue
		}
		if oldPod != nil && avail(oldPod) || oldPod == nil && newPod != nil && avail(newPod) {
			available++
		}
		switch {
		case oldPod == nil:
		case newPod == nil && !avail(oldPod):
			if !runs(name) {
				del = append(del, oldPod)
				continue
			}
			allowed = append(allowed, name)
		case newPod == nil:
			if !runs(name) {
				sunset = append(sunset, oldPod)
				continue
			}
			if surged < maxSurge {
				candidates = append(candidates, name)
			}
		case !avail(newPod):
			surged++
		default:
			del = append(del, oldPod)
		}
	}
	// Pods on nodes the set left go only while enough others are available.
	if n := min(available-desired, len(sunset)); n > 0 {
		for _, p := range sunset[:n] {
			if avail(p) {
				del = append(del, p)
			}
		}
	}
	left := min(max(maxSurge-surged, 0), len(candidates))
	return c.syncNodes(ctx, ds, del, append(allowed, candidates[:left]...), hash)
}
