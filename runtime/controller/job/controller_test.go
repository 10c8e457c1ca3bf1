package job

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/podlab/podlab/internal/kubetest"
	"github.com/podlab/podlab/runtime/events"
	"github.com/podlab/podlab/runtime/labclock"
)

// start runs the lab's API server (no scheduler, no kubelet: the tests
// write the pods' phases) with the job controller, at time scale 0.01.
func start(t *testing.T) kubernetes.Interface {
	t.Helper()
	old := labclock.Scale()
	labclock.SetScale(0.01) // a 10 s backoff is 0.1 s
	t.Cleanup(func() { labclock.SetScale(old) })
	c := kubetest.Start(t, kubetest.Options{}).Client
	factory := informers.NewSharedInformerFactory(c, 0)
	b := events.NewBroadcaster(c)
	jc, err := New(c, factory, WithRecorder(b.Recorder(EventSource, "")))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	factory.Start(ctx.Done())
	done := make(chan struct{})
	go func() { jc.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; factory.Shutdown(); b.Shutdown() })
	return c
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

type spec func(*batchv1.Job)

func createJob(t *testing.T, c kubernetes.Interface, opts ...spec) *batchv1.Job {
	t.Helper()
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "pi", Namespace: "default"},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers:    []corev1.Container{{Name: "pi", Image: "busybox"}},
		}}},
	}
	for _, o := range opts {
		o(j)
	}
	out, err := c.BatchV1().Jobs("default").Create(context.Background(), j, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func getJob(t *testing.T, c kubernetes.Interface) *batchv1.Job {
	t.Helper()
	j, err := c.BatchV1().Jobs("default").Get(context.Background(), "pi", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// pods lists the job's pods (job-name=pi), by name.
func pods(t *testing.T, c kubernetes.Interface) []corev1.Pod {
	t.Helper()
	list, err := c.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "batch.kubernetes.io/job-name=pi"})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(list.Items, func(i, j int) bool { return list.Items[i].Name < list.Items[j].Name })
	return list.Items
}

func running(t *testing.T, c kubernetes.Interface) []corev1.Pod {
	var out []corev1.Pod
	for _, p := range pods(t, c) {
		if p.DeletionTimestamp == nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			out = append(out, p)
		}
	}
	return out
}

// end writes a terminal phase on a pod, as its kubelet would.
func end(t *testing.T, c kubernetes.Interface, name string, phase corev1.PodPhase) {
	t.Helper()
	ctx := context.Background()
	p, err := c.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	code := int32(0)
	if phase == corev1.PodFailed {
		code = 1
	}
	p.Status.Phase = phase
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "pi", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode: code, FinishedAt: metav1.Now()}}}}
	if _, err := c.CoreV1().Pods("default").UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func hasCondition(j *batchv1.Job, typ batchv1.JobConditionType, reason, msg string) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == typ && c.Status == corev1.ConditionTrue && c.Reason == reason && c.Message == msg {
			return true
		}
	}
	return false
}

func eventMessages(t *testing.T, c kubernetes.Interface, reason string) []string {
	t.Helper()
	sel := fields.Set{"involvedObject.kind": "Job", "involvedObject.name": "pi", "reason": reason}.AsSelector().String()
	list, err := c.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{FieldSelector: sel})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range list.Items {
		out = append(out, e.Message)
	}
	sort.Strings(out)
	return out
}

// completions 3, parallelism 2: two pods at a time, each named pi-xxxxx,
// labelled, owned and finalized as upstream; three successes complete the
// job with SuccessCriteriaMet then Complete, and the finalizers go.
func TestJobCompletesAfterItsCompletions(t *testing.T) {
	c := start(t)
	j := createJob(t, c, func(j *batchv1.Job) { j.Spec.Completions, j.Spec.Parallelism = new(int32(3)), new(int32(2)) })
	eventually(t, "2 pods", func() bool { return len(running(t, c)) == 2 })
	for _, p := range running(t, c) {
		if !strings.HasPrefix(p.Name, "pi-") || len(p.Name) != len("pi-")+5 {
			t.Errorf("pod name %q, want pi-xxxxx", p.Name)
		}
		for _, l := range []string{"batch.kubernetes.io/controller-uid", "controller-uid"} {
			if p.Labels[l] != string(j.UID) {
				t.Errorf("pod %s label %s = %q, want the job's uid", p.Name, l, p.Labels[l])
			}
		}
		for _, l := range []string{"batch.kubernetes.io/job-name", "job-name"} {
			if p.Labels[l] != "pi" {
				t.Errorf("pod %s label %s = %q, want pi", p.Name, l, p.Labels[l])
			}
		}
		ref := metav1.GetControllerOf(&p)
		if ref == nil || ref.UID != j.UID || ref.Kind != "Job" || ref.APIVersion != "batch/v1" || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
			t.Errorf("pod %s controller ref %+v", p.Name, ref)
		}
		if !slices.Contains(p.Finalizers, batchv1.JobTrackingFinalizer) {
			t.Errorf("pod %s finalizers %v, want the job-tracking one", p.Name, p.Finalizers)
		}
	}
	eventually(t, "active 2, startTime", func() bool {
		st := getJob(t, c).Status
		return st.Active == 2 && st.StartTime != nil && st.Ready != nil && *st.Ready == 0
	})
	first := running(t, c)
	end(t, c, first[0].Name, corev1.PodSucceeded)
	eventually(t, "a third pod", func() bool { return len(running(t, c)) == 2 && getJob(t, c).Status.Succeeded == 1 })
	end(t, c, first[1].Name, corev1.PodSucceeded)
	eventually(t, "one pod left", func() bool { return len(running(t, c)) == 1 && getJob(t, c).Status.Succeeded == 2 })
	if len(pods(t, c)) != 3 {
		t.Fatalf("%d pods, want 3 (never more than completions)", len(pods(t, c)))
	}
	end(t, c, running(t, c)[0].Name, corev1.PodSucceeded)
	eventually(t, "Complete", func() bool {
		j := getJob(t, c)
		return hasCondition(j, batchv1.JobComplete, "CompletionsReached", msgCompletions) && j.Status.CompletionTime != nil
	})
	j = getJob(t, c)
	if !hasCondition(j, batchv1.JobSuccessCriteriaMet, "CompletionsReached", msgCompletions) {
		t.Errorf("conditions %+v, want SuccessCriteriaMet too", j.Status.Conditions)
	}
	if j.Status.Succeeded != 3 || j.Status.Failed != 0 || j.Status.Active != 0 {
		t.Errorf("status %+v, want 3 succeeded", j.Status)
	}
	if u := j.Status.UncountedTerminatedPods; u != nil && len(u.Succeeded)+len(u.Failed) > 0 {
		t.Errorf("uncounted %+v, want none", u)
	}
	for _, p := range pods(t, c) {
		if slices.Contains(p.Finalizers, batchv1.JobTrackingFinalizer) {
			t.Errorf("pod %s kept its finalizer", p.Name)
		}
	}
	eventually(t, "events", func() bool {
		return len(eventMessages(t, c, "SuccessfulCreate")) == 3 && slices.Equal(eventMessages(t, c, "Completed"), []string{"Job completed"})
	})
}

// restartPolicy Never, backoffLimit 1: a failed pod is replaced after the
// backoff; the second failure exceeds the limit: FailureTarget, then Failed.
func TestJobFailsPastItsBackoffLimit(t *testing.T) {
	c := start(t)
	createJob(t, c, func(j *batchv1.Job) { j.Spec.BackoffLimit = new(int32(1)) })
	eventually(t, "a pod", func() bool { return len(running(t, c)) == 1 })
	end(t, c, running(t, c)[0].Name, corev1.PodFailed)
	eventually(t, "a replacement", func() bool {
		return len(running(t, c)) == 1 && len(pods(t, c)) == 2 && getJob(t, c).Status.Failed == 1
	})
	if j := getJob(t, c); condition(j, batchv1.JobFailureTarget) != nil {
		t.Fatalf("after one failure: status %+v", j.Status)
	}
	end(t, c, running(t, c)[0].Name, corev1.PodFailed)
	eventually(t, "Failed", func() bool {
		return hasCondition(getJob(t, c), batchv1.JobFailed, "BackoffLimitExceeded", msgBackoffLimit)
	})
	j := getJob(t, c)
	if !hasCondition(j, batchv1.JobFailureTarget, "BackoffLimitExceeded", msgBackoffLimit) || j.Status.Failed != 2 || j.Status.CompletionTime != nil {
		t.Errorf("status %+v, want FailureTarget too, 2 failed, no completionTime", j.Status)
	}
	if n := len(pods(t, c)); n != 2 {
		t.Errorf("%d pods, want 2", n)
	}
	eventually(t, "the warning", func() bool {
		return slices.Equal(eventMessages(t, c, "BackoffLimitExceeded"), []string{msgBackoffLimit})
	})
}

// restartPolicy OnFailure: the containers' restarts count; at the limit
// the running pod is deleted and the job fails once it is gone.
func TestJobOnFailureCountsRestarts(t *testing.T) {
	c := start(t)
	createJob(t, c, func(j *batchv1.Job) {
		j.Spec.BackoffLimit = new(int32(2))
		j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
	})
	eventually(t, "a pod", func() bool { return len(running(t, c)) == 1 })
	ctx := context.Background()
	p := running(t, c)[0]
	p.Status.Phase = corev1.PodRunning
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "pi", RestartCount: 2, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
	if _, err := c.CoreV1().Pods("default").UpdateStatus(ctx, &p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Failed", func() bool {
		return hasCondition(getJob(t, c), batchv1.JobFailed, "BackoffLimitExceeded", msgBackoffLimit)
	})
	eventually(t, "the pod gone", func() bool { return len(pods(t, c)) == 0 })
	if j := getJob(t, c); j.Status.Active != 0 || j.Status.Failed != 1 {
		t.Errorf("status %+v, want 0 active, the deleted pod failed", j.Status)
	}
	if got := eventMessages(t, c, "SuccessfulDelete"); len(got) != 1 || got[0] != "Deleted pod: "+p.Name {
		t.Errorf("SuccessfulDelete events %v", got)
	}
}

// activeDeadlineSeconds: past it the job fails with DeadlineExceeded and
// its pods are deleted.
func TestJobDeadlineExceeded(t *testing.T) {
	c := start(t)
	createJob(t, c, func(j *batchv1.Job) { j.Spec.ActiveDeadlineSeconds = new(int64(50)) }) // 0.5 s scaled
	// The deadline may pass before a poll sees the pod run: its creation
	// event shows it was there.
	eventually(t, "a pod created", func() bool { return len(eventMessages(t, c, "SuccessfulCreate")) == 1 })
	eventually(t, "DeadlineExceeded", func() bool {
		return hasCondition(getJob(t, c), batchv1.JobFailed, "DeadlineExceeded", msgDeadline)
	})
	if n := len(pods(t, c)); n != 0 {
		t.Errorf("%d pods left, want none", n)
	}
}

// A suspended job has no pods and the Suspended condition; resumed, it
// runs them.
func TestJobSuspendAndResume(t *testing.T) {
	c := start(t)
	createJob(t, c, func(j *batchv1.Job) { j.Spec.Suspend = new(true) })
	eventually(t, "Suspended", func() bool {
		return hasCondition(getJob(t, c), batchv1.JobSuspended, "JobSuspended", "Job suspended")
	})
	if n := len(pods(t, c)); n != 0 || getJob(t, c).Status.StartTime != nil {
		t.Fatalf("%d pods, startTime %v; want none while suspended", n, getJob(t, c).Status.StartTime)
	}
	j := getJob(t, c)
	j.Spec.Suspend = new(false)
	if _, err := c.BatchV1().Jobs("default").Update(context.Background(), j, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a pod and JobResumed", func() bool {
		j := getJob(t, c)
		cond := j.Status.Conditions
		return len(running(t, c)) == 1 && len(cond) == 1 && cond[0].Status == corev1.ConditionFalse && cond[0].Reason == "JobResumed" && j.Status.StartTime != nil
	})
}

// Indexed: a pod per index with the index as annotation, label, hostname
// and name; completedIndexes lists the succeeded ones.
func TestJobIndexed(t *testing.T) {
	c := start(t)
	createJob(t, c, func(j *batchv1.Job) {
		j.Spec.Completions, j.Spec.Parallelism = new(int32(2)), new(int32(2))
		j.Spec.CompletionMode = new(batchv1.IndexedCompletion)
	})
	eventually(t, "2 pods", func() bool { return len(running(t, c)) == 2 })
	byIndex := map[string]corev1.Pod{}
	for _, p := range running(t, c) {
		ix := p.Annotations[batchv1.JobCompletionIndexAnnotation]
		byIndex[ix] = p
		if p.Labels[batchv1.JobCompletionIndexAnnotation] != ix || p.Spec.Hostname != "pi-"+ix || !strings.HasPrefix(p.Name, "pi-"+ix+"-") {
			t.Errorf("pod %s: index %q, label %q, hostname %q", p.Name, ix, p.Labels[batchv1.JobCompletionIndexAnnotation], p.Spec.Hostname)
		}
		if env := p.Spec.Containers[0].Env; len(env) != 1 || env[0].Name != "JOB_COMPLETION_INDEX" {
			t.Errorf("pod %s env %+v", p.Name, env)
		}
	}
	if len(byIndex) != 2 || byIndex["0"].Name == "" || byIndex["1"].Name == "" {
		t.Fatalf("indexes %v, want 0 and 1", byIndex)
	}
	end(t, c, byIndex["1"].Name, corev1.PodSucceeded)
	eventually(t, "completedIndexes 1", func() bool { return getJob(t, c).Status.CompletedIndexes == "1" })
	end(t, c, byIndex["0"].Name, corev1.PodFailed)
	eventually(t, "index 0 again", func() bool {
		r := running(t, c)
		return len(r) == 1 && r[0].Annotations[batchv1.JobCompletionIndexAnnotation] == "0"
	})
	end(t, c, running(t, c)[0].Name, corev1.PodSucceeded)
	eventually(t, "Complete", func() bool {
		j := getJob(t, c)
		return hasCondition(j, batchv1.JobComplete, "CompletionsReached", msgCompletions) && j.Status.CompletedIndexes == "0-1" && j.Status.Succeeded == 2 && j.Status.Failed == 1
	})
}

// A job pod deleted by hand counts as failed (it never succeeded), loses
// its finalizer and is replaced.
func TestJobReplacesADeletedPod(t *testing.T) {
	c := start(t)
	createJob(t, c)
	eventually(t, "a pod", func() bool { return len(running(t, c)) == 1 })
	victim := running(t, c)[0].Name
	if err := c.CoreV1().Pods("default").Delete(context.Background(), victim, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "replaced and gone", func() bool {
		ps := pods(t, c)
		return len(ps) == 1 && ps[0].Name != victim && getJob(t, c).Status.Failed == 1
	})
}

func TestFormatIndexes(t *testing.T) {
	m := map[int]bool{0: true, 1: true, 2: true, 5: true, 7: true, 8: true}
	if got := formatIndexes(m); got != "0-2,5,7-8" {
		t.Errorf("formatIndexes = %q", got)
	}
	j := &batchv1.Job{Status: batchv1.JobStatus{CompletedIndexes: "0-2,5,7-8"}}
	if got := formatIndexes(completedIndexes(j)); got != "0-2,5,7-8" {
		t.Errorf("round trip = %q", got)
	}
}

// The backoff doubles per failure after the last success, capped at 6 min.
func TestBackoffRemaining(t *testing.T) {
	old := labclock.Scale()
	labclock.SetScale(1)
	defer labclock.SetScale(old)
	s := newBackoffStore()
	now := time.Now()
	failedAt := func(d time.Duration) *corev1.Pod {
		return &corev1.Pod{Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{State: corev1.ContainerState{
			Terminated: &corev1.ContainerStateTerminated{FinishedAt: metav1.NewTime(now.Add(d))}}}}}}
	}
	s.update("k", nil, []*corev1.Pod{failedAt(0)}, now)
	if got := s.remaining("k", now); got != 10*time.Second {
		t.Errorf("after 1 failure: %v, want 10s", got)
	}
	s.update("k", nil, []*corev1.Pod{failedAt(0), failedAt(0)}, now)
	if got := s.remaining("k", now); got != 40*time.Second {
		t.Errorf("after 3 failures: %v, want 40s", got)
	}
	s.update("k", nil, make([]*corev1.Pod, 0), now)
	for range 10 {
		s.update("k", nil, []*corev1.Pod{failedAt(0)}, now)
	}
	if got := s.remaining("k", now); got != 6*time.Minute {
		t.Errorf("after 13 failures: %v, want 6m", got)
	}
	s.update("k", []*corev1.Pod{failedAt(time.Second)}, nil, now)
	if got := s.remaining("k", now); got != 0 {
		t.Errorf("after a success: %v, want 0", got)
	}
}

// Deleted with the orphan policy, a job's pods stay, without their
// reference to it and without the job-tracking finalizer.
func TestJobDeletedOrphansItsPods(t *testing.T) {
	c := start(t)
	createJob(t, c)
	eventually(t, "a pod", func() bool { return len(running(t, c)) == 1 })
	orphan := metav1.DeletePropagationOrphan
	if err := c.BatchV1().Jobs("default").Delete(context.Background(), "pi", metav1.DeleteOptions{PropagationPolicy: &orphan}); err != nil {
		t.Fatal(err)
	}
	// No garbage collector runs here: drop the reference as it would.
	name := running(t, c)[0].Name
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := c.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		p.OwnerReferences = nil
		_, err = c.CoreV1().Pods("default").Update(context.Background(), p, metav1.UpdateOptions{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the finalizer gone", func() bool {
		ps := pods(t, c)
		return len(ps) == 1 && len(ps[0].Finalizers) == 0 && ps[0].DeletionTimestamp == nil
	})
}
