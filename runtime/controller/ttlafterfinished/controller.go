package ttlafterfinished

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/podlab/podlab/runtime/controller/reconcile"
	"github.com/podlab/podlab/runtime/labclock"
)

// Name is the controller's name in kube-controller-manager.
const Name = "ttl-after-finished-controller"

// Controller deletes finished jobs past their TTL.
type Controller struct {
	client kubernetes.Interface
	jobs   batchlisters.JobLister
	synced cache.InformerSynced
	now    func() time.Time
	queue  *reconcile.Queue[string]
}

// New returns the controller over factory's job informer. Call it before
// factory.Start.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory) (*Controller, error) {
	inf := factory.Batch().V1().Jobs()
	c := &Controller{
		client: client,
		jobs:   inf.Lister(),
		now:    time.Now,
		queue:  reconcile.NewQueue[string]("ttl-after-finished controller"),
	}
	reg, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, obj any) { c.enqueue(obj) },
	})
	if err != nil {
		return nil, fmt.Errorf("ttl-after-finished controller: watching jobs: %w", err)
	}
	c.synced = reg.HasSynced
	return c, nil
}

// enqueue queues the jobs that need cleaning up (upstream's needsCleanup).
func (c *Controller) enqueue(obj any) {
	j, ok := obj.(*batchv1.Job)
	if !ok || !needsCleanup(j) {
		return
	}
	if key, err := cache.MetaNamespaceKeyFunc(j); err == nil {
		c.queue.Add(key)
	}
}

func needsCleanup(j *batchv1.Job) bool {
	_, ok := finishedAt(j)
	return j.Spec.TTLSecondsAfterFinished != nil && ok && j.DeletionTimestamp == nil
}

// finishedAt is upstream's jobFinishTime: when the Complete or Failed
// condition became true.
func finishedAt(j *batchv1.Job) (time.Time, bool) {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return c.LastTransitionTime.Time, !c.LastTransitionTime.IsZero()
		}
	}
	return time.Time{}, false
}

// left is how long until the job expires (≤ 0: expired).
func left(j *batchv1.Job, now time.Time) time.Duration {
	at, _ := finishedAt(j)
	return at.Add(labclock.Seconds(int64(*j.Spec.TTLSecondsAfterFinished))).Sub(now)
}

// Run deletes expired jobs until ctx ends. The caller starts the factory.
func (c *Controller) Run(ctx context.Context) error {
	return c.queue.Run(ctx, 1, c.sync, c.synced)
}

// sync is upstream's processJob: check the cached job, then a fresh one,
// then delete it in the background.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	j, err := c.jobs.Jobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if expired, err := c.expired(key, j); err != nil || !expired {
		return err
	}
	fresh, err := c.client.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if expired, err := c.expired(key, fresh); err != nil || !expired {
		return err
	}
	policy := metav1.DeletePropagationBackground
	err = c.client.BatchV1().Jobs(ns).Delete(ctx, name, metav1.DeleteOptions{
		PropagationPolicy: &policy, Preconditions: &metav1.Preconditions{UID: &fresh.UID}})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// expired reports whether the job's TTL has passed; if it has not, the
// job is looked at again when it will have.
func (c *Controller) expired(key string, j *batchv1.Job) (bool, error) {
	if !needsCleanup(j) {
		return false, nil
	}
	if d := left(j, c.now()); d > 0 {
		c.queue.AddAfter(key, d)
		return false, nil
	}
	return true, nil
}
