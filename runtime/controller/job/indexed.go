package job

import (
	"sort"
	"strconv"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// podIndex reads the completion index annotation (-1 when absent or bad).
func podIndex(p *corev1.Pod) int {
	v, ok := p.Annotations[batchv1.JobCompletionIndexAnnotation]
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// completedIndexes parses status.completedIndexes ("1,3-5").
func completedIndexes(j *batchv1.Job) map[int]bool {
	out := map[int]bool{}
	for _, part := range strings.Split(j.Status.CompletedIndexes, ",") {
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		for i := a; i <= b; i++ {
			out[i] = true
		}
	}
	return out
}

// formatIndexes writes indexes as upstream's orderedIntervals.String:
// ascending, runs of consecutive ones as "a-b", comma separated.
func formatIndexes(m map[int]bool) string {
	var ix []int
	for i := range m {
		ix = append(ix, i)
	}
	sort.Ints(ix)
	var parts []string
	for i := 0; i < len(ix); {
		j := i
		for j+1 < len(ix) && ix[j+1] == ix[j]+1 {
			j++
		}
		if i == j {
			parts = append(parts, strconv.Itoa(ix[i]))
		} else {
			parts = append(parts, strconv.Itoa(ix[i])+"-"+strconv.Itoa(ix[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// extraIndexed are the active pods an Indexed job no longer wants: no or
// an out-of-range index, an index already succeeded, or a second pod of an
// index (upstream's appendDuplicatedIndexPodsForRemoval keeps one).
func (st *state) extraIndexed() []*corev1.Pod {
	done := st.done
	seen := map[int]bool{}
	var out []*corev1.Pod
	active := append([]*corev1.Pod(nil), st.active...)
	sort.SliceStable(active, func(a, b int) bool { return isReady(active[a]) && !isReady(active[b]) })
	for _, p := range active {
		ix := podIndex(p)
		if ix < 0 || ix >= int(*st.job.Spec.Completions) || done[ix] || seen[ix] {
			out = append(out, p)
			continue
		}
		seen[ix] = true
	}
	return out
}

// pendingIndexes are the first n indexes neither succeeded nor held by an
// active pod (upstream's firstPendingIndexes).
func (st *state) pendingIndexes(n int) []int {
	taken := map[int]bool{}
	for i := range st.done {
		taken[i] = true
	}
	for _, p := range st.active {
		if ix := podIndex(p); ix >= 0 {
			taken[ix] = true
		}
	}
	var out []int
	for i := 0; i < int(*st.job.Spec.Completions) && len(out) < n; i++ {
		if !taken[i] {
			out = append(out, i)
		}
	}
	return out
}
