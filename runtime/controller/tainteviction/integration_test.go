package tainteviction

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
)

// startAPI runs the lab's API server (no kubelet) with the controller, a
// node and pod bound to it and running, as a kubelet would report it.
func startAPI(t *testing.T, pod *corev1.Pod) kubernetes.Interface {
	t.Helper()
	srv := kubetest.Start(t, kubetest.Options{})
	c := srv.Client
	ctx := context.Background()
	factory := informers.NewSharedInformerFactory(c, 0)
	b := events.NewBroadcaster(c)
	ctrl, err := New(c, factory, b.Recorder(Name, ""))
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	factory.Start(runCtx.Done())
	done := make(chan struct{})
	go func() { defer close(done); ctrl.Run(runCtx) }()
	t.Cleanup(func() { cancel(); <-done; factory.Shutdown(); b.Shutdown() })

	if _, err := c.CoreV1().Nodes().Create(ctx, testNode(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod = pod.DeepCopy()
	pod.UID, pod.Spec.NodeName, pod.Status = "", "", corev1.PodStatus{}
	srv.Running(t, pod)
	return c
}

func taintNode(t *testing.T, c kubernetes.Interface, taints ...corev1.Taint) {
	t.Helper()
	n, err := c.CoreV1().Nodes().Get(context.Background(), "node-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Spec.Taints = taints
	if _, err := c.CoreV1().Nodes().Update(context.Background(), n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// deleting reports whether the pod has been deleted gracefully (it stays,
// Terminating, until its kubelet, absent here, confirms).
func deleting(t *testing.T, c kubernetes.Interface) *corev1.Pod {
	t.Helper()
	p, err := c.CoreV1().Pods("default").Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.DeletionTimestamp == nil {
		return nil
	}
	return p
}

func evictionEvents(t *testing.T, c kubernetes.Interface) []corev1.Event {
	t.Helper()
	sel := fields.Set{"involvedObject.name": "web", "reason": "TaintManagerEviction"}.AsSelector().String()
	list, err := c.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{FieldSelector: sel})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

func TestAPINoExecuteTaintEvictsARunningPod(t *testing.T) {
	c := startAPI(t, boundPod())
	taintNode(t, c, maintenance)
	eventually(t, "web deleting", func() bool { return deleting(t, c) != nil })
	p := deleting(t, c)
	if p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != corev1.DefaultTerminationGracePeriodSeconds {
		t.Fatalf("grace period %v, want the pod's default %d", p.DeletionGracePeriodSeconds, corev1.DefaultTerminationGracePeriodSeconds)
	}
	var cond *corev1.PodCondition
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.DisruptionTarget {
			cond = &p.Status.Conditions[i]
		}
	}
	if cond == nil || cond.Status != corev1.ConditionTrue || cond.Reason != disruptionReason || cond.Message != disruptionMessage {
		t.Fatalf("DisruptionTarget = %+v", cond)
	}
	eventually(t, "TaintManagerEviction event", func() bool {
		evs := evictionEvents(t, c)
		return len(evs) == 1 && evs[0].Message == "Marking for deletion Pod default/web" && evs[0].Source.Component == Name
	})
}

func TestAPITolerationSecondsDelaysEviction(t *testing.T) {
	timeScale(t, 1) // Kubernetes seconds, whatever PODLAB_TIME_SCALE says
	c := startAPI(t, boundPod(tolerate(secondsPtr(2))))
	taintNode(t, c, maintenance)
	tainted := time.Now()
	time.Sleep(time.Second)
	if deleting(t, c) != nil {
		t.Fatal("evicted within the 2 s it tolerates the taint")
	}
	eventually(t, "web deleting", func() bool { return deleting(t, c) != nil })
	if waited := time.Since(tainted); waited < 2*time.Second {
		t.Fatalf("evicted after %v, want 2s", waited)
	}
}
