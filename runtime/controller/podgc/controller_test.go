package podgc

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/podlab/podlab/internal/kubetest"
	"github.com/podlab/podlab/runtime/labclock"
)

func start(t *testing.T, opts ...Option) (*kubetest.Server, kubernetes.Interface) {
	t.Helper()
	old := labclock.Scale()
	labclock.SetScale(0.01) // quarantine 0.4 s, a pass every 0.2 s
	t.Cleanup(func() { labclock.SetScale(old) })
	srv := kubetest.Start(t, kubetest.Options{})
	factory := informers.NewSharedInformerFactory(srv.Client, 0)
	gc, err := New(srv.Client, factory, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	factory.Start(ctx.Done())
	done := make(chan struct{})
	go func() { defer close(done); gc.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; factory.Shutdown() })
	return srv, srv.Client
}

func pod(name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}}}
}

func gone(c kubernetes.Interface, name string) bool {
	_, err := c.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
	return apierrors.IsNotFound(err)
}

func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A pod bound to a node that does not exist goes after the quarantine,
// not before; a pod of a node that exists stays.
func TestAPIOrphanedPodsGoAfterTheQuarantine(t *testing.T) {
	srv, c := start(t)
	ctx := context.Background()
	if _, err := c.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-2"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	bound := time.Now()
	srv.Running(t, pod("orphan")) // bound to kubetest.Node, which is not there
	kept := pod("kept")
	kept.Spec.NodeName = "node-2"
	if _, err := c.CoreV1().Pods("default").Create(ctx, kept, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "orphan deleted", func() bool { return gone(c, "orphan") })
	if waited := time.Since(bound); waited < labclock.Scaled(Quarantine) {
		t.Fatalf("deleted after %v, before the quarantine", waited)
	}
	if gone(c, "kept") {
		t.Fatal("a pod of an existing node was deleted")
	}
}

// Terminated pods over the threshold go, the oldest first.
func TestAPITerminatedPodsOverTheThreshold(t *testing.T) {
	srv, c := start(t, WithThreshold(1))
	ctx := context.Background()
	if _, err := c.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: kubetest.Node}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"first", "second"} {
		p := srv.Running(t, pod(name))
		p.Status.Phase = corev1.PodSucceeded
		if _, err := c.CoreV1().Pods("default").UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond) // creation timestamps have seconds
	}
	eventually(t, "the oldest deleted", func() bool { return gone(c, "first") })
	if gone(c, "second") {
		t.Fatal("the newest terminated pod was deleted too")
	}
}
