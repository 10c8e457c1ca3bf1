package scheduler

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/podlab/podlab/internal/kubetest"
	"github.com/podlab/podlab/runtime/events"
	"github.com/podlab/podlab/runtime/labclock"
)

// startAPI runs the lab's API server (no kubelet) and a scheduler on it.
func startAPI(t testing.TB) (kubernetes.Interface, *Scheduler) {
	t.Helper()
	srv := kubetest.Start(t, kubetest.Options{})
	factory := informers.NewSharedInformerFactory(srv.Client, 0)
	b := events.NewBroadcaster(srv.Client)
	s, err := New(srv.Client, factory, b.Recorder(Name, ""))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	factory.Start(ctx.Done())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; factory.Shutdown(); b.Shutdown() })
	return srv.Client, s
}

func createNode(t testing.TB, c kubernetes.Interface, n *corev1.Node) {
	t.Helper()
	if _, err := c.CoreV1().Nodes().Create(context.Background(), n, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func createPod(t testing.TB, c kubernetes.Interface, p *corev1.Pod) *corev1.Pod {
	t.Helper()
	p = p.DeepCopy()
	p.UID, p.Status = "", corev1.PodStatus{}
	created, err := c.CoreV1().Pods(p.Namespace).Create(context.Background(), p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return created
}

func getPod(t testing.TB, c kubernetes.Interface, name string) *corev1.Pod {
	t.Helper()
	p, err := c.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// eventsAbout lists the events of a reason about the pod name.
func eventsAbout(t testing.TB, c kubernetes.Interface, name, reason string) []corev1.Event {
	t.Helper()
	sel := fields.Set{"involvedObject.name": name, "reason": reason}.AsSelector().String()
	list, err := c.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{FieldSelector: sel})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// currentRV is the store's resourceVersion: any write anywhere moves it.
func currentRV(t testing.TB, c kubernetes.Interface) string {
	t.Helper()
	list, err := c.CoreV1().Pods("").List(context.Background(), metav1.ListOptions{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return list.ResourceVersion
}

// The source notes' demo: a pod whose nodeSelector no node matches stays
// Pending with FailedScheduling; labelling the node schedules it.
func TestAPINodeSelectorDemo(t *testing.T) {
	c, _ := startAPI(t)
	createNode(t, c, node("node-1", nil))
	createPod(t, c, podWith(wantsSSD))

	eventually(t, "PodScheduled=False", func() bool {
		cond := condition(getPod(t, c, "web"), corev1.PodScheduled)
		return cond != nil && cond.Status == corev1.ConditionFalse
	})
	p := getPod(t, c, "web")
	if cond := condition(p, corev1.PodScheduled); cond.Reason != corev1.PodReasonUnschedulable || cond.Message != selectorMessage || p.Status.Phase != corev1.PodPending {
		t.Fatalf("status = %+v", p.Status)
	}
	eventually(t, "FailedScheduling event", func() bool { return len(eventsAbout(t, c, "web", "FailedScheduling")) == 1 })
	if ev := eventsAbout(t, c, "web", "FailedScheduling")[0]; ev.Message != selectorMessage || ev.Source.Component != Name || ev.Type != corev1.EventTypeWarning {
		t.Fatalf("event = %+v", ev)
	}

	n, err := c.CoreV1().Nodes().Get(context.Background(), "node-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Labels = map[string]string{"disktype": "ssd"}
	if _, err := c.CoreV1().Nodes().Update(context.Background(), n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "web bound", func() bool { return getPod(t, c, "web").Spec.NodeName == "node-1" })
	if cond := condition(getPod(t, c, "web"), corev1.PodScheduled); cond.Status != corev1.ConditionTrue {
		t.Fatalf("PodScheduled = %+v", cond)
	}
	eventually(t, "Scheduled event", func() bool {
		evs := eventsAbout(t, c, "web", "Scheduled")
		return len(evs) == 1 && evs[0].Message == "Successfully assigned default/web to node-1"
	})
}

// Ten pods that fit nowhere leave the control plane idle: no write at all
// for three seconds once they are reported.
func TestAPIUnschedulablePodsCauseNoWrites(t *testing.T) {
	// At the real time scale the periodic retry (30 s) is far off; a
	// shorter PODLAB_TIME_SCALE would bring it into the window.
	old := labclock.Scale()
	labclock.SetScale(1)
	t.Cleanup(func() { labclock.SetScale(old) })
	c, _ := startAPI(t)
	createNode(t, c, node("node-1", nil))
	names := make([]string, 10)
	for i := range names {
		names[i] = "web-" + string(rune('a'+i))
		createPod(t, c, podWith(func(p *corev1.Pod) { wantsSSD(p); p.Name = names[i] }))
	}
	eventually(t, "all reported", func() bool {
		for _, n := range names {
			if len(eventsAbout(t, c, n, "FailedScheduling")) != 1 || condition(getPod(t, c, n), corev1.PodScheduled) == nil {
				return false
			}
		}
		return true
	})
	before := currentRV(t, c)
	time.Sleep(3 * time.Second)
	if after := currentRV(t, c); after != before {
		t.Fatalf("resourceVersion moved from %s to %s: something wrote while nothing changed", before, after)
	}
}

// waitBound waits until the pod of name is bound and returns its node.
func waitBound(t *testing.T, c kubernetes.Interface, name string) string {
	t.Helper()
	eventually(t, name+" bound", func() bool { return getPod(t, c, name).Spec.NodeName != "" })
	return getPod(t, c, name).Spec.NodeName
}

// The notes' taint demo: with node-1 tainted, five replicas all go to node-2.
func TestAPITaintSendsReplicasToTheOtherNode(t *testing.T) {
	c, _ := startAPI(t)
	createNode(t, c, node("node-1", nil, taint("dedicated", "lab", corev1.TaintEffectNoSchedule)))
	createNode(t, c, node("node-2", nil))
	for i := 0; i < 5; i++ {
		createPod(t, c, replicaOf("web-"+string(rune('a'+i))))
	}
	for i := 0; i < 5; i++ {
		if n := waitBound(t, c, "web-"+string(rune('a'+i))); n != "node-2" {
			t.Fatalf("web-%c on %s", 'a'+i, n)
		}
	}
}

// The notes' affinity demos: pod-second follows pod-first onto its host,
// or, kept off pod-first's zone, stays Pending when every node shares it.
func TestAPIPodAffinityAndAntiAffinity(t *testing.T) {
	c, _ := startAPI(t)
	createNode(t, c, zoned("node-1", "a"))
	createNode(t, c, zoned("node-2", "a"))
	createPod(t, c, labelled("pod-first", "myapp"))
	first := waitBound(t, c, "pod-first")
	createPod(t, c, affine(labelled("pod-follower", "other"), term("myapp")))
	if n := waitBound(t, c, "pod-follower"); n != first {
		t.Fatalf("pod-follower on %s, want %s beside pod-first", n, first)
	}
	createPod(t, c, repelled(labelled("pod-second", "backend"), termOn("myapp", "zone")))
	want := "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules. " +
		"preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod."
	eventually(t, "FailedScheduling", func() bool {
		evs := eventsAbout(t, c, "pod-second", "FailedScheduling")
		return len(evs) == 1 && evs[0].Message == want
	})
	if p := getPod(t, c, "pod-second"); p.Spec.NodeName != "" || p.Status.Phase != corev1.PodPending {
		t.Fatalf("pod-second: node %q, phase %s", p.Spec.NodeName, p.Status.Phase)
	}
	// A node in another zone lets it in.
	createNode(t, c, zoned("node-3", "b"))
	if n := waitBound(t, c, "pod-second"); n != "node-3" {
		t.Fatalf("pod-second on %s, want node-3", n)
	}
}
