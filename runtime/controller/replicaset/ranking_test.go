package replicaset

import (
	"sort"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestRankingOrder(t *testing.T) {
	now := time.Now()
	mk := func(name, node string, phase corev1.PodPhase, ready bool, created time.Duration) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(now.Add(-created))},
			Spec: corev1.PodSpec{NodeName: node}, Status: corev1.PodStatus{Phase: phase}}
		if ready {
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(now.Add(-created))}}
		}
		return p
	}
	pods := []*corev1.Pod{
		mk("old-ready", "n1", corev1.PodRunning, true, time.Hour),
		mk("running-not-ready", "n1", corev1.PodRunning, false, time.Hour),
		mk("unscheduled", "", corev1.PodPending, false, time.Hour),
		mk("new-ready", "n1", corev1.PodRunning, true, time.Second),
		mk("pending", "n1", corev1.PodPending, false, time.Hour),
		mk("unknown", "n1", corev1.PodUnknown, false, time.Hour),
	}
	r := rankedPods{pods: pods, ranks: make([]int, len(pods)), now: now}
	sort.Sort(r)
	want := []string{"unscheduled", "pending", "unknown", "running-not-ready", "new-ready", "old-ready"}
	for i, p := range r.pods {
		if p.Name != want[i] {
			t.Fatalf("order %v, want %v", names(r.pods), want)
		}
	}
}

func names(ps []*corev1.Pod) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestSlowStartBatch(t *testing.T) {
	var calls atomic.Int32
	n, err := slowStartBatch(10, 1, func() error { calls.Add(1); return nil })
	if n != 10 || err != nil || calls.Load() != 10 {
		t.Fatalf("%d %v %d", n, err, calls.Load())
	}
}
