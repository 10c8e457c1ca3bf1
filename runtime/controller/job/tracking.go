package job

import (
	"context"
	"reflect"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// uncounted is status.uncountedTerminatedPods as sets.
type uncounted struct {
	Succeeded, Failed []types.UID
	has               map[types.UID]bool
}

func uncountedOf(j *batchv1.Job) *uncounted {
	u := &uncounted{has: map[types.UID]bool{}}
	if s := j.Status.UncountedTerminatedPods; s != nil {
		u.Succeeded = append(u.Succeeded, s.Succeeded...)
		u.Failed = append(u.Failed, s.Failed...)
	}
	for _, id := range append(append([]types.UID(nil), u.Succeeded...), u.Failed...) {
		u.has[id] = true
	}
	return u
}

// isFailed is upstream's isPodFailed: Failed, or (unless only failed pods
// are replaced) being deleted before it succeeded, so that a pod deleted
// by hand, by the controller or by eviction is never lost.
func isFailed(p *corev1.Pod, j *batchv1.Job) bool {
	if p.Status.Phase == corev1.PodFailed {
		return true
	}
	if onlyReplaceFailed(j) {
		return false
	}
	return p.DeletionTimestamp != nil && p.Status.Phase != corev1.PodSucceeded
}

// newFinished is upstream's getNewFinishedPods: the ended pods that still
// carry the finalizer and are not yet uncounted or being un-finalized.
func (st *state) newFinished(u *uncounted) (succeeded, failed []*corev1.Pod) {
	for _, p := range st.pods {
		if !hasFinalizer(p) || u.has[p.UID] || st.rmFinalizers[string(p.UID)] {
			continue
		}
		switch {
		case p.Status.Phase == corev1.PodSucceeded:
			succeeded = append(succeeded, p)
		case isFailed(p, st.job):
			failed = append(failed, p)
		}
	}
	return succeeded, failed
}

// track is upstream's trackJobStatusAndRemoveFinalizers: ended pods go to
// uncountedTerminatedPods (written first), lose their finalizer, then move
// to the counters; the terminal condition is set once nothing is uncounted
// and no pod terminates.
func (c *Controller) track(ctx context.Context, st *state, statusChanged bool, cached *batchv1.Job) error {
	j := st.job
	key := jobKey(j)
	u := uncountedOf(j)
	indexed := isIndexed(j)
	done := completedIndexes(j)
	grew := false
	var rm []*corev1.Pod
	for _, p := range st.pods {
		if !hasFinalizer(p) || st.rmFinalizers[string(p.UID)] {
			continue
		}
		failed := isFailed(p, j)
		// upstream's canRemoveFinalizer, then the pods whose finalizer goes.
		if j.DeletionTimestamp != nil || st.finished != nil || terminal(p) || failed {
			rm = append(rm, p)
		}
		ix := podIndex(p)
		validIx := ix >= 0 && j.Spec.Completions != nil && ix < int(*j.Spec.Completions)
		switch {
		case p.Status.Phase == corev1.PodSucceeded && !u.has[p.UID]:
			if indexed {
				if validIx && !done[ix] {
					done[ix] = true
					grew = true
				}
			} else {
				u.Succeeded = append(u.Succeeded, p.UID)
				u.has[p.UID] = true
				grew = true
			}
		case (failed || (st.finished != nil && st.finished.Type == batchv1.JobFailed)) && !u.has[p.UID] && p.Status.Phase != corev1.PodSucceeded:
			if !indexed || validIx {
				u.Failed = append(u.Failed, p.UID)
				u.has[p.UID] = true
				grew = true
			}
		}
	}
	if indexed {
		j.Status.CompletedIndexes = formatIndexes(done)
		j.Status.Succeeded = int32(len(done))
	}
	j.Status.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{Succeeded: u.Succeeded, Failed: u.Failed}
	if grew {
		// Recorded before the finalizers go: a restart finds them here.
		if err := c.writeStatus(ctx, j); err != nil {
			return err
		}
		statusChanged = false
	}
	holding := map[types.UID]bool{}
	for _, p := range st.pods {
		if hasFinalizer(p) && !st.rmFinalizers[string(p.UID)] {
			holding[p.UID] = true
		}
	}
	var rmErr error
	for _, p := range rm {
		c.exp.expectFinalizerRemoval(key, string(p.UID))
		if err := c.removeFinalizer(ctx, p); err != nil {
			c.exp.finalizerRemovalObserved(key, string(p.UID))
			rmErr = err
			continue
		}
		delete(holding, p.UID)
	}
	// Upstream's flush: what lost its finalizer is counted.
	var keepS, keepF []types.UID
	for _, id := range u.Succeeded {
		if holding[id] {
			keepS = append(keepS, id)
		} else if !indexed {
			j.Status.Succeeded++
		}
	}
	for _, id := range u.Failed {
		if holding[id] {
			keepF = append(keepF, id)
		} else {
			j.Status.Failed++
		}
	}
	j.Status.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{Succeeded: keepS, Failed: keepF}
	var finishedNow *batchv1.JobCondition
	if st.finished != nil && len(keepS)+len(keepF) == 0 && st.terminating == 0 {
		// upstream's enactJobFinished
		setCondition(j, st.finished)
		if st.finished.Type == batchv1.JobComplete {
			j.Status.CompletionTime = &st.finished.LastTransitionTime
		}
		finishedNow = st.finished
	}
	if statusChanged || !reflect.DeepEqual(normalize(j.Status), normalize(cached.Status)) {
		if err := c.writeStatus(ctx, j); err != nil {
			return err
		}
	}
	if finishedNow != nil {
		// upstream's recordJobFinished
		if finishedNow.Type == batchv1.JobComplete {
			c.event(j, corev1.EventTypeNormal, "Completed", "Job completed")
		} else {
			c.event(j, corev1.EventTypeWarning, finishedNow.Reason, finishedNow.Message)
		}
	}
	return rmErr
}

func (c *Controller) writeStatus(ctx context.Context, j *batchv1.Job) error {
	out, err := c.client.BatchV1().Jobs(j.Namespace).UpdateStatus(ctx, j, metav1.UpdateOptions{})
	if err != nil {
		return err
	}
	j.ResourceVersion = out.ResourceVersion
	return nil
}

func normalize(s batchv1.JobStatus) batchv1.JobStatus {
	s = *s.DeepCopy()
	if u := s.UncountedTerminatedPods; u != nil && len(u.Succeeded)+len(u.Failed) == 0 {
		s.UncountedTerminatedPods = nil
	}
	if len(s.Conditions) == 0 {
		s.Conditions = nil
	}
	return s
}
