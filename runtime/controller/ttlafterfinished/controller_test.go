package ttlafterfinished

import (
	"context"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/podlab/podlab/internal/kubetest"
	"github.com/podlab/podlab/runtime/labclock"
)

func start(t *testing.T) kubernetes.Interface {
	t.Helper()
	old := labclock.Scale()
	labclock.SetScale(0.01) // 300 s are 3 s
	t.Cleanup(func() { labclock.SetScale(old) })
	c := kubetest.Start(t, kubetest.Options{}).Client
	factory := informers.NewSharedInformerFactory(c, 0)
	ctl, err := New(c, factory)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	factory.Start(ctx.Done())
	done := make(chan struct{})
	go func() { ctl.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; factory.Shutdown() })
	return c
}

// finishedJob creates a job with the TTL and marks it Complete, as the job
// controller would.
func finishedJob(t *testing.T, c kubernetes.Interface, name string, ttl *int32) {
	t.Helper()
	ctx := context.Background()
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: batchv1.JobSpec{TTLSecondsAfterFinished: ttl, Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}},
	}
	j, err := c.BatchV1().Jobs("default").Create(ctx, j, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := metav1.Now()
	j.Status.StartTime, j.Status.CompletionTime = &now, &now
	j.Status.Succeeded = 1
	j.Status.Conditions = []batchv1.JobCondition{
		{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, LastTransitionTime: now},
	}
	if _, err := c.BatchV1().Jobs("default").UpdateStatus(ctx, j, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func exists(t *testing.T, c kubernetes.Interface, name string) bool {
	t.Helper()
	_, err := c.BatchV1().Jobs("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	return err == nil
}

// A finished job goes after its TTL (300 s scaled to 3 s; the condition's
// time has whole seconds, so up to 1 s less), not before; a job without a
// TTL stays.
func TestFinishedJobDeletedAfterTTL(t *testing.T) {
	c := start(t)
	finishedJob(t, c, "ttl", new(int32(300)))
	finishedJob(t, c, "keep", nil)
	created := time.Now()
	time.Sleep(300 * time.Millisecond)
	if !exists(t, c, "ttl") {
		t.Fatalf("job deleted %v after finishing, before its TTL", time.Since(created))
	}
	deadline := time.Now().Add(10 * time.Second)
	for exists(t, c, "ttl") {
		if time.Now().After(deadline) {
			t.Fatal("job not deleted after its TTL")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !exists(t, c, "keep") {
		t.Error("the job without a TTL was deleted")
	}
}

// ttlSecondsAfterFinished 0 deletes a job as soon as it finishes.
func TestZeroTTL(t *testing.T) {
	c := start(t)
	finishedJob(t, c, "now", new(int32(0)))
	deadline := time.Now().Add(10 * time.Second)
	for exists(t, c, "now") {
		if time.Now().After(deadline) {
			t.Fatal("job with TTL 0 not deleted")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
