package scheduler

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/podlab/podlab/runtime/api"
)

// recorded is one event a test recorder saw.
type recorded struct{ object, eventType, reason, message string }

// recorder keeps the events it is given.
type recorder struct {
	mu     sync.Mutex
	events []recorded
}

func (r *recorder) Event(obj api.Object, _, eventType, reason, message string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, recorded{obj.GetNamespace() + "/" + obj.GetName(), eventType, reason, message})
}

func (r *recorder) count(reason string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if e.reason == reason {
			n++
		}
	}
	return n
}

func (r *recorder) last(reason string) (recorded, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.events) - 1; i >= 0; i-- {
		if r.events[i].reason == reason {
			return r.events[i], true
		}
	}
	return recorded{}, false
}

var podsResource = corev1.SchemeGroupVersion.WithResource("pods")

// fakeCluster is a scheduler running on a fake clientset whose pods/binding
// does what the API server's BindingREST does.
type fakeCluster struct {
	client  *fake.Clientset
	factory informers.SharedInformerFactory
	sched   *Scheduler
	rec     *recorder
}

// startFake starts a scheduler on objs; tune, if given, adjusts it first.
func startFake(t testing.TB, tune func(*Scheduler), objs ...runtime.Object) *fakeCluster {
	t.Helper()
	c := fake.NewClientset(objs...)
	c.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		create := a.(k8stesting.CreateAction)
		if create.GetSubresource() != "binding" {
			return false, nil, nil
		}
		b := create.GetObject().(*corev1.Binding)
		obj, err := c.Tracker().Get(podsResource, b.Namespace, b.Name)
		if err != nil {
			return true, nil, err
		}
		pod := obj.(*corev1.Pod).DeepCopy()
		if pod.Spec.NodeName != "" || (b.UID != "" && b.UID != pod.UID) {
			return true, nil, apierrors.NewConflict(podsResource.GroupResource(), b.Name, fmt.Errorf("already assigned"))
		}
		pod.Spec.NodeName = b.Target.Name
		api.SetPodCondition(&pod.Status, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue})
		return true, nil, c.Tracker().Update(podsResource, pod, b.Namespace)
	})
	factory := informers.NewSharedInformerFactory(c, 0)
	rec := &recorder{}
	s, err := New(c, factory, rec)
	if err != nil {
		t.Fatal(err)
	}
	if tune != nil {
		tune(s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	factory.Start(ctx.Done())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; factory.Shutdown() })
	factory.WaitForCacheSync(ctx.Done())
	return &fakeCluster{client: c, factory: factory, sched: s, rec: rec}
}

// writes counts the writes made through the clientset so far.
func (f *fakeCluster) writes() int {
	n := 0
	for _, a := range f.client.Actions() {
		switch a.GetVerb() {
		case "create", "update", "patch", "delete", "deletecollection":
			n++
		}
	}
	return n
}

func (f *fakeCluster) pod(t testing.TB, ns, name string) *corev1.Pod {
	t.Helper()
	p, err := f.client.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// eventually polls check until it holds or the deadline passes.
func eventually(t testing.TB, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func pendingPod(name string, mutate func(*corev1.Pod)) *corev1.Pod {
	p := podWith(mutate)
	p.Name, p.UID = name, types.UID("uid-"+name)
	p.Status.Phase = corev1.PodPending
	return p
}

func condition(p *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == t {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}
