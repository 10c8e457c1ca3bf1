package job

import (
	"context"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/labclock"
)

// Upstream's condition messages (pkg/controller/job).
const (
	msgBackoffLimit = "Job has reached the specified backoff limit"
	msgDeadline     = "Job was active longer than specified deadline"
	msgCompletions  = "Reached expected number of succeeded pods"
)

// state is upstream's syncJobCtx: what one sync learnt about a job.
type state struct {
	job         *batchv1.Job
	pods        []*corev1.Pod
	active      []*corev1.Pod
	succeeded   int32
	failed      int32
	terminating int32
	// finished is the terminal condition the job reaches (Complete or
	// Failed), once its interim one (SuccessCriteriaMet, FailureTarget) is set.
	finished *batchv1.JobCondition
	// rmFinalizers are the pods whose finalizer removal is still unseen.
	rmFinalizers map[string]bool
	// done are an Indexed job's succeeded indexes, this sync's included.
	done map[int]bool
}

// sync is upstream's syncJob.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, _ := splitKey(key)
	cached, err := c.jobs.Jobs(ns).Get(name)
	if err != nil {
		return nil // gone: deleteJob cleaned up
	}
	if m := cached.Spec.ManagedBy; m != nil && *m != managedBy {
		return nil
	}
	if finished(cached) {
		return nil
	}
	j := cached.DeepCopy()
	now := c.now()
	satisfied := c.exp.satisfied(key)
	pods, err := c.claim(ctx, j)
	if err != nil {
		return err
	}
	st := &state{job: j, pods: pods, rmFinalizers: c.exp.finalizerRemovals(key)}
	for _, p := range pods {
		if isActive(p) {
			st.active = append(st.active, p)
		} else if p.DeletionTimestamp != nil && !terminal(p) {
			st.terminating++
		}
	}
	uncounted := uncountedOf(j)
	newSucceeded, newFailed := st.newFinished(uncounted)
	st.succeeded = j.Status.Succeeded + int32(len(newSucceeded)+len(uncounted.Succeeded))
	st.failed = j.Status.Failed + int32(len(newFailed)+len(uncounted.Failed))
	if isIndexed(j) {
		st.done = completedIndexes(j)
		for _, p := range newSucceeded {
			if ix := podIndex(p); ix >= 0 && ix < int(*j.Spec.Completions) {
				st.done[ix] = true
			}
		}
		st.succeeded = int32(len(st.done))
	}
	c.backoff.update(key, newSucceeded, newFailed, now)
	active := int32(len(st.active))
	ready := countReady(st.active)

	if j.Status.StartTime == nil && !suspended(j) {
		j.Status.StartTime = &metav1.Time{Time: now}
		if j.Spec.ActiveDeadlineSeconds != nil {
			c.queue.AddAfter(key, labclock.Seconds(*j.Spec.ActiveDeadlineSeconds))
		}
	}

	// An interim condition set earlier decides the terminal one.
	if cond := condition(j, batchv1.JobSuccessCriteriaMet); cond != nil {
		st.finished = newCondition(batchv1.JobComplete, cond.Reason, cond.Message, now)
	} else if cond := condition(j, batchv1.JobFailureTarget); cond != nil {
		st.finished = newCondition(batchv1.JobFailed, cond.Reason, cond.Message, now)
	} else if st.failed > *j.Spec.BackoffLimit || pastBackoffLimitOnFailure(j, st.active) {
		st.finished = c.interim(j, batchv1.JobFailureTarget, batchv1.JobFailed, batchv1.JobReasonBackoffLimitExceeded, msgBackoffLimit, now)
	} else if pastActiveDeadline(j, now) {
		st.finished = c.interim(j, batchv1.JobFailureTarget, batchv1.JobFailed, batchv1.JobReasonDeadlineExceeded, msgDeadline, now)
	} else if j.Spec.ActiveDeadlineSeconds != nil && !suspended(j) {
		c.queue.AddAfter(key, deadlineLeft(j, now))
	}

	var manageErr error
	statusChanged := false
	if st.finished != nil {
		// Upstream's deleteActivePods: the finalizers stay until counted.
		deleted, deletedReady, err := c.deletePods(ctx, j, st.active)
		active -= int32(deleted)
		ready -= int32(deletedReady)
		st.terminating += int32(deleted)
		manageErr = err
	} else {
		managed := false
		if satisfied && j.DeletionTimestamp == nil {
			active, manageErr = c.manage(ctx, st, now)
			managed = true
		}
		complete := false
		if j.Spec.Completions == nil {
			complete = st.succeeded > 0 && active == 0
		} else {
			complete = st.succeeded >= *j.Spec.Completions && active == 0
		}
		if complete {
			st.finished = c.interim(j, batchv1.JobSuccessCriteriaMet, batchv1.JobComplete, batchv1.JobReasonCompletionsReached, msgCompletions, now)
		} else if managed {
			statusChanged = c.suspension(j, now)
		}
	}
	statusChanged = statusChanged || active != j.Status.Active || !eqPtr(&ready, j.Status.Ready) || !eqPtr(&st.terminating, j.Status.Terminating)
	j.Status.Active, j.Status.Ready, j.Status.Terminating = active, &ready, &st.terminating
	if err := c.track(ctx, st, statusChanged, cached); err != nil {
		return err
	}
	return manageErr
}

// interim adds the interim condition (upstream's delayTerminalCondition:
// SuccessCriteriaMet before Complete, FailureTarget before Failed) and
// returns the terminal one to follow.
func (c *Controller) interim(j *batchv1.Job, interimType, terminalType batchv1.JobConditionType, reason, msg string, now time.Time) *batchv1.JobCondition {
	setCondition(j, newCondition(interimType, reason, msg, now))
	return newCondition(terminalType, reason, msg, now)
}

// manage is upstream's manageJob for both completion modes.
func (c *Controller) manage(ctx context.Context, st *state, now time.Time) (int32, error) {
	j := st.job
	active := int32(len(st.active))
	if suspended(j) {
		deleted, _, err := c.deletePods(ctx, j, st.active)
		st.terminating += int32(deleted)
		return active - int32(deleted), err
	}
	parallelism := *j.Spec.Parallelism
	var want int32
	switch {
	case j.Spec.Completions == nil && st.succeeded > 0:
		want = active
	case j.Spec.Completions == nil:
		want = parallelism
	default:
		want = max(min(*j.Spec.Completions-st.succeeded, parallelism), 0)
	}
	var extra []*corev1.Pod
	if isIndexed(j) {
		extra = st.extraIndexed()
	}
	if n := active - want; n > 0 || len(extra) > 0 {
		extra = append(extra, forRemoval(without(st.active, extra), int(n)-len(extra))...)
		if len(extra) > maxPodCreateDeletePerSync {
			extra = extra[:maxPodCreateDeletePerSync]
		}
		deleted, _, err := c.deletePods(ctx, j, extra)
		st.terminating += int32(deleted)
		return active - int32(deleted), err
	}
	diff := want - active
	if onlyReplaceFailed(j) {
		diff -= st.terminating
	}
	if diff <= 0 {
		return active, nil
	}
	if left := c.backoff.remaining(jobKey(j), now); left > 0 {
		c.queue.AddAfter(jobKey(j), left)
		return active, nil
	}
	diff = min(diff, maxPodCreateDeletePerSync)
	var indexes []int
	if isIndexed(j) {
		indexes = st.pendingIndexes(int(diff))
		diff = int32(len(indexes))
	}
	created, err := c.createPods(ctx, j, indexes, int(diff))
	return active + int32(created), err
}

// suspension keeps the Suspended condition as upstream does; it reports
// whether the status changed. Resuming restarts startTime (and so the
// active deadline).
func (c *Controller) suspension(j *batchv1.Job, now time.Time) bool {
	cond := condition(j, batchv1.JobSuspended)
	switch {
	case suspended(j) && (cond == nil || cond.Status != corev1.ConditionTrue):
		setCondition(j, &batchv1.JobCondition{Type: batchv1.JobSuspended, Status: corev1.ConditionTrue,
			Reason: "JobSuspended", Message: "Job suspended", LastProbeTime: metav1.NewTime(now), LastTransitionTime: metav1.NewTime(now)})
		c.event(j, corev1.EventTypeNormal, "Suspended", "Job suspended")
		return true
	case !suspended(j) && cond != nil && cond.Status == corev1.ConditionTrue:
		setCondition(j, &batchv1.JobCondition{Type: batchv1.JobSuspended, Status: corev1.ConditionFalse,
			Reason: "JobResumed", Message: "Job resumed", LastProbeTime: metav1.NewTime(now), LastTransitionTime: metav1.NewTime(now)})
		j.Status.StartTime = &metav1.Time{Time: now}
		c.event(j, corev1.EventTypeNormal, "Resumed", "Job resumed")
		return true
	}
	return false
}

// pastBackoffLimitOnFailure is upstream's: with restartPolicy OnFailure
// the containers' restarts in running and pending pods count as failures.
func pastBackoffLimitOnFailure(j *batchv1.Job, active []*corev1.Pod) bool {
	if j.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyOnFailure {
		return false
	}
	var n int32
	for _, p := range active {
		if p.Status.Phase == corev1.PodRunning || p.Status.Phase == corev1.PodPending {
			n += restarts(p)
		}
	}
	if *j.Spec.BackoffLimit == 0 {
		return n > 0
	}
	return n >= *j.Spec.BackoffLimit
}

// pastActiveDeadline is upstream's: a running (not suspended) job's time
// since startTime reached activeDeadlineSeconds (scaled).
func pastActiveDeadline(j *batchv1.Job, now time.Time) bool {
	if j.Spec.ActiveDeadlineSeconds == nil || j.Status.StartTime == nil || suspended(j) {
		return false
	}
	return now.Sub(j.Status.StartTime.Time) >= labclock.Seconds(*j.Spec.ActiveDeadlineSeconds)
}

func deadlineLeft(j *batchv1.Job, now time.Time) time.Duration {
	if j.Spec.ActiveDeadlineSeconds == nil || j.Status.StartTime == nil {
		return 0
	}
	return labclock.Seconds(*j.Spec.ActiveDeadlineSeconds) - now.Sub(j.Status.StartTime.Time)
}

func suspended(j *batchv1.Job) bool { return j.Spec.Suspend != nil && *j.Spec.Suspend }

func isIndexed(j *batchv1.Job) bool {
	return j.Spec.CompletionMode != nil && *j.Spec.CompletionMode == batchv1.IndexedCompletion
}

// onlyReplaceFailed: podReplacementPolicy Failed waits for terminating pods.
func onlyReplaceFailed(j *batchv1.Job) bool {
	return j.Spec.PodReplacementPolicy != nil && *j.Spec.PodReplacementPolicy == batchv1.Failed
}

// finished: a Complete or Failed condition is true.
func finished(j *batchv1.Job) bool {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

func condition(j *batchv1.Job, t batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range j.Status.Conditions {
		if c := &j.Status.Conditions[i]; c.Type == t && c.Status == corev1.ConditionTrue {
			return c
		}
	}
	return nil
}

func newCondition(t batchv1.JobConditionType, reason, msg string, now time.Time) *batchv1.JobCondition {
	return &batchv1.JobCondition{Type: t, Status: corev1.ConditionTrue, Reason: reason, Message: msg,
		LastProbeTime: metav1.NewTime(now), LastTransitionTime: metav1.NewTime(now)}
}

// setCondition is upstream's ensureJobConditionStatus: a condition of the
// type is replaced only when its status, reason or message change.
func setCondition(j *batchv1.Job, c *batchv1.JobCondition) {
	for i := range j.Status.Conditions {
		old := &j.Status.Conditions[i]
		if old.Type != c.Type {
			continue
		}
		if old.Status != c.Status || old.Reason != c.Reason || old.Message != c.Message {
			*old = *c
		}
		return
	}
	j.Status.Conditions = append(j.Status.Conditions, *c)
}

// isActive: not ended and not being deleted (upstream's FilterActivePods).
func isActive(p *corev1.Pod) bool { return !terminal(p) && p.DeletionTimestamp == nil }

func terminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

func countReady(pods []*corev1.Pod) int32 {
	var n int32
	for _, p := range pods {
		if isReady(p) {
			n++
		}
	}
	return n
}

func eqPtr(a, b *int32) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func without(pods, drop []*corev1.Pod) []*corev1.Pod {
	skip := map[*corev1.Pod]bool{}
	for _, p := range drop {
		skip[p] = true
	}
	var out []*corev1.Pod
	for _, p := range pods {
		if !skip[p] {
			out = append(out, p)
		}
	}
	return out
}
