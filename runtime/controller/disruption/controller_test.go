package disruption

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/labclock"
)

var t0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) Event(obj api.Object, _, _, reason, message string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, reason+": "+message)
}

type lab struct {
	t     *testing.T
	ctx   context.Context
	cs    *fake.Clientset
	c     *Controller
	clock *clocktesting.FakePassiveClock
	rec   *recorder
}

func newLab(t *testing.T, objs ...runtime.Object) *lab {
	t.Helper()
	old := labclock.Scale()
	labclock.SetScale(1)
	t.Cleanup(func() { labclock.SetScale(old) })
	cs := fake.NewClientset(objs...)
	factory := informers.NewSharedInformerFactory(cs, 0)
	rec := &recorder{}
	c, err := New(cs, factory, WithRecorder(rec))
	if err != nil {
		t.Fatal(err)
	}
	clk := clocktesting.NewFakePassiveClock(t0)
	c.clock = clk
	ctx, cancel := context.WithCancel(context.Background())
	factory.Start(ctx.Done())
	t.Cleanup(func() { cancel(); factory.Shutdown() })
	factory.WaitForCacheSync(ctx.Done())
	return &lab{t: t, ctx: ctx, cs: cs, c: c, clock: clk, rec: rec}
}

// sync syncs the budget, then waits until the informer has its status.
func (l *lab) sync() *policyv1.PodDisruptionBudget {
	l.t.Helper()
	if err := l.c.sync(l.ctx, "default/web"); err != nil {
		l.t.Fatal(err)
	}
	stored, err := l.cs.PolicyV1().PodDisruptionBudgets("default").Get(l.ctx, "web", metav1.GetOptions{})
	if err != nil {
		l.t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		cached, err := l.c.pdbs.PodDisruptionBudgets("default").Get("web")
		if err == nil && reflect.DeepEqual(cached, stored) {
			return stored
		}
		if time.Now().After(deadline) {
			l.t.Fatal("the informer never caught up")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (l *lab) statusWrites() int {
	n := 0
	for _, a := range l.cs.Actions() {
		if a.GetVerb() == "update" && a.GetSubresource() == "status" {
			n++
		}
	}
	return n
}

func pdb(mutate func(*policyv1.PodDisruptionBudgetSpec)) *policyv1.PodDisruptionBudget {
	p := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Generation: 1},
		Spec:       policyv1.PodDisruptionBudgetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
	}
	mutate(&p.Spec)
	return p
}

func pod(name string, ready bool) *corev1.Pod {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "web"}},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}},
	}
}

func minAvailable(n int32) func(*policyv1.PodDisruptionBudgetSpec) {
	return func(s *policyv1.PodDisruptionBudgetSpec) { v := intstr.FromInt32(n); s.MinAvailable = &v }
}

func wantStatus(t *testing.T, got *policyv1.PodDisruptionBudget, allowed, healthy, desired, expected int32, reason string) {
	t.Helper()
	st := got.Status
	if st.DisruptionsAllowed != allowed || st.CurrentHealthy != healthy || st.DesiredHealthy != desired || st.ExpectedPods != expected || st.ObservedGeneration != got.Generation {
		t.Fatalf("status %+v, want allowed %d healthy %d desired %d expected %d", st, allowed, healthy, desired, expected)
	}
	if len(st.Conditions) != 1 || st.Conditions[0].Type != policyv1.DisruptionAllowedCondition || st.Conditions[0].Reason != reason {
		t.Fatalf("conditions %+v, want DisruptionAllowed %s", st.Conditions, reason)
	}
}

// A numeric minAvailable counts the Ready pods; a steady budget is not
// written again.
func TestMinAvailableCountsReadyPods(t *testing.T) {
	l := newLab(t, pdb(minAvailable(1)), pod("a", true), pod("b", true), pod("c", false))
	wantStatus(t, l.sync(), 1, 2, 1, 3, policyv1.SufficientPodsReason)
	writes := l.statusWrites()
	l.sync()
	l.sync()
	if l.statusWrites() != writes {
		t.Fatal("a steady budget was written again")
	}
}

// A pod an eviction recorded is not healthy until DeletionTimeout has
// passed; then it leaves the map and counts again.
func TestDisruptedPodsAreNotHealthyUntilTheTimeout(t *testing.T) {
	p := pdb(minAvailable(1))
	p.Status.DisruptedPods = map[string]metav1.Time{"a": metav1.NewTime(t0)}
	l := newLab(t, p, pod("a", true), pod("b", true))
	got := l.sync()
	wantStatus(t, got, 0, 1, 1, 2, policyv1.InsufficientPodsReason)
	if _, ok := got.Status.DisruptedPods["a"]; !ok {
		t.Fatalf("disrupted pods %v lost a", got.Status.DisruptedPods)
	}
	l.clock.SetTime(t0.Add(DeletionTimeout + time.Second))
	got = l.sync()
	wantStatus(t, got, 1, 2, 1, 2, policyv1.SufficientPodsReason)
	if len(got.Status.DisruptedPods) != 0 {
		t.Fatalf("disrupted pods %v after the timeout", got.Status.DisruptedPods)
	}
}

// maxUnavailable over bare pods expects none (they are unmanaged, as the
// warning says) and allows no disruption; a pod with a controller the lab
// cannot find fails safe.
func TestMaxUnavailableOverBarePods(t *testing.T) {
	one := intstr.FromInt32(1)
	l := newLab(t, pdb(func(s *policyv1.PodDisruptionBudgetSpec) { s.MaxUnavailable = &one }), pod("a", true))
	wantStatus(t, l.sync(), 0, 1, 0, 0, policyv1.InsufficientPodsReason)
	if len(l.rec.events) == 0 || !strings.HasPrefix(l.rec.events[0], "UnmanagedPods: Pods selected by this PodDisruptionBudget") {
		t.Fatalf("events %q", l.rec.events)
	}

	owned := pod("b", true)
	owned.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-1", UID: "rs", Controller: new(true)}}
	if _, err := l.cs.CoreV1().Pods("default").Create(l.ctx, owned, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := l.c.pods.Pods("default").Get("b"); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	got := l.sync()
	c := got.Status.Conditions[0]
	if got.Status.DisruptionsAllowed != 0 || c.Status != metav1.ConditionFalse || c.Reason != policyv1.SyncFailedReason || c.Message != `found no controllers for pod "b"` {
		t.Fatalf("fail-safe status %+v", got.Status)
	}
}
