package namespace

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	metafake "k8s.io/client-go/metadata/fake"
	k8stesting "k8s.io/client-go/testing"
)

var (
	podsGVR       = corev1.SchemeGroupVersion.WithResource("pods")
	configMapsGVR = corev1.SchemeGroupVersion.WithResource("configmaps")
	allVerbs      = metav1.Verbs{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
)

// fakeCluster is a controller on fake clients: typed objects in client,
// the same content as metadata in meta. Its deletecollection deletes what
// has no finalizers and marks the rest, as the API server does; pods named
// "running-*" are only marked, as a graceful delete leaves them for their
// kubelet.
type fakeCluster struct {
	client *fake.Clientset
	meta   *metafake.FakeMetadataClient
	ctrl   *Controller
}

func terminating(name string, deleted time.Time) *corev1.Namespace {
	at := metav1.NewTime(deleted)
	return &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: "uid-ns-x", DeletionTimestamp: &at},
		Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}},
		Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating},
	}
}

func partial(kind, ns, name string, finalizers ...string) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: kind},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Finalizers: finalizers},
	}
}

func newFake(t *testing.T, typed []runtime.Object, content ...runtime.Object) *fakeCluster {
	t.Helper()
	client := fake.NewClientset(typed...)
	client.Discovery().(*fakediscovery.FakeDiscovery).Resources = []*metav1.APIResourceList{{
		GroupVersion: "v1",
		APIResources: []metav1.APIResource{
			{Name: "pods", Namespaced: true, Kind: "Pod", Verbs: allVerbs},
			{Name: "configmaps", Namespaced: true, Kind: "ConfigMap", Verbs: allVerbs},
			{Name: "namespaces", Namespaced: false, Kind: "Namespace", Verbs: allVerbs},
			{Name: "bindings", Namespaced: true, Kind: "Binding", Verbs: metav1.Verbs{"create"}},
		},
	}}
	scheme := metafake.NewTestScheme()
	if err := metav1.AddMetaToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	meta := metafake.NewSimpleMetadataClient(scheme, content...)
	meta.PrependReactor("delete-collection", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		gvr, ns := a.GetResource(), a.GetNamespace()
		// The tracker itself: the client would wait for the lock this reactor holds.
		list, err := meta.Tracker().List(gvr, schema.GroupVersionKind{Group: "fake-metadata-client-group", Version: "v1"}, ns)
		if err != nil {
			return true, nil, err
		}
		for _, obj := range list.(*metav1.List).Items {
			item := obj.Object.(*metav1.PartialObjectMetadata)
			if len(item.Finalizers) > 0 || strings.HasPrefix(item.Name, "running-") {
				continue // stays, as a graceful delete or a finalizer leaves it
			}
			if err := meta.Tracker().Delete(gvr, ns, item.Name); err != nil {
				return true, nil, err
			}
		}
		return true, nil, nil
	})
	factory := informers.NewSharedInformerFactory(client, 0)
	ctrl, err := New(client, meta, factory)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); factory.Shutdown() })
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	return &fakeCluster{client: client, meta: meta, ctrl: ctrl}
}

// nsWrites lists the writes to namespaces, as "verb" or "verb/subresource".
func (f *fakeCluster) nsWrites() []string {
	var out []string
	for _, a := range f.client.Actions() {
		if a.GetResource().Resource != "namespaces" || a.GetVerb() == "get" || a.GetVerb() == "list" || a.GetVerb() == "watch" {
			continue
		}
		w := a.GetVerb()
		if a.GetSubresource() != "" {
			w += "/" + a.GetSubresource()
		}
		out = append(out, w)
	}
	return out
}

func (f *fakeCluster) namespace(t *testing.T, name string) *corev1.Namespace {
	t.Helper()
	ns, err := f.client.CoreV1().Namespaces().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func nsCondition(ns *corev1.Namespace, t corev1.NamespaceConditionType) corev1.NamespaceCondition {
	for _, c := range ns.Status.Conditions {
		if c.Type == t {
			return c
		}
	}
	return corev1.NamespaceCondition{}
}

func TestEmptiesThenRemovesTheNamespace(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "demo", Name: "web"}}
	f := newFake(t, []runtime.Object{terminating("demo", time.Now()), pod},
		partial("Pod", "demo", "web"), partial("ConfigMap", "demo", "settings"), partial("ConfigMap", "other", "keep"))
	if err := f.ctrl.sync(context.Background(), "demo"); err != nil {
		t.Fatal(err)
	}
	for _, gvr := range []schema.GroupVersionResource{podsGVR, configMapsGVR} {
		if list, _ := f.meta.Resource(gvr).Namespace("demo").List(context.Background(), metav1.ListOptions{}); len(list.Items) != 0 {
			t.Errorf("%s left in demo: %v", gvr.Resource, list.Items)
		}
	}
	if list, _ := f.meta.Resource(configMapsGVR).Namespace("other").List(context.Background(), metav1.ListOptions{}); len(list.Items) != 1 {
		t.Error("another namespace's content was deleted")
	}
	// The conditions (all well), the finalizer (a PUT the fake records as
	// create), the namespace itself.
	if got := strings.Join(f.nsWrites(), ", "); got != "update/status, create/finalize, delete" {
		t.Fatalf("namespace writes: %s", got)
	}
	for _, a := range f.client.Actions() {
		if d, ok := a.(k8stesting.DeleteAction); ok && a.GetResource().Resource == "namespaces" {
			if p := d.GetDeleteOptions().Preconditions; p == nil || p.UID == nil || *p.UID != "uid-ns-x" {
				t.Fatalf("namespace delete without its UID: %+v", d.GetDeleteOptions())
			}
		}
	}
	if _, err := f.client.CoreV1().Namespaces().Get(context.Background(), "demo", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("namespace still there: %v", err)
	}
}

// A pod still stopping keeps the namespace, reported once in
// NamespaceContentRemaining; a pass that finds the same writes nothing.
func TestRemainingPodsAreReportedOnce(t *testing.T) {
	grace := int64(30)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "demo", Name: "running-web"},
		Spec: corev1.PodSpec{TerminationGracePeriodSeconds: &grace}}
	f := newFake(t, []runtime.Object{terminating("demo", time.Now()), pod}, partial("Pod", "demo", "running-web"))
	for pass := 0; pass < 3; pass++ {
		err := f.ctrl.sync(context.Background(), "demo")
		var remaining *contentRemaining
		if !errors.As(err, &remaining) || remaining.wait != 30*time.Second {
			t.Fatalf("pass %d: %v, want 30s of content remaining", pass, err)
		}
	}
	if got := strings.Join(f.nsWrites(), ", "); got != "update/status" {
		t.Fatalf("namespace writes over three passes: %s; want one status update", got)
	}
	c := nsCondition(f.namespace(t, "demo"), corev1.NamespaceContentRemaining)
	if c.Status != corev1.ConditionTrue || c.Reason != "SomeResourcesRemain" || c.Message != "Some resources are remaining: pods. has 1 resource instances" {
		t.Fatalf("NamespaceContentRemaining = %+v", c)
	}

	// Its kubelet is done: the pod goes, and so does the namespace.
	if err := f.client.CoreV1().Pods("demo").Delete(context.Background(), "running-web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := f.meta.Tracker().Delete(podsGVR, "demo", "running-web"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "pod gone from the informer", func() bool { p, _ := f.ctrl.pods.Pods("demo").List(labels.Everything()); return len(p) == 0 })
	if err := f.ctrl.sync(context.Background(), "demo"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.CoreV1().Namespaces().Get(context.Background(), "demo", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("namespace still there: %v", err)
	}
}

func TestFinalizersRemainingAreReported(t *testing.T) {
	f := newFake(t, []runtime.Object{terminating("demo", time.Now())}, partial("ConfigMap", "demo", "held", "example.com/hold"))
	err := f.ctrl.sync(context.Background(), "demo")
	var remaining *contentRemaining
	if !errors.As(err, &remaining) {
		t.Fatalf("sync: %v, want content remaining", err)
	}
	ns := f.namespace(t, "demo")
	if c := nsCondition(ns, corev1.NamespaceFinalizersRemaining); c.Status != corev1.ConditionTrue ||
		c.Message != "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances" {
		t.Fatalf("NamespaceFinalizersRemaining = %+v", c)
	}
	if c := nsCondition(ns, corev1.NamespaceDeletionDiscoveryFailure); c.Status != corev1.ConditionFalse || c.Reason != "ResourcesDiscovered" {
		t.Fatalf("NamespaceDeletionDiscoveryFailure = %+v", c)
	}
}

func TestLeavesActiveNamespacesAlone(t *testing.T) {
	active := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "demo"}, Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}}}
	f := newFake(t, []runtime.Object{active}, partial("ConfigMap", "demo", "settings"))
	if err := f.ctrl.sync(context.Background(), "demo"); err != nil {
		t.Fatal(err)
	}
	if w := f.nsWrites(); len(w) != 0 {
		t.Fatalf("writes to an active namespace: %v", w)
	}
	if list, _ := f.meta.Resource(configMapsGVR).Namespace("demo").List(context.Background(), metav1.ListOptions{}); len(list.Items) != 1 {
		t.Fatal("an active namespace's content was deleted")
	}
}

// A namespace left Terminating by an earlier run is finished when the
// controller starts.
func TestResumesATerminatingNamespace(t *testing.T) {
	f := newFake(t, []runtime.Object{terminating("demo", time.Now().Add(-time.Hour))}, partial("ConfigMap", "demo", "settings"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.ctrl.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	eventually(t, "namespace removed", func() bool {
		_, err := f.client.CoreV1().Namespaces().Get(context.Background(), "demo", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
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
