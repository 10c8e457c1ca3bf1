package replicaset

import (
	"math"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// deletionCostAnnotation is upstream's controller.kubernetes.io/pod-deletion-cost
// (the PodDeletionCost feature, on by default).
const deletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost"

// rankedPods orders pods for deletion as upstream's ActivePodsWithRanks
// (pkg/controller/controller_utils.go, LogarithmicScaleDown on): the first
// ones go first.
//
//  1. unscheduled before scheduled;
//  2. Pending before Unknown before Running;
//  3. not ready before ready;
//  4. lower pod-deletion-cost before higher;
//  5. more pods of related sets (the same owner's) on its node before fewer;
//  6. both ready: ready more recently before longer, compared in
//     powers-of-two buckets of the time since;
//  7. more container restarts before fewer;
//  8. created more recently before longer (no timestamp first), in the
//     same buckets;
//  9. podlab's tie-break so a scale-down can be replayed: by name, last first.
type rankedPods struct {
	pods  []*corev1.Pod
	ranks []int
	now   time.Time
}

func (s rankedPods) Len() int { return len(s.pods) }
func (s rankedPods) Swap(i, j int) {
	s.pods[i], s.pods[j] = s.pods[j], s.pods[i]
	s.ranks[i], s.ranks[j] = s.ranks[j], s.ranks[i]
}

var phaseOrder = map[corev1.PodPhase]int{corev1.PodPending: 0, corev1.PodUnknown: 1, corev1.PodRunning: 2}

func (s rankedPods) Less(i, j int) bool {
	a, b := s.pods[i], s.pods[j]
	if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
		return a.Spec.NodeName == ""
	}
	if phaseOrder[a.Status.Phase] != phaseOrder[b.Status.Phase] {
		return phaseOrder[a.Status.Phase] < phaseOrder[b.Status.Phase]
	}
	ra, rb := isReady(a), isReady(b)
	if ra != rb {
		return !ra
	}
	if ca, cb := deletionCost(a), deletionCost(b); ca != cb {
		return ca < cb
	}
	if s.ranks[i] != s.ranks[j] {
		return s.ranks[i] > s.ranks[j]
	}
	if ra && rb {
		ta, tb := readySince(a), readySince(b)
		if ba, bb := s.bucket(ta), s.bucket(tb); ba != bb {
			return ba < bb
		}
	}
	if ra, rb := restarts(a), restarts(b); ra != rb {
		return ra > rb
	}
	ta, tb := a.CreationTimestamp.Time, b.CreationTimestamp.Time
	if ta.IsZero() != tb.IsZero() {
		return ta.IsZero()
	}
	if ba, bb := s.bucket(ta), s.bucket(tb); ba != bb {
		return ba < bb
	}
	return a.Name > b.Name
}

// bucket is upstream's logarithmic bucket of the time since t: pods within
// a power of two of each other count as equally old.
func (s rankedPods) bucket(t time.Time) int {
	if t.IsZero() {
		return -1
	}
	d := s.now.Sub(t)
	if d < time.Nanosecond {
		return 0
	}
	return int(math.Log2(float64(d.Nanoseconds())))
}

func deletionCost(p *corev1.Pod) int64 {
	v, ok := p.Annotations[deletionCostAnnotation]
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0
	}
	return n
}

func readySince(p *corev1.Pod) time.Time {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return c.LastTransitionTime.Time
		}
	}
	return time.Time{}
}

// restarts is the most restarts of any of the pod's containers.
func restarts(p *corev1.Pod) int32 {
	var n int32
	for _, c := range p.Status.ContainerStatuses {
		n = max(n, c.RestartCount)
	}
	return n
}

func isReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// isAvailable is upstream's IsPodAvailable: ready for minReadySeconds.
func isAvailable(p *corev1.Pod, minReady time.Duration, now time.Time) bool {
	if !isReady(p) {
		return false
	}
	if minReady == 0 {
		return true
	}
	since := readySince(p)
	return !since.IsZero() && since.Add(minReady).Before(now)
}

// isActive is upstream's IsPodActive: not terminal, not being deleted.
func isActive(p *corev1.Pod) bool {
	return p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed && p.DeletionTimestamp == nil
}

// isTerminating: being deleted, not yet terminal (terminatingReplicas).
func isTerminating(p *corev1.Pod) bool {
	return p.DeletionTimestamp != nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
}
