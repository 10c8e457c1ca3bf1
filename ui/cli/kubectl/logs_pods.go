package kubectl

import (
	"context"
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

// selectedPods is kubectl's GetPodList: the pods sel selects in ns, sorted
// by less; when there are none yet, the first pod the watch sees added or
// changed within timeout (kubectl's "timed out waiting for the condition"
// after it).
func selectedPods(ctx context.Context, cl client.Interface, ns string, sel labels.Selector, timeout time.Duration, less func(a, b *corev1.Pod) bool) ([]*corev1.Pod, error) {
	opts := metav1.ListOptions{LabelSelector: sel.String()}
	list, rv, err := cl.List(ctx, api.Pods, ns, opts)
	if err != nil {
		return nil, err
	}
	if len(list) > 0 {
		pods := make([]*corev1.Pod, 0, len(list))
		for _, p := range list {
			pods = append(pods, p.(*corev1.Pod))
		}
		sort.SliceStable(pods, func(i, j int) bool { return less(pods[i], pods[j]) })
		return pods, nil
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ch, err := cl.Watch(wctx, api.Pods, ns, client.ResumeFrom(opts, rv))
	if err != nil {
		return nil, err
	}
	for ev := range ch {
		if ev.Type == watch.Added || ev.Type == watch.Modified {
			if p, ok := ev.Object.(*corev1.Pod); ok {
				return []*corev1.Pod{p}, nil
			}
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return nil, fmt.Errorf("timed out waiting for the condition")
}

// loggingLess is kubectl's podutils.ByLogging: the pod best to read logs
// from first (assigned, then Running < Unknown < Pending, ready, ready for
// longer, more restarts, older).
func loggingLess(a, b *corev1.Pod) bool {
	if a.Spec.NodeName != b.Spec.NodeName && (a.Spec.NodeName == "" || b.Spec.NodeName == "") {
		return a.Spec.NodeName != ""
	}
	rank := map[corev1.PodPhase]int{corev1.PodRunning: 0, corev1.PodUnknown: 1, corev1.PodPending: 2}
	if rank[a.Status.Phase] != rank[b.Status.Phase] {
		return rank[a.Status.Phase] < rank[b.Status.Phase]
	}
	ra, rb := readySince(a), readySince(b)
	if (ra != nil) != (rb != nil) {
		return ra != nil
	}
	if ra != nil && rb != nil && !ra.Equal(rb) {
		return afterOrZero(rb, ra)
	}
	regA, sideA := restarts(a)
	regB, sideB := restarts(b)
	if regA != regB {
		return regA > regB
	}
	if sideA != sideB {
		return sideA > sideB
	}
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return afterOrZero(&b.CreationTimestamp, &a.CreationTimestamp)
	}
	return false
}
