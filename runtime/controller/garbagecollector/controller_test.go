package garbagecollector

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"

	"github.com/podlab/podlab/internal/kubetest"
)

func start(t *testing.T) *kubetest.Server {
	t.Helper()
	srv := kubetest.Start(t, kubetest.Options{})
	meta, err := metadata.NewForConfig(srv.Config)
	if err != nil {
		t.Fatal(err)
	}
	gc, err := New(meta)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); gc.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return srv
}

func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func owner(t *testing.T, c kubernetes.Interface) *appsv1.ReplicaSet {
	t.Helper()
	labels := map[string]string{"app": "web"}
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: appsv1.ReplicaSetSpec{Replicas: new(int32(0)), Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}}}},
	}
	out, err := c.AppsV1().ReplicaSets("default").Create(context.Background(), rs, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ownedPod(name string, uid types.UID) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "web"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web", UID: uid, Controller: new(true), BlockOwnerDeletion: new(true)}}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
	}
}

func getPod(c kubernetes.Interface, name string) (*corev1.Pod, bool) {
	p, err := c.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
	return p, !apierrors.IsNotFound(err)
}

func rsExists(c kubernetes.Interface) (*appsv1.ReplicaSet, bool) {
	rs, err := c.AppsV1().ReplicaSets("default").Get(context.Background(), "web", metav1.GetOptions{})
	return rs, !apierrors.IsNotFound(err)
}

func deleteRS(t *testing.T, c kubernetes.Interface, policy metav1.DeletionPropagation) {
	t.Helper()
	if err := c.AppsV1().ReplicaSets("default").Delete(context.Background(), "web", metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
		t.Fatal(err)
	}
}

// Background: the owner goes at once, its dependents after it.
func TestAPIBackgroundDeletion(t *testing.T) {
	srv := start(t)
	c := srv.Client
	rs := owner(t, c)
	for _, n := range []string{"a", "b"} {
		if _, err := c.CoreV1().Pods("default").Create(context.Background(), ownedPod(n, rs.UID), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond)
	if _, ok := getPod(c, "a"); !ok {
		t.Fatal("a dependent of a live owner was collected")
	}
	deleteRS(t, c, metav1.DeletePropagationBackground)
	eventually(t, "dependents gone", func() bool {
		_, a := getPod(c, "a")
		_, b := getPod(c, "b")
		return !a && !b
	})
}

// A reference to an owner that never existed (or was recreated with
// another uid) is dangling: the dependent goes; with a solid owner too,
// only the dangling reference goes.
func TestAPIDanglingReferences(t *testing.T) {
	srv := start(t)
	c := srv.Client
	if _, err := c.CoreV1().Pods("default").Create(context.Background(), ownedPod("lost", "no-such-uid"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "dangling dependent gone", func() bool { _, ok := getPod(c, "lost"); return !ok })

	rs := owner(t, c)
	p := ownedPod("kept", rs.UID)
	p.OwnerReferences = append(p.OwnerReferences, metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: "gone", UID: "gone-uid"})
	if _, err := c.CoreV1().Pods("default").Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "dangling reference removed", func() bool {
		p, ok := getPod(c, "kept")
		return ok && len(p.OwnerReferences) == 1 && p.OwnerReferences[0].UID == rs.UID
	})
}

// Foreground: the owner waits, Terminating with the foregroundDeletion
// finalizer, until its blocking dependents are gone.
func TestAPIForegroundDeletion(t *testing.T) {
	srv := start(t)
	c := srv.Client
	rs := owner(t, c)
	srv.Running(t, ownedPod("a", rs.UID)) // bound: its deletion waits for a kubelet
	deleteRS(t, c, metav1.DeletePropagationForeground)
	eventually(t, "dependent being deleted", func() bool {
		p, ok := getPod(c, "a")
		return ok && p.DeletionTimestamp != nil
	})
	time.Sleep(300 * time.Millisecond)
	got, ok := rsExists(c)
	if !ok || got.DeletionTimestamp == nil || len(got.Finalizers) != 1 || got.Finalizers[0] != metav1.FinalizerDeleteDependents {
		t.Fatalf("owner while its dependent terminates: %v %+v", ok, got)
	}
	zero := int64(0) // the kubelet's last word
	if err := c.CoreV1().Pods("default").Delete(context.Background(), "a", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "owner gone", func() bool { _, ok := rsExists(c); return !ok })
}

// Orphan: the dependents lose their reference and stay; the owner goes.
func TestAPIOrphanDeletion(t *testing.T) {
	srv := start(t)
	c := srv.Client
	rs := owner(t, c)
	if _, err := c.CoreV1().Pods("default").Create(context.Background(), ownedPod("a", rs.UID), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deleteRS(t, c, metav1.DeletePropagationOrphan)
	eventually(t, "owner gone", func() bool { _, ok := rsExists(c); return !ok })
	p, ok := getPod(c, "a")
	if !ok || len(p.OwnerReferences) != 0 || p.DeletionTimestamp != nil {
		t.Fatalf("orphan %v %+v", ok, p)
	}
	time.Sleep(200 * time.Millisecond)
	if _, ok := getPod(c, "a"); !ok {
		t.Fatal("the orphan was collected")
	}
}
