package namespace

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"

	"github.com/podlab/podlab/internal/kubetest"
)

// runController starts the controller on the test API server.
func runController(t *testing.T, srv *kubetest.Server) {
	t.Helper()
	meta, err := metadata.NewForConfig(srv.Config)
	if err != nil {
		t.Fatal(err)
	}
	srv.RunController(t, func(f informers.SharedInformerFactory) (kubetest.Runner, error) { return New(srv.Client, meta, f) })
}

// ok fails the test on a call's error: ok(t)(client.Create(...)).
func ok(t *testing.T) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

func gone(c kubernetes.Interface, name string) bool {
	_, err := c.CoreV1().Namespaces().Get(context.Background(), name, metav1.GetOptions{})
	return apierrors.IsNotFound(err)
}

func fill(t *testing.T, c kubernetes.Interface, ns string) {
	t.Helper()
	ctx := context.Background()
	ok(t)(c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}))
	for _, name := range []string{"settings", "more-settings"} {
		ok(t)(c.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"k": "v"}}, metav1.CreateOptions{}))
	}
	ok(t)(c.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "token"}}, metav1.CreateOptions{}))
	ok(t)(c.CoreV1().Events(ns).Create(ctx, &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "settings.1"},
		InvolvedObject: corev1.ObjectReference{Kind: "ConfigMap", Namespace: ns, Name: "settings"},
		Reason:         "Test", Message: "an event to delete", Type: corev1.EventTypeNormal,
	}, metav1.CreateOptions{}))
}

// Deleting a namespace with pods and configmaps empties it: everything but
// a running pod goes at once, the pod gracefully; the namespace reports it
// and goes when the pod's kubelet (played here) is done.
func TestAPIDeletingANamespaceEmptiesAndRemovesIt(t *testing.T) {
	srv := kubetest.Start(t, kubetest.Options{})
	c := srv.Client
	ctx := context.Background()
	requireStatusWritesKeepTerminatingNamespaces(t, c)
	runController(t, srv)
	fill(t, c, "demo")
	pod := func(name string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}}
	}
	ok(t)(c.CoreV1().Pods("demo").Create(ctx, pod("pending"), metav1.CreateOptions{}))
	running := pod("running")
	running.Namespace = "demo"
	srv.Running(t, running) // bound and running, as the scheduler and a kubelet would leave it

	if err := c.CoreV1().Namespaces().Delete(ctx, "demo", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	var ns *corev1.Namespace
	eventually(t, "NamespaceContentRemaining", func() bool {
		var err error
		if ns, err = c.CoreV1().Namespaces().Get(ctx, "demo", metav1.GetOptions{}); err != nil {
			t.Fatal(err)
		}
		return nsCondition(ns, corev1.NamespaceContentRemaining).Status == corev1.ConditionTrue
	})
	if got := nsCondition(ns, corev1.NamespaceContentRemaining).Message; got != "Some resources are remaining: pods. has 1 resource instances" {
		t.Fatalf("NamespaceContentRemaining message %q", got)
	}
	if ns.Status.Phase != corev1.NamespaceTerminating {
		t.Fatalf("phase %s", ns.Status.Phase)
	}
	meta, err := metadata.NewForConfig(srv.Config)
	if err != nil {
		t.Fatal(err)
	}
	for _, gvr := range []schema.GroupVersionResource{
		corev1.SchemeGroupVersion.WithResource("configmaps"), corev1.SchemeGroupVersion.WithResource("secrets"),
		corev1.SchemeGroupVersion.WithResource("events"),
	} {
		if list, err := meta.Resource(gvr).Namespace("demo").List(ctx, metav1.ListOptions{}); err != nil || len(list.Items) != 0 {
			t.Errorf("%s left: %v %v", gvr.Resource, list, err)
		}
	}
	pods, err := c.CoreV1().Pods("demo").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != 1 || pods.Items[0].Name != "running" || pods.Items[0].DeletionTimestamp == nil {
		t.Fatalf("pods left: %+v; want only the running one, being deleted gracefully", pods.Items)
	}

	// Nothing changes while the pod stops: nothing is written.
	before := ns.ResourceVersion
	time.Sleep(time.Second)
	if after, err := c.CoreV1().Namespaces().Get(ctx, "demo", metav1.GetOptions{}); err != nil || after.ResourceVersion != before {
		t.Fatalf("namespace rewritten while nothing changed (%s -> %v, %v)", before, after, err)
	}

	// The kubelet's last word: the containers stopped, the pod goes.
	zero := int64(0)
	if err := c.CoreV1().Pods("demo").Delete(ctx, "running", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "namespace removed", func() bool { return gone(c, "demo") })
}

// requireStatusWritesKeepTerminatingNamespaces skips the test when the
// API server deletes a Terminating namespace on any write to it, as the
// generic registry does unless the namespace storage says otherwise
// (upstream's ShouldDeleteNamespaceDuringUpdate: not while spec.finalizers
// remain). Then the controller's first condition write would remove a
// namespace whose content is still there.
func requireStatusWritesKeepTerminatingNamespaces(t *testing.T, c kubernetes.Interface) {
	t.Helper()
	ctx := context.Background()
	ok(t)(c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "probe"}}, metav1.CreateOptions{}))
	if err := c.CoreV1().Namespaces().Delete(ctx, "probe", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	ns, err := c.CoreV1().Namespaces().Get(ctx, "probe", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ns.Status.Conditions = []corev1.NamespaceCondition{{Type: corev1.NamespaceContentRemaining, Status: corev1.ConditionTrue, Reason: "Probe"}}
	ok(t)(c.CoreV1().Namespaces().UpdateStatus(ctx, ns, metav1.UpdateOptions{}))
	if gone(c, "probe") {
		t.Fatal("the registry deleted a Terminating namespace on a status write while spec.finalizers remain " +
			"(it needs upstream's ShouldDeleteNamespaceDuringUpdate)")
	}
}

// A namespace left Terminating while no controller ran is finished when
// one starts.
func TestAPIResumesATerminatingNamespace(t *testing.T) {
	srv := kubetest.Start(t, kubetest.Options{})
	fill(t, srv.Client, "left")
	if err := srv.Client.CoreV1().Namespaces().Delete(context.Background(), "left", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if gone(srv.Client, "left") {
		t.Fatal("namespace went without a controller")
	}
	runController(t, srv)
	eventually(t, "namespace removed", func() bool { return gone(srv.Client, "left") })
}
