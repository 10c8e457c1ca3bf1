package registry_test

import (
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/podlab/podlab/internal/kubetest"
)

// warnings collects the API's warnings for one client.
type warnings struct {
	mu   sync.Mutex
	list []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, text)
}

func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	l := w.list
	w.list = nil
	return l
}

func warningClient(t *testing.T, s *kubetest.Server) (kubernetes.Interface, *warnings) {
	cfg := rest.CopyConfig(s.Config)
	w := &warnings{}
	cfg.WarningHandler = w
	return kubernetes.NewForConfigOrDie(cfg), w
}

func template(labels map[string]string, restart corev1.RestartPolicy) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{
			RestartPolicy: restart,
			Containers: []corev1.Container{{Name: "app", Image: "nginx", Resources: corev1.ResourceRequirements{
				Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
			}}},
		},
	}
}

func deployment(name string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: template(labels, ""),
		},
	}
}

// invalid asserts an Invalid error whose message holds every want.
func invalid(t *testing.T, what string, err error, wants ...string) {
	t.Helper()
	if !apierrors.IsInvalid(err) {
		t.Fatalf("%s: %v, want Invalid", what, err)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: %q lacks %q", what, err.Error(), w)
		}
	}
}

// A Deployment is defaulted as apps/v1 defaults it (its pod template like
// a pod's spec, but without the Pod-only defaults), starts with an empty
// status and generation 1, and moves its generation on spec and
// annotation changes only; /status writes the status alone; /scale reads
// and writes spec.replicas.
func TestDeploymentsLikeUpstream(t *testing.T) {
	s, c, ctx := start(t)
	d := deployment("web")
	d.Status.Replicas = 5
	got, err := c.AppsV1().Deployments("default").Create(ctx, d, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sp := got.Spec
	if *sp.Replicas != 1 || sp.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType ||
		sp.Strategy.RollingUpdate.MaxSurge.String() != "25%" || sp.Strategy.RollingUpdate.MaxUnavailable.String() != "25%" ||
		*sp.RevisionHistoryLimit != 10 || *sp.ProgressDeadlineSeconds != 600 {
		t.Errorf("spec not defaulted as apps/v1: %+v", sp)
	}
	ps := sp.Template.Spec
	if ps.RestartPolicy != corev1.RestartPolicyAlways || ps.DNSPolicy != corev1.DNSClusterFirst || *ps.TerminationGracePeriodSeconds != 30 ||
		ps.SchedulerName != corev1.DefaultSchedulerName || ps.SecurityContext == nil || ps.Containers[0].ImagePullPolicy != corev1.PullAlways ||
		ps.Containers[0].TerminationMessagePath != corev1.TerminationMessagePathDefault {
		t.Errorf("pod template not defaulted: %+v", ps)
	}
	if ps.EnableServiceLinks != nil || ps.Containers[0].Resources.Requests != nil {
		t.Errorf("pod template got the Pod-only defaults: enableServiceLinks %v, requests %v", ps.EnableServiceLinks, ps.Containers[0].Resources.Requests)
	}
	if got.Status.Replicas != 0 || got.Generation != 1 {
		t.Errorf("status %+v, generation %d: want an empty status and generation 1", got.Status, got.Generation)
	}

	// Spec and annotation changes bump the generation; labels do not; the
	// main resource never writes status.
	got.Labels = map[string]string{"tier": "front"}
	got.Status.Replicas = 3
	got, err = c.AppsV1().Deployments("default").Update(ctx, got, metav1.UpdateOptions{})
	if err != nil || got.Generation != 1 || got.Status.Replicas != 0 {
		t.Fatalf("label update: generation %d, status %+v, %v", got.Generation, got.Status, err)
	}
	got.Annotations = map[string]string{"note": "x"}
	if got, err = c.AppsV1().Deployments("default").Update(ctx, got, metav1.UpdateOptions{}); err != nil || got.Generation != 2 {
		t.Fatalf("annotation update: generation %d, %v", got.Generation, err)
	}
	got.Spec.Template.Spec.Containers[0].Image = "nginx:1.27"
	if got, err = c.AppsV1().Deployments("default").Update(ctx, got, metav1.UpdateOptions{}); err != nil || got.Generation != 3 {
		t.Fatalf("template update: generation %d, %v", got.Generation, err)
	}
	moved := got.DeepCopy()
	moved.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "v": "2"}}
	moved.Spec.Template.Labels = map[string]string{"app": "web", "v": "2"}
	_, err = c.AppsV1().Deployments("default").Update(ctx, moved, metav1.UpdateOptions{})
	invalid(t, "selector change", err, "spec.selector: Invalid value", "field is immutable")

	// /status: the status, not the spec nor the labels.
	st := got.DeepCopy()
	st.Status = appsv1.DeploymentStatus{Replicas: 1, ReadyReplicas: 1, AvailableReplicas: 1, UpdatedReplicas: 1, ObservedGeneration: 3}
	st.Spec.Replicas = ptr(int32(7))
	st.Labels = map[string]string{"changed": "yes"}
	got, err = c.AppsV1().Deployments("default").UpdateStatus(ctx, st, metav1.UpdateOptions{})
	if err != nil || got.Status.ReadyReplicas != 1 || *got.Spec.Replicas != 1 || got.Labels["changed"] != "" || got.Generation != 3 {
		t.Fatalf("status update: %+v, replicas %d, labels %v, %v", got.Status, *got.Spec.Replicas, got.Labels, err)
	}
	st = got.DeepCopy()
	st.Status.ReadyReplicas = 4
	_, err = c.AppsV1().Deployments("default").UpdateStatus(ctx, st, metav1.UpdateOptions{})
	invalid(t, "ready above replicas", err, "status.readyReplicas: Invalid value: 4: cannot be greater than status.replicas")

	// /scale.
	scale, err := c.AppsV1().Deployments("default").GetScale(ctx, "web", metav1.GetOptions{})
	if err != nil || scale.Spec.Replicas != 1 || scale.Status.Replicas != 1 || scale.Status.Selector != "app=web" || scale.UID != got.UID {
		t.Fatalf("scale %+v, %v", scale, err)
	}
	scale.Spec.Replicas = 3
	if scale, err = c.AppsV1().Deployments("default").UpdateScale(ctx, "web", scale, metav1.UpdateOptions{}); err != nil || scale.Spec.Replicas != 3 {
		t.Fatalf("scaling: %+v, %v", scale, err)
	}
	if got, _ = c.AppsV1().Deployments("default").Get(ctx, "web", metav1.GetOptions{}); *got.Spec.Replicas != 3 || got.Generation != 4 {
		t.Errorf("after scaling: replicas %d, generation %d", *got.Spec.Replicas, got.Generation)
	}
	scale.Spec.Replicas = -1
	_, err = c.AppsV1().Deployments("default").UpdateScale(ctx, "web", scale, metav1.UpdateOptions{})
	invalid(t, "negative scale", err, "spec.replicas: Invalid value: -1: must be greater than or equal to 0")
	_, err = c.AppsV1().Deployments("default").GetScale(ctx, "nope", metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("scale of a missing deployment: %v", err)
	}
	// A merge patch of the scale, as kubectl scale sends it.
	if _, err := c.AppsV1().Deployments("default").Patch(ctx, "web", "application/merge-patch+json", []byte(`{"spec":{"replicas":2}}`), metav1.PatchOptions{}, "scale"); err != nil {
		t.Fatalf("patching the scale: %v", err)
	}
	if got, _ = c.AppsV1().Deployments("default").Get(ctx, "web", metav1.GetOptions{}); *got.Spec.Replicas != 2 {
		t.Errorf("after the scale patch: replicas %d", *got.Spec.Replicas)
	}

	// Validation, in upstream's words.
	bad := deployment("bad")
	bad.Spec.Selector = nil
	bad.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
	_, err = c.AppsV1().Deployments("default").Create(ctx, bad, metav1.CreateOptions{})
	invalid(t, "deployment without selector", err, "spec.selector: Required value",
		"spec.template.metadata.labels: Invalid value: {\"app\":\"bad\"}: `selector` does not match template `labels`",
		`spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`)
	bad = deployment("bad")
	bad.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxSurge: ptr(intstr.FromInt32(0)), MaxUnavailable: ptr(intstr.FromInt32(0))}
	_, err = c.AppsV1().Deployments("default").Create(ctx, bad, metav1.CreateOptions{})
	invalid(t, "zero surge and unavailable", err, "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0")

	// Dry run on the server: defaulted, validated, not stored.
	dry, err := c.AppsV1().Deployments("default").Create(ctx, deployment("dry"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil || *dry.Spec.Replicas != 1 {
		t.Fatalf("dry run: %v", err)
	}
	if _, err := c.AppsV1().Deployments("default").Get(ctx, "dry", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("a dry run stored the deployment: %v", err)
	}
	_ = s
}

func ptr[T any](v T) *T { return &v }

// Deleting keeps the propagation policy the way the generic registry does
// for a garbage collector: apps/v1 deletes dependents by default (the
// object goes at once), Orphan and Foreground leave the object with the
// matching finalizer; core/v1 replication controllers and batch/v1 jobs
// orphan by default, and a job's delete without a policy is warned about.
func TestDeletePropagationLikeUpstream(t *testing.T) {
	s, c, ctx := start(t)
	wc, w := warningClient(t, s)
	deps := c.AppsV1().Deployments("default")
	for _, n := range []string{"background", "orphan", "foreground"} {
		if _, err := deps.Create(ctx, deployment(n), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := deps.Delete(ctx, "background", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := deps.Get(ctx, "background", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("a deployment deleted by default is still there: %v", err)
	}
	for n, policy := range map[string]metav1.DeletionPropagation{"orphan": metav1.DeletePropagationOrphan, "foreground": metav1.DeletePropagationForeground} {
		if err := deps.Delete(ctx, n, metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
			t.Fatal(err)
		}
		d, err := deps.Get(ctx, n, metav1.GetOptions{})
		want := map[string]string{"orphan": metav1.FinalizerOrphanDependents, "foreground": metav1.FinalizerDeleteDependents}[n]
		if err != nil || d.DeletionTimestamp == nil || len(d.Finalizers) != 1 || d.Finalizers[0] != want {
			t.Errorf("%s delete: %v, finalizers %v, deletionTimestamp %v", n, err, d.Finalizers, d.DeletionTimestamp)
		}
	}

	rc := &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: "legacy"},
		Spec:       corev1.ReplicationControllerSpec{Template: ptr(template(map[string]string{"app": "legacy"}, ""))},
	}
	got, err := c.CoreV1().ReplicationControllers("default").Create(ctx, rc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.Selector["app"] != "legacy" || got.Labels["app"] != "legacy" || *got.Spec.Replicas != 1 || got.Generation != 1 {
		t.Errorf("replication controller not defaulted: selector %v, labels %v", got.Spec.Selector, got.Labels)
	}
	if err := c.CoreV1().ReplicationControllers("default").Delete(ctx, "legacy", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, err = c.CoreV1().ReplicationControllers("default").Get(ctx, "legacy", metav1.GetOptions{}); err != nil || len(got.Finalizers) != 1 || got.Finalizers[0] != metav1.FinalizerOrphanDependents {
		t.Errorf("an RC deleted without a policy: %v, finalizers %v (core/v1 orphans by default)", err, got.Finalizers)
	}

	jobs := wc.BatchV1().Jobs("default")
	for _, n := range []string{"kept", "gone"} {
		if _, err := jobs.Create(ctx, job(n), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	w.take()
	if err := jobs.Delete(ctx, "kept", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if ws := w.take(); len(ws) != 1 || !strings.HasPrefix(ws[0], "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background") {
		t.Errorf("warnings %q", ws)
	}
	if j, err := jobs.Get(ctx, "kept", metav1.GetOptions{}); err != nil || len(j.Finalizers) != 1 || j.Finalizers[0] != metav1.FinalizerOrphanDependents {
		t.Errorf("a job deleted without a policy: %v, finalizers %v", err, j.Finalizers)
	}
	background := metav1.DeletePropagationBackground
	if err := jobs.Delete(ctx, "gone", metav1.DeleteOptions{PropagationPolicy: &background}); err != nil {
		t.Fatal(err)
	}
	if ws := w.take(); len(ws) != 0 {
		t.Errorf("warnings for a background delete: %q", ws)
	}
	if _, err := jobs.Get(ctx, "gone", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("a job deleted in the background is still there: %v", err)
	}
}

func job(name string) *batchv1.Job {
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       batchv1.JobSpec{Template: template(map[string]string{"app": name}, corev1.RestartPolicyNever)},
	}
}

// A Job gets batch/v1's defaults and, its selector being automatic, the
// controller-uid selector and the job-name and controller-uid labels on
// its pod template; its pod template is then immutable; its status is
// /status's.
func TestJobsLikeUpstream(t *testing.T) {
	_, c, ctx := start(t)
	jobs := c.BatchV1().Jobs("default")
	got, err := jobs.Create(ctx, job("pi"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sp := got.Spec
	if *sp.Completions != 1 || *sp.Parallelism != 1 || *sp.BackoffLimit != 6 || *sp.CompletionMode != batchv1.NonIndexedCompletion ||
		*sp.Suspend || *sp.PodReplacementPolicy != batchv1.TerminatingOrFailed || *sp.ManualSelector {
		t.Errorf("job spec not defaulted as batch/v1: %+v", sp)
	}
	uid := string(got.UID)
	if sp.Selector == nil || len(sp.Selector.MatchLabels) != 1 || sp.Selector.MatchLabels["batch.kubernetes.io/controller-uid"] != uid {
		t.Errorf("selector %v, want batch.kubernetes.io/controller-uid=%s", sp.Selector, uid)
	}
	for k, v := range map[string]string{"app": "pi", "job-name": "pi", "batch.kubernetes.io/job-name": "pi", "controller-uid": uid, "batch.kubernetes.io/controller-uid": uid} {
		if sp.Template.Labels[k] != v {
			t.Errorf("template label %s = %q, want %q", k, sp.Template.Labels[k], v)
		}
	}
	if got.Labels["app"] != "pi" || got.Generation != 1 {
		t.Errorf("job labels %v (the template's, as batch/v1 defaults them), generation %d", got.Labels, got.Generation)
	}

	got.Spec.Template.Spec.Containers[0].Image = "perl"
	_, err = jobs.Update(ctx, got, metav1.UpdateOptions{})
	invalid(t, "template change", err, "spec.template: Invalid value", "field is immutable")
	got, _ = jobs.Get(ctx, "pi", metav1.GetOptions{})
	got.Spec.Parallelism = ptr(int32(2))
	if got, err = jobs.Update(ctx, got, metav1.UpdateOptions{}); err != nil || got.Generation != 2 {
		t.Fatalf("parallelism change: %v, generation %d", err, got.Generation)
	}
	now := metav1.Now()
	got.Status = batchv1.JobStatus{StartTime: &now, Active: 1}
	if got, err = jobs.UpdateStatus(ctx, got, metav1.UpdateOptions{}); err != nil || got.Status.Active != 1 {
		t.Fatalf("status: %+v, %v", got.Status, err)
	}

	bad := job("bad")
	bad.Spec.Template.Spec.RestartPolicy = ""
	_, err = jobs.Create(ctx, bad, metav1.CreateOptions{})
	invalid(t, "job restarting always", err, `spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`)
	bad = job("manual")
	bad.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "other"}}
	_, err = jobs.Create(ctx, bad, metav1.CreateOptions{})
	invalid(t, "hand-written selector without manualSelector", err, "`selector` not auto-generated")
	manual := job("manual")
	manual.Spec.ManualSelector = ptr(true)
	manual.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "manual"}}
	if got, err := jobs.Create(ctx, manual, metav1.CreateOptions{}); err != nil || got.Spec.Template.Labels["job-name"] != "" {
		t.Fatalf("manual selector: %v, template labels %v", err, got.Spec.Template.Labels)
	}

	cron := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "nightly"},
		Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *", JobTemplate: batchv1.JobTemplateSpec{
			Spec: batchv1.JobSpec{Template: template(nil, corev1.RestartPolicyOnFailure)},
		}},
	}
	cj, err := c.BatchV1().CronJobs("default").Create(ctx, cron, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cj.Spec.ConcurrencyPolicy != batchv1.AllowConcurrent || *cj.Spec.Suspend || *cj.Spec.SuccessfulJobsHistoryLimit != 3 ||
		*cj.Spec.FailedJobsHistoryLimit != 1 || cj.Spec.JobTemplate.Spec.BackoffLimit != nil || cj.Generation != 1 {
		t.Errorf("cron job not defaulted as batch/v1: %+v", cj.Spec)
	}
	cron.Name, cron.Spec.Schedule = "broken", "61 * * *"
	_, err = c.BatchV1().CronJobs("default").Create(ctx, cron, metav1.CreateOptions{})
	invalid(t, "bad schedule", err, `spec.schedule: Invalid value: "61 * * *": expected exactly 5 fields, found 4: [61 * * *]`)
	cron.Spec.Schedule = "61 * * * *"
	_, err = c.BatchV1().CronJobs("default").Create(ctx, cron, metav1.CreateOptions{})
	invalid(t, "minute out of range", err, "end of range (61) above maximum (59): 61")
	cron.Name, cron.Spec.Schedule = strings.Repeat("n", 53), "@hourly"
	_, err = c.BatchV1().CronJobs("default").Create(ctx, cron, metav1.CreateOptions{})
	invalid(t, "long name", err, "must be no more than 52 characters")
}

// Daemon sets keep their template generation in upstream's annotation;
// stateful sets change only the fields upstream lets change, and scale;
// controller revisions need their data; endpoint slices default their
// ports and count their changes in the generation.
func TestOtherWorkloadsLikeUpstream(t *testing.T) {
	_, c, ctx := start(t)
	labels := map[string]string{"app": "agent"}
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent"},
		Spec:       appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: template(labels, "")},
	}
	got, err := c.AppsV1().DaemonSets("default").Create(ctx, ds, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ru := got.Spec.UpdateStrategy.RollingUpdate
	if got.Spec.UpdateStrategy.Type != appsv1.RollingUpdateDaemonSetStrategyType || ru.MaxUnavailable.IntValue() != 1 || ru.MaxSurge.IntValue() != 0 ||
		*got.Spec.RevisionHistoryLimit != 10 || got.Annotations["deprecated.daemonset.template.generation"] != "1" {
		t.Errorf("daemon set not defaulted: %+v, annotations %v", got.Spec.UpdateStrategy, got.Annotations)
	}
	got.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	if got, err = c.AppsV1().DaemonSets("default").Update(ctx, got, metav1.UpdateOptions{}); err != nil ||
		got.Annotations["deprecated.daemonset.template.generation"] != "2" || got.Generation != 2 {
		t.Fatalf("template change: %v, annotations %v, generation %d", err, got.Annotations, got.Generation)
	}

	labels = map[string]string{"app": "db"}
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "db"},
		Spec: appsv1.StatefulSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: template(labels, ""),
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}}}},
	}
	set, err := c.AppsV1().StatefulSets("default").Create(ctx, sts, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *set.Spec.Replicas != 1 || set.Spec.PodManagementPolicy != appsv1.OrderedReadyPodManagement || *set.Spec.UpdateStrategy.RollingUpdate.Partition != 0 ||
		set.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted != appsv1.RetainPersistentVolumeClaimRetentionPolicyType ||
		*set.Spec.VolumeClaimTemplates[0].Spec.VolumeMode != corev1.PersistentVolumeFilesystem || set.Spec.VolumeClaimTemplates[0].Status.Phase != corev1.ClaimPending {
		t.Errorf("stateful set not defaulted: %+v", set.Spec)
	}
	set.Spec.ServiceName = "other"
	_, err = c.AppsV1().StatefulSets("default").Update(ctx, set, metav1.UpdateOptions{})
	invalid(t, "service name change", err, "spec: Forbidden: updates to statefulset spec for fields other than 'replicas'")
	if _, err := c.AppsV1().StatefulSets("default").UpdateScale(ctx, "db", &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "default"}, Spec: autoscalingv1.ScaleSpec{Replicas: 3}}, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("scaling a stateful set: %v", err)
	}
	if set, _ = c.AppsV1().StatefulSets("default").Get(ctx, "db", metav1.GetOptions{}); *set.Spec.Replicas != 3 {
		t.Errorf("stateful set replicas %d after scaling to 3", *set.Spec.Replicas)
	}

	_, err = c.AppsV1().ControllerRevisions("default").Create(ctx, &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: "db-1"}, Revision: 1}, metav1.CreateOptions{})
	invalid(t, "revision without data", err, "data: Required value: data is mandatory")
	rev := &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: "db-1"}, Revision: 1, Data: runtime.RawExtension{Raw: []byte(`{"spec":{}}`)}}
	if _, err := c.AppsV1().ControllerRevisions("default").Create(ctx, rev, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	slice := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "web-abcde"},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"172.18.0.5"}}},
		Ports:       []discoveryv1.EndpointPort{{Port: ptr(int32(80))}},
	}
	es, err := c.DiscoveryV1().EndpointSlices("default").Create(ctx, slice, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *es.Ports[0].Name != "" || *es.Ports[0].Protocol != corev1.ProtocolTCP || es.Generation != 1 {
		t.Errorf("endpoint slice port %+v, generation %d", es.Ports[0], es.Generation)
	}
	es.Labels = map[string]string{"kubernetes.io/service-name": "web"}
	if es, err = c.DiscoveryV1().EndpointSlices("default").Update(ctx, es, metav1.UpdateOptions{}); err != nil || es.Generation != 1 {
		t.Fatalf("label change: %v, generation %d", err, es.Generation)
	}
	es.Endpoints[0].Addresses[0] = "172.18.0.6"
	if es, err = c.DiscoveryV1().EndpointSlices("default").Update(ctx, es, metav1.UpdateOptions{}); err != nil || es.Generation != 2 {
		t.Fatalf("endpoint change: %v, generation %d", err, es.Generation)
	}
	es.AddressType = discoveryv1.AddressTypeIPv6
	_, err = c.DiscoveryV1().EndpointSlices("default").Update(ctx, es, metav1.UpdateOptions{})
	invalid(t, "address type change", err, "addressType: Invalid value", "field is immutable", `must be a valid IPv6 address`)
	slice.Name, slice.Endpoints[0].Addresses = "loop", []string{"127.0.0.1"}
	_, err = c.DiscoveryV1().EndpointSlices("default").Create(ctx, slice, metav1.CreateOptions{})
	invalid(t, "loopback endpoint", err, "endpoints[0].addresses[0]: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)")
}
