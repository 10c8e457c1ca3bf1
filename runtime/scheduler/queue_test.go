package scheduler

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Which cluster events put a pod back, by the reasons it was refused for.
func TestClusterEventHints(t *testing.T) {
	for _, tc := range []struct {
		reason string
		helps  []clusterEvent
	}{
		{reasonNodeAffinity, []clusterEvent{nodeAdded, nodeChanged}},
		{reasonTaint, []clusterEvent{nodeAdded, nodeChanged}},
		{reasonPodAffinity, []clusterEvent{nodeAdded, nodeChanged, assignedPodAdded, assignedPodRelabelled, namespaceRelabelled}},
		{reasonPodAntiAffinity, []clusterEvent{nodeAdded, nodeChanged, assignedPodRelabelled, assignedPodGone, namespaceRelabelled}},
		{reasonExistingAntiAffin, []clusterEvent{nodeAdded, nodeChanged, assignedPodRelabelled, assignedPodGone, namespaceRelabelled}},
		{reasonSpread, []clusterEvent{nodeAdded, nodeChanged, assignedPodAdded, assignedPodRelabelled, assignedPodGone}},
		{reasonNodePorts, []clusterEvent{nodeAdded, nodeChanged, assignedPodGone}},
		{"Insufficient cpu", []clusterEvent{nodeAdded, nodeChanged, assignedPodGone}},
		{reasonTooManyPods, []clusterEvent{nodeAdded, nodeChanged, assignedPodGone}},
	} {
		helps := map[clusterEvent]bool{}
		for _, ev := range tc.helps {
			helps[ev] = true
		}
		for ev := nodeAdded; ev <= namespaceRelabelled; ev++ {
			if got := ev.mayHelp(Diagnosis{tc.reason: 1}); got != helps[ev] {
				t.Errorf("%q: event %d helps = %v, want %v", tc.reason, ev, got, helps[ev])
			}
		}
	}
}

// Labelling a namespace that a pending pod's affinity selects by
// namespaceSelector lets the pod in beside the pod there.
func TestNamespaceLabelsRetryAffinity(t *testing.T) {
	cache := labelled("cache", "cache")
	cache.Namespace, cache.Spec.NodeName = "team", "node-1"
	sel := term("cache")
	sel.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "cache"}}
	web := affine(pendingPod("web", nil), sel)
	f := startFake(t, fast, node("node-1", nil), node("node-2", nil), namespace("default", nil), namespace("team", nil), cache, web)
	eventually(t, "put aside", func() bool { return f.sched.pending.waiting() == 1 })
	ns, err := f.client.CoreV1().Namespaces().Get(context.Background(), "team", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ns.Labels = map[string]string{"tier": "cache"}
	if _, err := f.client.CoreV1().Namespaces().Update(context.Background(), ns, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "web beside the cache", func() bool { return f.pod(t, "default", "web").Spec.NodeName == "node-1" })
}

// A pod held back by spreading is put back when a bound pod goes: node-2
// counts as an empty domain (its taint is ignored for spreading) though
// the pod cannot go there.
func TestSpreadRetriedWhenAPodGoes(t *testing.T) {
	web := pendingPod("web", func(p *corev1.Pod) {
		p.Labels = map[string]string{"foo": ""}
		spread(corev1.LabelHostname, 1, corev1.DoNotSchedule)(p)
	})
	f := startFake(t, fast, node("node-1", nil), node("node-2", nil, taint("x", "", corev1.TaintEffectNoSchedule)), fooPod("first", "node-1"), web)
	eventually(t, "put aside", func() bool { return f.sched.pending.waiting() == 1 })
	want := "0/2 nodes are available: 1 node(s) didn't match pod topology spread constraints, 1 node(s) had untolerated taint(s). " +
		"preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling."
	if ev, _ := f.rec.last("FailedScheduling"); ev.message != want {
		t.Fatalf("event %q", ev.message)
	}
	if err := f.client.CoreV1().Pods("default").Delete(context.Background(), "first", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "web bound", func() bool { return f.pod(t, "default", "web").Spec.NodeName == "node-1" })
}
