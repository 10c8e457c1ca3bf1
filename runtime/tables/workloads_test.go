package tables

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var template = corev1.PodTemplateSpec{
	ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
	Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}, {Name: "log", Image: "busybox:1.35"}}},
}

func objMeta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "default", CreationTimestamp: ago(2 * time.Hour)}
}

func TestReplicationControllerAndReplicaSetRows(t *testing.T) {
	rc := &corev1.ReplicationController{ObjectMeta: objMeta("web"),
		Spec:   corev1.ReplicationControllerSpec{Replicas: ptr(int32(3)), Selector: map[string]string{"app": "web"}, Template: &template},
		Status: corev1.ReplicationControllerStatus{Replicas: 3, ReadyReplicas: 2}}
	wantCells(t, "rc", cells(t, replicationControllers, rc), "web", int64(3), int64(3), int64(2), "120m", "web,log", "nginx:1.27,busybox:1.35", "app=web")
	wantCells(t, "rc without template", cells(t, replicationControllers, &corev1.ReplicationController{ObjectMeta: objMeta("bare")}),
		"bare", int64(0), int64(0), int64(0), "120m", "", "", "<none>")

	rs := &appsv1.ReplicaSet{ObjectMeta: objMeta("web-5d4f8"),
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr(int32(2)), Template: template,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "pod-template-hash": "5d4f8"}}},
		Status: appsv1.ReplicaSetStatus{Replicas: 2, ReadyReplicas: 1}}
	wantCells(t, "rs", cells(t, replicaSets, rs), "web-5d4f8", int64(2), int64(2), int64(1), "120m", "web,log", "nginx:1.27,busybox:1.35", "app=web,pod-template-hash=5d4f8")
}

func TestDeploymentRows(t *testing.T) {
	d := &appsv1.Deployment{ObjectMeta: objMeta("web"),
		Spec: appsv1.DeploymentSpec{Replicas: ptr(int32(3)), Template: template,
			Selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"web", "api"}}}}},
		Status: appsv1.DeploymentStatus{ReadyReplicas: 2, UpdatedReplicas: 3, AvailableReplicas: 2}}
	wantCells(t, "deployment", cells(t, deployments, d), "web", "2/3", int64(3), int64(2), "120m", "web,log", "nginx:1.27,busybox:1.35", "app in (api,web)")
	bad := &appsv1.Deployment{ObjectMeta: objMeta("bad"), Spec: appsv1.DeploymentSpec{
		Selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Sometimes"}}}}}
	if got := cells(t, deployments, bad)[7]; got != "<invalid>" {
		t.Errorf("an unparsable selector shows %q, want <invalid>", got)
	}
}

func TestDaemonSetRows(t *testing.T) {
	tpl := template
	tpl.Spec.NodeSelector = map[string]string{"kubernetes.io/os": "linux"}
	ds := &appsv1.DaemonSet{ObjectMeta: objMeta("agent"),
		Spec:   appsv1.DaemonSetSpec{Template: tpl, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
		Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 2, UpdatedNumberScheduled: 1, NumberAvailable: 2}}
	wantCells(t, "daemonset", cells(t, daemonSets, ds),
		"agent", int64(3), int64(3), int64(2), int64(1), int64(2), "kubernetes.io/os=linux", "120m", "web,log", "nginx:1.27,busybox:1.35", "app=web")
}

func TestJobRows(t *testing.T) {
	job := func(mutate func(*batchv1.Job)) *batchv1.Job {
		j := &batchv1.Job{ObjectMeta: objMeta("pi"), Spec: batchv1.JobSpec{Template: template,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/controller-uid": "u1"}}}}
		mutate(j)
		return j
	}
	cond := func(typ batchv1.JobConditionType) []batchv1.JobCondition {
		return []batchv1.JobCondition{{Type: typ, Status: corev1.ConditionTrue}}
	}
	cases := []struct {
		name                         string
		job                          *batchv1.Job
		status, completions, elapsed string
	}{
		{"not started", job(func(j *batchv1.Job) {}), "Running", "0/1", ""},
		{"running", job(func(j *batchv1.Job) {
			j.Spec.Completions = ptr(int32(3))
			j.Status.StartTime = agoPtr(90 * time.Second)
			j.Status.Succeeded = 1
		}),
			"Running", "1/3", "90s"},
		{"parallel without completions", job(func(j *batchv1.Job) { j.Spec.Parallelism = ptr(int32(4)); j.Status.StartTime = agoPtr(time.Minute) }),
			"Running", "0/1 of 4", "60s"},
		{"complete", job(func(j *batchv1.Job) {
			j.Spec.Completions = ptr(int32(1))
			j.Status.Succeeded, j.Status.StartTime, j.Status.CompletionTime = 1, agoPtr(time.Hour), agoPtr(time.Hour-35*time.Second)
			j.Status.Conditions = cond(batchv1.JobComplete)
		}), "Complete", "1/1", "35s"},
		{"failed", job(func(j *batchv1.Job) { j.Status.Conditions = cond(batchv1.JobFailed) }), "Failed", "0/1", ""},
		{"terminating", job(func(j *batchv1.Job) { j.DeletionTimestamp = agoPtr(time.Second) }), "Terminating", "0/1", ""},
		{"suspended", job(func(j *batchv1.Job) { j.Status.Conditions = cond(batchv1.JobSuspended) }), "Suspended", "0/1", ""},
		{"failure target", job(func(j *batchv1.Job) { j.Status.Conditions = cond(batchv1.JobFailureTarget) }), "FailureTarget", "0/1", ""},
	}
	for _, c := range cases {
		wantCells(t, c.name, cells(t, jobs, c.job), "pi", c.status, c.completions, c.elapsed, "120m", "web,log", "nginx:1.27,busybox:1.35", "batch.kubernetes.io/controller-uid=u1")
	}
}
