package scheduler

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

const selectorMessage = "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."

func wantsSSD(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"disktype": "ssd"} }

// fast shortens the backoff so tests need not wait for it.
func fast(s *Scheduler) {
	s.pending.initialBackoff, s.pending.maxBackoff = time.Millisecond, 5*time.Millisecond
}

func TestBindsAPodThatFits(t *testing.T) {
	f := startFake(t, nil, node("node-1", nil), pendingPod("web", nil))
	eventually(t, "web bound", func() bool { return f.pod(t, "default", "web").Spec.NodeName == "node-1" })
	eventually(t, "Scheduled event", func() bool { return f.rec.count("Scheduled") == 1 })
	ev, _ := f.rec.last("Scheduled")
	if ev.message != "Successfully assigned default/web to node-1" || ev.eventType != corev1.EventTypeNormal {
		t.Fatalf("Scheduled event = %+v", ev)
	}
}

func TestUnschedulablePodGetsConditionAndEvent(t *testing.T) {
	f := startFake(t, nil, node("node-1", nil), pendingPod("web", wantsSSD))
	eventually(t, "PodScheduled=False", func() bool { return condition(f.pod(t, "default", "web"), corev1.PodScheduled) != nil })
	c := condition(f.pod(t, "default", "web"), corev1.PodScheduled)
	if c.Status != corev1.ConditionFalse || c.Reason != corev1.PodReasonUnschedulable || c.Message != selectorMessage {
		t.Fatalf("condition = %+v", c)
	}
	eventually(t, "FailedScheduling", func() bool { return f.rec.count("FailedScheduling") == 1 })
	if ev, _ := f.rec.last("FailedScheduling"); ev.message != selectorMessage || ev.eventType != corev1.EventTypeWarning {
		t.Fatalf("event = %+v", ev)
	}
	eventually(t, "put aside", func() bool { return f.sched.pending.waiting() == 1 })
}

// The source notes' demo: labelling the node lets the pending pod fit.
func TestLabellingTheNodeSchedulesThePod(t *testing.T) {
	f := startFake(t, fast, node("node-1", nil), pendingPod("web", wantsSSD))
	eventually(t, "put aside", func() bool { return f.sched.pending.waiting() == 1 })
	n, _ := f.client.CoreV1().Nodes().Get(context.Background(), "node-1", metav1.GetOptions{})
	n.Labels = map[string]string{"disktype": "ssd"}
	if _, err := f.client.CoreV1().Nodes().Update(context.Background(), n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "web bound", func() bool { return f.pod(t, "default", "web").Spec.NodeName == "node-1" })
}

// A retry that reaches the same verdict writes nothing but the folded event.
func TestRetryWithTheSameVerdictWritesNothing(t *testing.T) {
	f := startFake(t, fast, node("node-1", nil), pendingPod("web", wantsSSD))
	eventually(t, "reported", func() bool { return condition(f.pod(t, "default", "web"), corev1.PodScheduled) != nil })
	before := f.writes()
	// Each retry comes at once, before the informer need show the
	// condition written: the scheduler must know it wrote it.
	for i := 0; i < 3; i++ {
		// A node change the filters see, that still does not help.
		n, _ := f.client.CoreV1().Nodes().Get(context.Background(), "node-1", metav1.GetOptions{})
		n.Labels = map[string]string{"round": string(rune('a' + i))}
		if _, err := f.client.CoreV1().Nodes().Update(context.Background(), n, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "retried", func() bool { return f.rec.count("FailedScheduling") == i+2 })
	}
	eventually(t, "put aside", func() bool { return f.sched.pending.waiting() == 1 })
	if got := f.writes() - before; got != 3 { // the three node updates, nothing of the scheduler's
		t.Fatalf("%d writes, want only the test's 3 node updates: %v", got, f.client.Actions()[before:])
	}
}

// Heartbeats and status-only pod writes are no cluster event.
func TestNoWorkWithoutAClusterChange(t *testing.T) {
	ready := node("node-1", nil)
	ready.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	objs := []runtime.Object{ready}
	for i := 0; i < 10; i++ {
		objs = append(objs, pendingPod("web-"+string(rune('0'+i)), wantsSSD))
	}
	f := startFake(t, fast, objs...)
	eventually(t, "all put aside", func() bool { return f.sched.pending.waiting() == 10 })
	failures, before := f.rec.count("FailedScheduling"), f.writes()

	// A kubelet heartbeat: only the condition's timestamps move.
	n, _ := f.client.CoreV1().Nodes().Get(context.Background(), "node-1", metav1.GetOptions{})
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: metav1.Now()}}
	if _, err := f.client.CoreV1().Nodes().UpdateStatus(context.Background(), n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	n.Status.Conditions[0].LastHeartbeatTime = metav1.NewTime(time.Now().Add(time.Second))
	if _, err := f.client.CoreV1().Nodes().UpdateStatus(context.Background(), n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if got := f.writes() - before; got != 2 { // the test's two heartbeats
		t.Fatalf("%d writes, want 2: %v", got, f.client.Actions()[before:])
	}
	if got := f.rec.count("FailedScheduling"); got != failures {
		t.Fatalf("%d FailedScheduling events, want still %d: a heartbeat retried pods", got, failures)
	}
}

func TestDeletingABoundPodFreesRoom(t *testing.T) {
	small := node("node-1", nil)
	small.Status.Allocatable[corev1.ResourcePods] = resource.MustParse("1")
	first := pendingPod("first", nil)
	first.Spec.NodeName = "node-1"
	f := startFake(t, fast, small, first, pendingPod("second", nil))
	eventually(t, "second put aside", func() bool { return f.sched.pending.waiting() == 1 })
	if ev, _ := f.rec.last("FailedScheduling"); !strings.Contains(ev.message, "1 Too many pods") {
		t.Fatalf("event = %+v", ev)
	}
	if err := f.client.CoreV1().Pods("default").Delete(context.Background(), "first", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "second bound", func() bool { return f.pod(t, "default", "second").Spec.NodeName == "node-1" })
}

// Pods created together are decided one at a time, each seeing the room
// the previous binding took, before the informer shows it.
func TestBindingsCountBeforeTheInformerSeesThem(t *testing.T) {
	half := func(p *corev1.Pod) {
		p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1500m")}
	}
	f := startFake(t, fast, node("node-1", nil), pendingPod("a", half), pendingPod("b", half))
	eventually(t, "one put aside", func() bool { return f.sched.pending.waiting() == 1 })
	bound := 0
	for _, name := range []string{"a", "b"} {
		if f.pod(t, "default", name).Spec.NodeName != "" {
			bound++
		}
	}
	if bound != 1 {
		t.Fatalf("%d pods bound, want 1 (2 CPUs, 1.5 each)", bound)
	}
	if ev, _ := f.rec.last("FailedScheduling"); !strings.Contains(ev.message, "1 Insufficient cpu") {
		t.Fatalf("event = %+v", ev)
	}
}

func TestLeavesOtherSchedulersPodsAlone(t *testing.T) {
	other := pendingPod("custom", func(p *corev1.Pod) { p.Spec.SchedulerName = "my-scheduler" })
	f := startFake(t, nil, node("node-1", nil), other, pendingPod("web", nil))
	eventually(t, "web bound", func() bool { return f.pod(t, "default", "web").Spec.NodeName == "node-1" })
	time.Sleep(50 * time.Millisecond)
	if p := f.pod(t, "default", "custom"); p.Spec.NodeName != "" || len(p.Status.Conditions) != 0 {
		t.Fatalf("custom-scheduler pod touched: %+v", p.Status)
	}
}

// A put-aside pod is tried again after maxUnschedulable without any event.
func TestFlushRetriesAfterMaxUnschedulable(t *testing.T) {
	f := startFake(t, func(s *Scheduler) {
		fast(s)
		s.pending.maxUnschedulable, s.flushPeriod = 50*time.Millisecond, 10*time.Millisecond
	}, node("node-1", nil), pendingPod("web", wantsSSD))
	eventually(t, "retried by the flush", func() bool { return f.rec.count("FailedScheduling") >= 3 })
}

// A pending pod that changes itself (a new toleration) is tried again.
func TestPodChangeRetriesIt(t *testing.T) {
	taint := corev1.Taint{Key: "gpu", Effect: corev1.TaintEffectNoSchedule}
	f := startFake(t, fast, node("node-1", nil, taint), pendingPod("web", nil))
	eventually(t, "put aside", func() bool { return f.sched.pending.waiting() == 1 })
	p := f.pod(t, "default", "web")
	p.Spec.Tolerations = []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists}}
	if _, err := f.client.CoreV1().Pods("default").Update(context.Background(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "web bound", func() bool { return f.pod(t, "default", "web").Spec.NodeName == "node-1" })
}
