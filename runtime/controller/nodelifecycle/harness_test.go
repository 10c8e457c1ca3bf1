package nodelifecycle

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	apitypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/labclock"
)

// t0 is when the health tests begin, on their fake clock.
var t0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) Event(obj api.Object, _, _, reason, message string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, obj.GetName()+" "+reason+": "+message)
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

// lab drives the controller's passes by hand on a fake clock, against the
// fake clientset its informers follow.
type lab struct {
	t     *testing.T
	ctx   context.Context
	cs    *fake.Clientset
	c     *Controller
	clock *clocktesting.FakePassiveClock
	rec   *recorder
	seen  int // actions already reported by writes
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

// at sets the fake clock to t0+d.
func (l *lab) at(d time.Duration) { l.clock.SetTime(t0.Add(d)) }

// monitor runs one health pass, then waits for the informers to see its writes.
func (l *lab) monitor() {
	l.t.Helper()
	if err := l.c.monitorNodeHealth(l.ctx); err != nil {
		l.t.Fatal(err)
	}
	l.settle()
}

// taint runs one NoExecute tainting pass, then waits for the informers.
func (l *lab) taint() {
	l.t.Helper()
	l.c.noExecuteTaintingPass(l.ctx)
	l.settle()
}

// settle waits until the informers' caches hold what the clientset holds.
func (l *lab) settle() {
	l.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !l.synced() {
		if time.Now().After(deadline) {
			l.t.Fatal("the informers never caught up with the clientset")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (l *lab) synced() bool {
	nodes, _ := l.cs.CoreV1().Nodes().List(l.ctx, metav1.ListOptions{})
	for i := range nodes.Items {
		got, err := l.c.nodes.Get(nodes.Items[i].Name)
		if err != nil || !reflect.DeepEqual(got, &nodes.Items[i]) {
			return false
		}
	}
	pods, _ := l.cs.CoreV1().Pods("").List(l.ctx, metav1.ListOptions{})
	cached, _ := l.c.pods.List(labels.Everything())
	if len(cached) != len(pods.Items) {
		return false
	}
	for i := range pods.Items {
		got, err := l.c.pods.Pods(pods.Items[i].Namespace).Get(pods.Items[i].Name)
		if err != nil || !reflect.DeepEqual(got, &pods.Items[i]) {
			return false
		}
	}
	leases, _ := l.cs.CoordinationV1().Leases(corev1.NamespaceNodeLease).List(l.ctx, metav1.ListOptions{})
	for i := range leases.Items {
		got, err := l.c.leases.Leases(corev1.NamespaceNodeLease).Get(leases.Items[i].Name)
		if err != nil || !reflect.DeepEqual(got, &leases.Items[i]) {
			return false
		}
	}
	return true
}

// writes lists the writes made since the last call, as "verb
// resource/subresource name", the test's own writes left out.
func (l *lab) writes() []string {
	var out []string
	actions := l.cs.Actions()
	for _, a := range actions[l.seen:] {
		verb := a.GetVerb()
		if verb != "create" && verb != "update" && verb != "patch" && verb != "delete" {
			continue
		}
		w := verb + " " + a.GetResource().Resource
		if a.GetSubresource() != "" {
			w += "/" + a.GetSubresource()
		}
		if n, ok := a.(interface{ GetName() string }); ok && n.GetName() != "" {
			w += " " + n.GetName()
		} else if o, ok := a.(interface{ GetObject() runtime.Object }); ok {
			if m, ok := o.GetObject().(metav1.Object); ok {
				w += " " + m.GetName()
			}
		}
		out = append(out, w)
	}
	l.seen = len(actions)
	return out
}

// quiet fails the test when the controller wrote since the last look.
func (l *lab) quiet(when string) {
	l.t.Helper()
	if w := l.writes(); len(w) > 0 {
		l.t.Fatalf("%s: writes %v, want none", when, w)
	}
}

func (l *lab) wantWrites(when string, want ...string) {
	l.t.Helper()
	got := l.writes()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		l.t.Fatalf("%s: writes %v, want %v", when, got, want)
	}
}

// renew renews the nodes' leases now, as their kubelets would (the test's
// own write, not reported by writes).
func (l *lab) renew(names ...string) {
	l.t.Helper()
	for _, name := range names {
		lease, err := l.cs.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(l.ctx, name, metav1.GetOptions{})
		if err != nil {
			l.t.Fatal(err)
		}
		renewed := metav1.NewMicroTime(l.clock.Now())
		lease.Spec.RenewTime = &renewed
		if _, err := l.cs.CoordinationV1().Leases(corev1.NamespaceNodeLease).Update(l.ctx, lease, metav1.UpdateOptions{}); err != nil {
			l.t.Fatal(err)
		}
	}
	l.settle()
	l.writes()
}

// kubeletReports writes the node's Ready condition as its kubelet would on
// coming back: status, a fresh heartbeat, a transition when it flips.
func (l *lab) kubeletReports(name string, status corev1.ConditionStatus, reason string) {
	l.t.Helper()
	node, err := l.cs.CoreV1().Nodes().Get(l.ctx, name, metav1.GetOptions{})
	if err != nil {
		l.t.Fatal(err)
	}
	now := metav1.NewTime(l.clock.Now())
	for i := range node.Status.Conditions {
		c := &node.Status.Conditions[i]
		want, why := corev1.ConditionFalse, "KubeletHasSufficientMemory"
		if c.Type == corev1.NodeReady {
			want, why = status, reason
		}
		if c.Status != want {
			c.LastTransitionTime = now
		}
		c.Status, c.Reason, c.LastHeartbeatTime = want, why, now
	}
	if _, err := l.cs.CoreV1().Nodes().UpdateStatus(l.ctx, node, metav1.UpdateOptions{}); err != nil {
		l.t.Fatal(err)
	}
	l.settle()
	l.writes()
}

func (l *lab) node(name string) *corev1.Node {
	l.t.Helper()
	n, err := l.cs.CoreV1().Nodes().Get(l.ctx, name, metav1.GetOptions{})
	if err != nil {
		l.t.Fatal(err)
	}
	return n
}

func (l *lab) pod(name string) *corev1.Pod {
	l.t.Helper()
	p, err := l.cs.CoreV1().Pods("default").Get(l.ctx, name, metav1.GetOptions{})
	if err != nil {
		l.t.Fatal(err)
	}
	return p
}

// readyNode is a node its kubelet reported Ready at t0, created an hour
// before, with its lease renewed at t0.
func readyNode(name string, labels map[string]string) []runtime.Object {
	hb, created := metav1.NewTime(t0), metav1.NewTime(t0.Add(-time.Hour))
	cond := func(t corev1.NodeConditionType, s corev1.ConditionStatus, reason string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: t, Status: s, Reason: reason, LastHeartbeatTime: hb, LastTransitionTime: created}
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: apitypes.UID("uid-" + name), Labels: labels, CreationTimestamp: created},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{
			cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory"),
			cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure"),
			cond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID"),
			cond(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady"),
		}},
	}
	renewed := metav1.NewMicroTime(t0)
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: corev1.NamespaceNodeLease},
		Spec:       coordinationv1.LeaseSpec{HolderIdentity: &name, RenewTime: &renewed},
	}
	return []runtime.Object{node, lease}
}

// readyNodes are readyNode for each name.
func readyNodes(names ...string) []runtime.Object {
	var out []runtime.Object
	for _, n := range names {
		out = append(out, readyNode(n, nil)...)
	}
	return out
}

// runningPod is a Ready pod on node.
func runningPod(name, node string) *corev1.Pod {
	since := metav1.NewTime(t0.Add(-30 * time.Minute))
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: apitypes.UID("uid-" + name)},
		Spec:       corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{
			{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: since},
			{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: since},
		}},
	}
}

func condition(n *corev1.Node, t corev1.NodeConditionType) corev1.NodeCondition {
	if c := nodeCondition(&n.Status, t); c != nil {
		return *c
	}
	return corev1.NodeCondition{}
}

func podReady(p *corev1.Pod) corev1.PodCondition {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c
		}
	}
	return corev1.PodCondition{}
}

// noExecute lists the node's NoExecute taints as key@seconds-after-t0.
func noExecute(n *corev1.Node) []string {
	var out []string
	for _, t := range n.Spec.Taints {
		if t.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		at := "?"
		if t.TimeAdded != nil {
			at = fmt.Sprint(t.TimeAdded.Sub(t0).Seconds())
		}
		out = append(out, t.Key+"@"+at)
	}
	return out
}
