package job

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/podlab/podlab/runtime/controller/reconcile"
)

// EventSource is the component upstream's job controller records events as.
const EventSource = "job-controller"

// managedBy is the spec.managedBy value (or none) this controller syncs
// (upstream's JobManagedBy rule: other values belong to another controller).
const managedBy = "kubernetes.io/job-controller"

// maxPodCreateDeletePerSync caps one sync's creations or deletions
// (upstream's MaxPodCreateDeletePerSync, 500).
const maxPodCreateDeletePerSync = 500

// workers sync that many jobs at once (upstream's --concurrent-job-syncs is 5).
const workers = 2

// orphanPrefix marks a queue key naming a pod whose finalizer must go
// (upstream's orphan queue).
const orphanPrefix = "orphan:"

var jobKind = batchv1.SchemeGroupVersion.WithKind("Job")

// Recorder records events (runtime/events' Recorder implements it).
type Recorder = reconcile.Recorder

// Option configures a Controller.
type Option func(*Controller)

// WithRecorder makes the controller record upstream's events through rec.
func WithRecorder(rec Recorder) Option { return func(c *Controller) { c.rec = rec } }

// Controller runs jobs to completion.
type Controller struct {
	client  kubernetes.Interface
	jobs    batchlisters.JobLister
	pods    corelisters.PodLister
	synced  []cache.InformerSynced
	rec     Recorder
	exp     *expectations
	backoff *backoffStore
	now     func() time.Time
	queue   *reconcile.Queue[string]
}

// New returns the job controller, reading jobs and pods from factory's
// informers and writing through client. Call it before factory.Start.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, opts ...Option) (*Controller, error) {
	jobInf, podInf := factory.Batch().V1().Jobs(), factory.Core().V1().Pods()
	c := &Controller{
		client:  client,
		jobs:    jobInf.Lister(),
		pods:    podInf.Lister(),
		exp:     newExpectations(),
		backoff: newBackoffStore(),
		now:     time.Now,
		queue:   reconcile.NewQueue[string]("job controller"),
	}
	for _, o := range opts {
		o(c)
	}
	jobReg, err := jobInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: c.updateJob,
		DeleteFunc: c.deleteJob,
	})
	if err != nil {
		return nil, fmt.Errorf("job controller: watching jobs: %w", err)
	}
	podReg, err := podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.addPod,
		UpdateFunc: c.updatePod,
		DeleteFunc: func(obj any) { c.deletePod(obj, true) },
	})
	if err != nil {
		return nil, fmt.Errorf("job controller: watching pods: %w", err)
	}
	c.synced = []cache.InformerSynced{jobReg.HasSynced, podReg.HasSynced}
	return c, nil
}

func (c *Controller) enqueue(obj any) {
	if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

// updateJob: a changed activeDeadlineSeconds wakes the job when the new
// deadline passes (upstream's updateJob).
func (c *Controller) updateJob(oldObj, curObj any) {
	old, cur := oldObj.(*batchv1.Job), curObj.(*batchv1.Job)
	c.enqueue(cur)
	if cur.Status.StartTime != nil && cur.Spec.ActiveDeadlineSeconds != nil &&
		(old.Spec.ActiveDeadlineSeconds == nil || *old.Spec.ActiveDeadlineSeconds != *cur.Spec.ActiveDeadlineSeconds) {
		if key, err := cache.MetaNamespaceKeyFunc(cur); err == nil {
			c.queue.AddAfter(key, deadlineLeft(cur, c.now()))
		}
	}
}

// deleteJob: the job's pods lose their finalizer (upstream's
// cleanupPodFinalizers); the garbage collector deletes them.
func (c *Controller) deleteJob(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	j, ok := obj.(*batchv1.Job)
	if !ok {
		return
	}
	key := j.Namespace + "/" + j.Name
	c.exp.forget(key)
	c.backoff.forget(key)
	pods, _ := c.pods.Pods(j.Namespace).List(everything)
	// Its pods, and orphans it released (a delete with the orphan policy
	// drops their references first): syncOrphan decides.
	for _, p := range pods {
		if hasFinalizer(p) {
			c.queue.Add(orphanPrefix + podKey(p))
		}
	}
	c.queue.Add(key)
}

// resolve finds the job a controller reference names (nil if none).
func (c *Controller) resolve(ns string, ref *metav1.OwnerReference) *batchv1.Job {
	if ref == nil || ref.Kind != jobKind.Kind || ref.APIVersion != jobKind.GroupVersion().String() {
		return nil
	}
	j, err := c.jobs.Jobs(ns).Get(ref.Name)
	if err != nil || j.UID != ref.UID {
		return nil
	}
	return j
}

func jobKey(j *batchv1.Job) string { return j.Namespace + "/" + j.Name }

func podKey(p *corev1.Pod) string { return p.Namespace + "/" + p.Name }

// addPod: a created pod is an observed creation; an orphan the selector of
// a job matches may be adopted; an orphan with the finalizer loses it.
func (c *Controller) addPod(obj any) {
	pod := obj.(*corev1.Pod)
	if pod.DeletionTimestamp != nil {
		c.deletePod(pod, false)
		return
	}
	if ref := metav1.GetControllerOf(pod); ref != nil {
		j := c.resolve(pod.Namespace, ref)
		if j == nil {
			if ref.Kind == jobKind.Kind && hasFinalizer(pod) {
				c.queue.Add(orphanPrefix + podKey(pod))
			}
			return
		}
		c.exp.CreationObserved(jobKey(j))
		c.queue.Add(jobKey(j))
		return
	}
	if hasFinalizer(pod) {
		c.queue.Add(orphanPrefix + podKey(pod))
	}
	c.enqueueSelecting(pod)
}

// updatePod: a pod being deleted is an observed deletion; a removed
// finalizer is an observed removal; the owner (old and new) syncs.
func (c *Controller) updatePod(oldObj, curObj any) {
	old, cur := oldObj.(*corev1.Pod), curObj.(*corev1.Pod)
	if cur.ResourceVersion == old.ResourceVersion {
		return
	}
	if hasFinalizer(old) && !hasFinalizer(cur) {
		if j := c.resolve(cur.Namespace, metav1.GetControllerOf(cur)); j != nil {
			c.exp.finalizerRemovalObserved(jobKey(j), string(cur.UID))
		}
	}
	if cur.DeletionTimestamp != nil {
		c.deletePod(cur, false)
	}
	oldRef, curRef := metav1.GetControllerOf(old), metav1.GetControllerOf(cur)
	if oldRef != nil && (curRef == nil || curRef.UID != oldRef.UID) {
		if j := c.resolve(old.Namespace, oldRef); j != nil {
			c.queue.Add(jobKey(j))
		}
	}
	if curRef != nil {
		if j := c.resolve(cur.Namespace, curRef); j != nil {
			c.queue.Add(jobKey(j))
		} else if curRef.Kind == jobKind.Kind && hasFinalizer(cur) {
			c.queue.Add(orphanPrefix + podKey(cur))
		}
		return
	}
	if hasFinalizer(cur) {
		c.queue.Add(orphanPrefix + podKey(cur))
	}
	c.enqueueSelecting(cur)
}

// deletePod: a pod of a job gone (final: the informer's delete) or going
// is an observed deletion. A pod gone has no finalizer left to remove,
// whatever its last state says: the apiserver deletes a terminating pod
// whose last finalizer goes without storing that change, so the delete
// event still shows the finalizer (upstream's deletePod(final=true)).
func (c *Controller) deletePod(obj any, final bool) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj, final = d.Obj, true
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	j := c.resolve(pod.Namespace, metav1.GetControllerOf(pod))
	if j == nil {
		return
	}
	key := jobKey(j)
	c.exp.DeletionObserved(key, podKey(pod))
	if final || !hasFinalizer(pod) {
		c.exp.finalizerRemovalObserved(key, string(pod.UID))
	}
	c.queue.Add(key)
}

// enqueueSelecting offers an orphan to the jobs whose selector matches it.
func (c *Controller) enqueueSelecting(pod *corev1.Pod) {
	jobs, err := c.jobs.Jobs(pod.Namespace).List(everything)
	if err != nil {
		return
	}
	for _, j := range jobs {
		if sel, err := metav1.LabelSelectorAsSelector(j.Spec.Selector); err == nil && !sel.Empty() && sel.Matches(labelSet(pod.Labels)) {
			c.queue.Add(jobKey(j))
		}
	}
}

// Run keeps the jobs until ctx ends. The caller starts the informer factory.
func (c *Controller) Run(ctx context.Context) error {
	return c.queue.Run(ctx, workers, c.syncKey, c.synced...)
}

// syncKey syncs a job, or an orphaned pod queued under orphanPrefix.
func (c *Controller) syncKey(ctx context.Context, key string) error {
	if pod, ok := strings.CutPrefix(key, orphanPrefix); ok {
		return c.syncOrphan(ctx, pod)
	}
	return c.sync(ctx, key)
}

func (c *Controller) event(j *batchv1.Job, eventType, reason, message string) {
	if c.rec != nil {
		c.rec.Event(j, "", eventType, reason, message)
	}
}

func hasFinalizer(p *corev1.Pod) bool {
	return slices.Contains(p.Finalizers, batchv1.JobTrackingFinalizer)
}
