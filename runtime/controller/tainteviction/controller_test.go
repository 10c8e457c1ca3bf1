package tainteviction

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/labclock"
)

type recorder struct {
	mu       sync.Mutex
	messages []string
}

func (r *recorder) Event(obj api.Object, _, _, reason, message string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.messages = append(r.messages, reason+": "+message)
}

func (r *recorder) has(msg string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.messages {
		if m == msg {
			return true
		}
	}
	return false
}

const (
	marking    = "TaintManagerEviction: Marking for deletion Pod default/web"
	cancelling = "TaintManagerEviction: Cancelling deletion of Pod default/web"
)

var maintenance = corev1.Taint{Key: "maintenance", Value: "true", Effect: corev1.TaintEffectNoExecute}

func testNode(taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1"}, Spec: corev1.NodeSpec{Taints: taints}}
}

func boundPod(tolerations ...corev1.Toleration) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "uid-web", Generation: 1},
		Spec: corev1.PodSpec{NodeName: "node-1", Tolerations: tolerations,
			Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
}

func tolerate(seconds *int64) corev1.Toleration {
	return corev1.Toleration{Key: "maintenance", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: seconds}
}

func secondsPtr(n int64) *int64 { return &n }

// timeScale runs a test at the lab time scale s.
func timeScale(t *testing.T, s float64) {
	old := labclock.Scale()
	labclock.SetScale(s)
	t.Cleanup(func() { labclock.SetScale(old) })
}

func startFake(t *testing.T, objs ...runtime.Object) (*fake.Clientset, *recorder, *Controller) {
	t.Helper()
	c := fake.NewClientset(objs...)
	factory := informers.NewSharedInformerFactory(c, 0)
	rec := &recorder{}
	ctrl, err := New(c, factory, rec)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	factory.Start(ctx.Done())
	done := make(chan struct{})
	go func() { defer close(done); ctrl.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; factory.Shutdown() })
	factory.WaitForCacheSync(ctx.Done())
	return c, rec, ctrl
}

// counting reports whether a countdown runs for the pod of key.
func (c *Controller) counting(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.countdowns[key]
	return ok
}

func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func exists(c kubernetes.Interface) bool {
	_, err := c.CoreV1().Pods("default").Get(context.Background(), "web", metav1.GetOptions{})
	return err == nil
}

// writes lists the writes made through c, as "verb resource/subresource".
func writes(c *fake.Clientset) []string {
	var out []string
	for _, a := range c.Actions() {
		switch a.GetVerb() {
		case "create", "update", "patch", "delete":
			w := a.GetVerb() + " " + a.GetResource().Resource
			if a.GetSubresource() != "" {
				w += "/" + a.GetSubresource()
			}
			out = append(out, w)
		}
	}
	return out
}

func TestEvictsAnUntoleratingPodAtOnce(t *testing.T) {
	c, rec, _ := startFake(t, testNode(maintenance), boundPod())
	eventually(t, "web deleted", func() bool { return !exists(c) })
	if !rec.has(marking) {
		t.Fatalf("events %v, want %q", rec.messages, marking)
	}
	if got := strings.Join(writes(c), ", "); got != "patch pods/status, delete pods" {
		t.Fatalf("writes: %s; want the DisruptionTarget status patch, then the delete", got)
	}
	for _, a := range c.Actions() {
		switch a := a.(type) {
		case k8stesting.PatchAction:
			patch := string(a.GetPatch())
			for _, want := range []string{`"type":"DisruptionTarget"`, `"reason":"` + disruptionReason + `"`, `"message":"` + disruptionMessage + `"`, `"uid":"uid-web"`} {
				if !strings.Contains(patch, want) {
					t.Errorf("patch %s lacks %s", patch, want)
				}
			}
		case k8stesting.DeleteAction:
			opts := a.GetDeleteOptions()
			if opts.GracePeriodSeconds != nil || opts.Preconditions == nil || *opts.Preconditions.UID != "uid-web" {
				t.Errorf("delete options %+v: want the default grace period and the pod's UID", opts)
			}
		}
	}
}

func TestEvictsAfterTolerationSeconds(t *testing.T) {
	timeScale(t, 0.1) // 3 s are 300 ms
	start := time.Now()
	c, rec, _ := startFake(t, testNode(maintenance), boundPod(tolerate(secondsPtr(3))))
	time.Sleep(100 * time.Millisecond)
	if !exists(c) {
		t.Fatal("evicted before tolerationSeconds")
	}
	eventually(t, "web deleted", func() bool { return !exists(c) })
	if waited := time.Since(start); waited < 300*time.Millisecond {
		t.Fatalf("evicted after %v, want at least 300ms", waited)
	}
	if !rec.has(marking) {
		t.Fatalf("events %v", rec.messages)
	}
}

func TestRemovingTheTaintCancels(t *testing.T) {
	timeScale(t, 0.1)
	c, rec, ctrl := startFake(t, testNode(maintenance), boundPod(tolerate(secondsPtr(5))))
	eventually(t, "countdown", func() bool { return ctrl.counting("default/web") })
	if _, err := c.CoreV1().Nodes().Update(context.Background(), testNode(), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "cancelled", func() bool { return rec.has(cancelling) })
	time.Sleep(700 * time.Millisecond) // past the 500 ms countdown
	if !exists(c) || rec.has(marking) {
		t.Fatalf("evicted after the taint went: %v", rec.messages)
	}
}

func TestGainingAForeverTolerationCancels(t *testing.T) {
	timeScale(t, 0.1)
	c, rec, ctrl := startFake(t, testNode(maintenance), boundPod(tolerate(secondsPtr(5))))
	eventually(t, "countdown", func() bool { return ctrl.counting("default/web") })
	p, _ := c.CoreV1().Pods("default").Get(context.Background(), "web", metav1.GetOptions{})
	p.Spec.Tolerations = []corev1.Toleration{tolerate(nil)}
	if _, err := c.CoreV1().Pods("default").Update(context.Background(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "cancelled", func() bool { return rec.has(cancelling) })
	time.Sleep(700 * time.Millisecond)
	if !exists(c) || rec.has(marking) {
		t.Fatalf("evicted after gaining a toleration: %v", rec.messages)
	}
}

// Tolerated taints, untainted nodes, heartbeats and status writes cost no
// write at all.
func TestNothingToDoWritesNothing(t *testing.T) {
	tolerant := boundPod(tolerate(nil))
	other := boundPod()
	other.Name, other.UID, other.Spec.NodeName = "other", "uid-other", "node-2"
	plain := testNode()
	plain.Name = "node-2"
	c, rec, _ := startFake(t, testNode(maintenance), plain, tolerant, other)
	time.Sleep(100 * time.Millisecond)
	n, _ := c.CoreV1().Nodes().Get(context.Background(), "node-2", metav1.GetOptions{})
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: metav1.Now()}}
	if _, err := c.CoreV1().Nodes().UpdateStatus(context.Background(), n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	p, _ := c.CoreV1().Pods("default").Get(context.Background(), "other", metav1.GetOptions{})
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	if _, err := c.CoreV1().Pods("default").UpdateStatus(context.Background(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if got := writes(c); len(got) != 2 {
		t.Fatalf("writes %v, want only the test's two status updates", got)
	}
	if len(rec.messages) != 0 {
		t.Fatalf("events %v", rec.messages)
	}
}
