package tables

import (
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	appsv1beta1 "k8s.io/api/apps/v1beta1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	batchv1 "k8s.io/api/batch/v1"
	batchv1beta1 "k8s.io/api/batch/v1beta1"
	corev1 "k8s.io/api/core/v1"
	extensionsv1beta1 "k8s.io/api/extensions/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/podlab/podlab/runtime/api"
)

// This file holds the tables of the pod controllers: replication
// controllers, replica sets, deployments, daemon sets, stateful sets,
// jobs and cron jobs, the controller revisions they keep, and the Scale of
// their scale subresources. Their wide
// columns show the pod template's containers, images and the selector.
// Column descriptions come from the same API types upstream's do.

var (
	containersCol = wide("Containers", typeString, "Names of each container in the template.")
	imagesCol     = wide("Images", typeString, "Images referenced by each container in the template.")
)

// containerCells are the template's container names and images, each
// comma-joined.
func containerCells(cs []corev1.Container) (names, images string) {
	n := make([]string, len(cs))
	im := make([]string, len(cs))
	for i, c := range cs {
		n[i], im[i] = c.Name, c.Image
	}
	return strings.Join(n, ","), strings.Join(im, ",")
}

func replicas(r *int32) int64 {
	if r == nil {
		return 0
	}
	return int64(*r)
}

var replicationControllerPrinter = typed(
	[]metav1.TableColumnDefinition{
		nameCol(),
		col("Desired", typeInteger, corev1.ReplicationControllerSpec{}.SwaggerDoc()["replicas"]),
		col("Current", typeInteger, corev1.ReplicationControllerStatus{}.SwaggerDoc()["replicas"]),
		col("Ready", typeInteger, corev1.ReplicationControllerStatus{}.SwaggerDoc()["readyReplicas"]),
		ageCol(), containersCol, imagesCol,
		wide("Selector", typeString, corev1.ReplicationControllerSpec{}.SwaggerDoc()["selector"]),
	},
	func(rc *corev1.ReplicationController, now time.Time) metav1.TableRow {
		var cs []corev1.Container
		if rc.Spec.Template != nil {
			cs = rc.Spec.Template.Spec.Containers
		}
		names, images := containerCells(cs)
		return metav1.TableRow{Cells: []any{
			rc.Name, replicas(rc.Spec.Replicas), int64(rc.Status.Replicas), int64(rc.Status.ReadyReplicas), age(rc.CreationTimestamp, now),
			names, images, labels.FormatLabels(rc.Spec.Selector),
		}}
	},
)

var replicaSetPrinter = typed(
	[]metav1.TableColumnDefinition{
		nameCol(),
		col("Desired", typeInteger, extensionsv1beta1.ReplicaSetSpec{}.SwaggerDoc()["replicas"]),
		col("Current", typeInteger, extensionsv1beta1.ReplicaSetStatus{}.SwaggerDoc()["replicas"]),
		col("Ready", typeInteger, extensionsv1beta1.ReplicaSetStatus{}.SwaggerDoc()["readyReplicas"]),
		ageCol(), containersCol, imagesCol,
		wide("Selector", typeString, extensionsv1beta1.ReplicaSetSpec{}.SwaggerDoc()["selector"]),
	},
	func(rs *appsv1.ReplicaSet, now time.Time) metav1.TableRow {
		names, images := containerCells(rs.Spec.Template.Spec.Containers)
		return metav1.TableRow{Cells: []any{
			rs.Name, replicas(rs.Spec.Replicas), int64(rs.Status.Replicas), int64(rs.Status.ReadyReplicas), age(rs.CreationTimestamp, now),
			names, images, metav1.FormatLabelSelector(rs.Spec.Selector),
		}}
	},
)

// deploymentPrinter: READY is ready/desired replicas.
var deploymentPrinter = typed(
	[]metav1.TableColumnDefinition{
		nameCol(),
		col("Ready", typeString, "Number of the pod with ready state"),
		col("Up-to-date", typeString, extensionsv1beta1.DeploymentStatus{}.SwaggerDoc()["updatedReplicas"]),
		col("Available", typeString, extensionsv1beta1.DeploymentStatus{}.SwaggerDoc()["availableReplicas"]),
		ageCol(), containersCol, imagesCol,
		wide("Selector", typeString, extensionsv1beta1.DeploymentSpec{}.SwaggerDoc()["selector"]),
	},
	func(d *appsv1.Deployment, now time.Time) metav1.TableRow {
		names, images := containerCells(d.Spec.Template.Spec.Containers)
		selector := "<invalid>"
		if s, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err == nil {
			selector = s.String()
		}
		return metav1.TableRow{Cells: []any{
			d.Name, fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, replicas(d.Spec.Replicas)),
			int64(d.Status.UpdatedReplicas), int64(d.Status.AvailableReplicas), age(d.CreationTimestamp, now),
			names, images, selector,
		}}
	},
)

var daemonSetPrinter = typed(
	[]metav1.TableColumnDefinition{
		nameCol(),
		col("Desired", typeInteger, extensionsv1beta1.DaemonSetStatus{}.SwaggerDoc()["desiredNumberScheduled"]),
		col("Current", typeInteger, extensionsv1beta1.DaemonSetStatus{}.SwaggerDoc()["currentNumberScheduled"]),
		col("Ready", typeInteger, extensionsv1beta1.DaemonSetStatus{}.SwaggerDoc()["numberReady"]),
		col("Up-to-date", typeInteger, extensionsv1beta1.DaemonSetStatus{}.SwaggerDoc()["updatedNumberScheduled"]),
		col("Available", typeInteger, extensionsv1beta1.DaemonSetStatus{}.SwaggerDoc()["numberAvailable"]),
		col("Node Selector", typeString, corev1.PodSpec{}.SwaggerDoc()["nodeSelector"]),
		ageCol(), containersCol, imagesCol,
		wide("Selector", typeString, extensionsv1beta1.DaemonSetSpec{}.SwaggerDoc()["selector"]),
	},
	func(ds *appsv1.DaemonSet, now time.Time) metav1.TableRow {
		names, images := containerCells(ds.Spec.Template.Spec.Containers)
		st := ds.Status
		return metav1.TableRow{Cells: []any{
			ds.Name, int64(st.DesiredNumberScheduled), int64(st.CurrentNumberScheduled), int64(st.NumberReady),
			int64(st.UpdatedNumberScheduled), int64(st.NumberAvailable), labels.FormatLabels(ds.Spec.Template.Spec.NodeSelector),
			age(ds.CreationTimestamp, now), names, images, metav1.FormatLabelSelector(ds.Spec.Selector),
		}}
	},
)

var jobPrinter = typed(
	[]metav1.TableColumnDefinition{
		nameCol(),
		col("Status", typeString, "Status of the job."),
		col("Completions", typeString, batchv1.JobStatus{}.SwaggerDoc()["succeeded"]),
		col("Duration", typeString, "Time required to complete the job."),
		ageCol(), containersCol, imagesCol,
		wide("Selector", typeString, batchv1.JobSpec{}.SwaggerDoc()["selector"]),
	},
	jobRow,
)

// jobRow: COMPLETIONS is succeeded/completions ("n/1 of p" for a parallel
// job without completions); DURATION runs from the start to the completion,
// or to now while running; STATUS is Complete, Failed, Terminating,
// Suspended, FailureTarget or Running, in that precedence.
func jobRow(j *batchv1.Job, now time.Time) metav1.TableRow {
	var completions string
	switch {
	case j.Spec.Completions != nil:
		completions = fmt.Sprintf("%d/%d", j.Status.Succeeded, *j.Spec.Completions)
	case j.Spec.Parallelism != nil && *j.Spec.Parallelism > 1:
		completions = fmt.Sprintf("%d/1 of %d", j.Status.Succeeded, *j.Spec.Parallelism)
	default:
		completions = fmt.Sprintf("%d/1", j.Status.Succeeded)
	}
	var took string
	switch {
	case j.Status.StartTime == nil:
	case j.Status.CompletionTime == nil:
		took = duration.HumanDuration(now.Sub(j.Status.StartTime.Time))
	default:
		took = duration.HumanDuration(j.Status.CompletionTime.Sub(j.Status.StartTime.Time))
	}
	status := "Running"
	switch {
	case jobCondition(j, batchv1.JobComplete):
		status = "Complete"
	case jobCondition(j, batchv1.JobFailed):
		status = "Failed"
	case j.DeletionTimestamp != nil:
		status = "Terminating"
	case jobCondition(j, batchv1.JobSuspended):
		status = "Suspended"
	case jobCondition(j, batchv1.JobFailureTarget):
		status = "FailureTarget"
	}
	names, images := containerCells(j.Spec.Template.Spec.Containers)
	return metav1.TableRow{Cells: []any{
		j.Name, status, completions, took, age(j.CreationTimestamp, now),
		names, images, metav1.FormatLabelSelector(j.Spec.Selector),
	}}
}

// jobCondition tells whether the job's first condition of a type is true.
func jobCondition(j *batchv1.Job, typ batchv1.JobConditionType) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == typ {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// statefulSetPrinter: READY is ready/desired replicas; the wide columns
// stop at the images (upstream shows no selector for stateful sets).
var statefulSetPrinter = typed(
	[]metav1.TableColumnDefinition{
		nameCol(),
		col("Ready", typeString, "Number of the pod with ready state"),
		ageCol(), containersCol, imagesCol,
	},
	func(s *appsv1.StatefulSet, now time.Time) metav1.TableRow {
		names, images := containerCells(s.Spec.Template.Spec.Containers)
		return metav1.TableRow{Cells: []any{
			s.Name, fmt.Sprintf("%d/%d", s.Status.ReadyReplicas, replicas(s.Spec.Replicas)), age(s.CreationTimestamp, now), names, images,
		}}
	},
)

// controllerRevisionPrinter: CONTROLLER is the owning controller as
// kind.group/name ("daemonset.apps/web"), or <none>.
var controllerRevisionPrinter = typed(
	[]metav1.TableColumnDefinition{
		nameCol(),
		col("Controller", typeString, "Controller of the object"),
		col("Revision", typeString, appsv1beta1.ControllerRevision{}.SwaggerDoc()["revision"]),
		ageCol(),
	},
	func(r *appsv1.ControllerRevision, now time.Time) metav1.TableRow {
		controller := "<none>"
		if ref := metav1.GetControllerOf(r); ref != nil {
			gk := schema.FromAPIVersionAndKind(ref.APIVersion, ref.Kind).GroupKind()
			controller = strings.ToLower(gk.String()) + "/" + ref.Name
		}
		return metav1.TableRow{Cells: []any{r.Name, controller, r.Revision, age(r.CreationTimestamp, now)}}
	},
)

// cronJobPrinter: TIMEZONE and LAST SCHEDULE show <none> when unset; the
// wide columns are the job template's.
var cronJobPrinter = typed(
	[]metav1.TableColumnDefinition{
		nameCol(),
		col("Schedule", typeString, batchv1beta1.CronJobSpec{}.SwaggerDoc()["schedule"]),
		col("Timezone", typeString, batchv1beta1.CronJobSpec{}.SwaggerDoc()["timeZone"]),
		col("Suspend", "boolean", batchv1beta1.CronJobSpec{}.SwaggerDoc()["suspend"]),
		col("Active", typeInteger, batchv1beta1.CronJobStatus{}.SwaggerDoc()["active"]),
		col("Last Schedule", typeString, batchv1beta1.CronJobStatus{}.SwaggerDoc()["lastScheduleTime"]),
		ageCol(), containersCol, imagesCol,
		wide("Selector", typeString, batchv1.JobSpec{}.SwaggerDoc()["selector"]),
	},
	func(c *batchv1.CronJob, now time.Time) metav1.TableRow {
		last := "<none>"
		if c.Status.LastScheduleTime != nil {
			last = age(*c.Status.LastScheduleTime, now)
		}
		tz := "<none>"
		if c.Spec.TimeZone != nil {
			tz = *c.Spec.TimeZone
		}
		suspend := "<unset>"
		if c.Spec.Suspend != nil {
			suspend = "False"
			if *c.Spec.Suspend {
				suspend = "True"
			}
		}
		names, images := containerCells(c.Spec.JobTemplate.Spec.Template.Spec.Containers)
		return metav1.TableRow{Cells: []any{
			c.Name, c.Spec.Schedule, tz, suspend, int64(len(c.Status.Active)), last, age(c.CreationTimestamp, now),
			names, images, metav1.FormatLabelSelector(c.Spec.JobTemplate.Spec.Selector),
		}}
	},
)

// scaleResource names the autoscaling/v1 Scale that the scale subresources
// serve; it is no resource of its own, only a table.
var scaleResource = api.Resource{Name: "scales", Kind: "Scale", Group: "autoscaling", Version: "v1"}

// scalePrinter is upstream's table of a Scale (kubectl get --subresource
// scale): desired and current replicas. Its name column has no "name"
// format, as upstream's has none.
var scalePrinter = typed(
	[]metav1.TableColumnDefinition{
		col("Name", typeString, objectMetaDoc["name"]),
		col("Desired", typeInteger, autoscalingv1.ScaleSpec{}.SwaggerDoc()["replicas"]),
		col("Available", typeInteger, autoscalingv1.ScaleStatus{}.SwaggerDoc()["replicas"]),
		ageCol(),
	},
	func(s *autoscalingv1.Scale, now time.Time) metav1.TableRow {
		return metav1.TableRow{Cells: []any{s.Name, int64(s.Spec.Replicas), int64(s.Status.Replicas), age(s.CreationTimestamp, now)}}
	},
)

// NewScaleConvertor is the table convertor of the scale subresources.
func NewScaleConvertor() *Convertor { return &Convertor{Resource: scaleResource} }
