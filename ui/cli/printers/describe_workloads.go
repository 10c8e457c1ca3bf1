package printers

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/duration"
)

// The pages of kubectl's ReplicaSet, ReplicationController, Deployment,
// DaemonSet, StatefulSet, Job and CronJob describers (k8s.io/kubectl
// pkg/describe), up to the events.

func int32Of(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

// selectorString is labels.Selector's String of a LabelSelector, or
// kubectl's "Failed to get selector" line when it does not parse.
func selectorString(s *metav1.LabelSelector) string {
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		return "Failed to get selector: " + err.Error()
	}
	return sel.String()
}

// describeConditions is the "Conditions:" table the workload describers
// share: Type, Status, Reason.
func describeConditions(p prefixWriter, rows [][3]string) {
	if len(rows) == 0 {
		return
	}
	p.line(0, "Conditions:")
	p.line(1, "Type\tStatus\tReason")
	p.line(1, "----\t------\t------")
	for _, r := range rows {
		p.line(1, "%s \t%s\t%s", r[0], r[1], r[2])
	}
}

func describeReplicaSet(p prefixWriter, rs *appsv1.ReplicaSet, pods PodCounts) {
	p.line(0, "Name:\t%s", rs.Name)
	p.line(0, "Namespace:\t%s", rs.Namespace)
	p.line(0, "Selector:\t%s", metav1.FormatLabelSelector(rs.Spec.Selector))
	printLabels(p, "Labels", rs.Labels)
	printAnnotations(p, rs.Annotations)
	if c := printController(rs); c != "" {
		p.line(0, "Controlled By:\t%s", c)
	}
	p.line(0, "Replicas:\t%d current / %d desired", rs.Status.Replicas, int32Of(rs.Spec.Replicas))
	p.line(0, "Pods Status:\t%s", pods)
	describePodTemplate(p, &rs.Spec.Template)
	rows := make([][3]string, 0, len(rs.Status.Conditions))
	for _, c := range rs.Status.Conditions {
		rows = append(rows, [3]string{string(c.Type), string(c.Status), c.Reason})
	}
	describeConditions(p, rows)
}

func describeReplicationController(p prefixWriter, rc *corev1.ReplicationController, pods PodCounts) {
	p.line(0, "Name:\t%s", rc.Name)
	p.line(0, "Namespace:\t%s", rc.Namespace)
	p.line(0, "Selector:\t%s", labels.FormatLabels(rc.Spec.Selector))
	printLabels(p, "Labels", rc.Labels)
	printAnnotations(p, rc.Annotations)
	p.line(0, "Replicas:\t%d current / %d desired", rc.Status.Replicas, int32Of(rc.Spec.Replicas))
	p.line(0, "Pods Status:\t%s", pods)
	describePodTemplate(p, rc.Spec.Template)
	rows := make([][3]string, 0, len(rc.Status.Conditions))
	for _, c := range rc.Status.Conditions {
		rows = append(rows, [3]string{string(c.Type), string(c.Status), c.Reason})
	}
	describeConditions(p, rows)
}

// describeDeployment is kubectl's; oldRSs and newRS are what its
// deploymentutil.GetAllReplicaSets finds (every other owned ReplicaSet,
// and the one whose template matches the deployment's).
func describeDeployment(p prefixWriter, d *appsv1.Deployment, oldRSs []appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) {
	p.line(0, "Name:\t%s", d.Name)
	p.line(0, "Namespace:\t%s", d.Namespace)
	p.line(0, "CreationTimestamp:\t%s", describeTime(d.CreationTimestamp))
	printLabels(p, "Labels", d.Labels)
	printAnnotations(p, d.Annotations)
	p.line(0, "Selector:\t%s", selectorString(d.Spec.Selector))
	p.line(0, "Replicas:\t%d desired | %d updated | %d total | %d available | %d unavailable",
		int32Of(d.Spec.Replicas), d.Status.UpdatedReplicas, d.Status.Replicas, d.Status.AvailableReplicas, d.Status.UnavailableReplicas)
	p.line(0, "StrategyType:\t%s", d.Spec.Strategy.Type)
	p.line(0, "MinReadySeconds:\t%d", d.Spec.MinReadySeconds)
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
		p.line(0, "RollingUpdateStrategy:\t%s max unavailable, %s max surge", ru.MaxUnavailable.String(), ru.MaxSurge.String())
	}
	describePodTemplate(p, &d.Spec.Template)
	rows := make([][3]string, 0, len(d.Status.Conditions))
	for _, c := range d.Status.Conditions {
		rows = append(rows, [3]string{string(c.Type), string(c.Status), c.Reason})
	}
	describeConditions(p, rows)
	var newRSs []appsv1.ReplicaSet
	if newRS != nil {
		newRSs = []appsv1.ReplicaSet{*newRS}
	}
	if len(oldRSs) > 0 || len(newRSs) > 0 {
		p.line(0, "OldReplicaSets:\t%s", replicaSetsCreated(oldRSs))
		p.line(0, "NewReplicaSet:\t%s", replicaSetsCreated(newRSs))
	}
}

// replicaSetsCreated is kubectl's printReplicaSetsByLabels:
// "name (current/desired replicas created)", joined by ", ", or <none>.
func replicaSetsCreated(rss []appsv1.ReplicaSet) string {
	parts := make([]string, 0, len(rss))
	for _, rs := range rss {
		parts = append(parts, fmt.Sprintf("%s (%d/%d replicas created)", rs.Name, rs.Status.Replicas, int32Of(rs.Spec.Replicas)))
	}
	return orNone(strings.Join(parts, ", "))
}

func describeDaemonSet(p prefixWriter, ds *appsv1.DaemonSet, pods PodCounts) {
	p.line(0, "Name:\t%s", ds.Name)
	p.line(0, "Namespace:\t%s", ds.Namespace)
	p.line(0, "Selector:\t%s", selectorString(ds.Spec.Selector))
	p.line(0, "Node-Selector:\t%s", FormatLabels(ds.Spec.Template.Spec.NodeSelector))
	printLabels(p, "Labels", ds.Labels)
	printAnnotations(p, ds.Annotations)
	// kubectl writes these five without a tab: they do not align.
	p.line(0, "Desired Number of Nodes Scheduled: %d", ds.Status.DesiredNumberScheduled)
	p.line(0, "Current Number of Nodes Scheduled: %d", ds.Status.CurrentNumberScheduled)
	p.line(0, "Number of Nodes Scheduled with Up-to-date Pods: %d", ds.Status.UpdatedNumberScheduled)
	p.line(0, "Number of Nodes Scheduled with Available Pods: %d", ds.Status.NumberAvailable)
	p.line(0, "Number of Nodes Misscheduled: %d", ds.Status.NumberMisscheduled)
	p.line(0, "Pods Status:\t%s", pods)
	describePodTemplate(p, &ds.Spec.Template)
}

func describeStatefulSet(p prefixWriter, ss *appsv1.StatefulSet, pods PodCounts) {
	p.line(0, "Name:\t%s", ss.Name)
	p.line(0, "Namespace:\t%s", ss.Namespace)
	p.line(0, "CreationTimestamp:\t%s", describeTime(ss.CreationTimestamp))
	p.line(0, "Selector:\t%s", selectorString(ss.Spec.Selector))
	printLabels(p, "Labels", ss.Labels)
	printAnnotations(p, ss.Annotations)
	if ss.Spec.ServiceName != "" {
		p.line(0, "Service Name:\t%s", ss.Spec.ServiceName)
	}
	if ss.Spec.PodManagementPolicy != "" {
		p.line(0, "Pod Management Policy:\t%s", ss.Spec.PodManagementPolicy)
	}
	p.line(0, "Replicas:\t%d desired | %d total", int32Of(ss.Spec.Replicas), ss.Status.Replicas)
	p.line(0, "Update Strategy:\t%s", ss.Spec.UpdateStrategy.Type)
	if ru := ss.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		p.line(1, "Partition:\t%d", *ru.Partition)
		if ru.MaxUnavailable != nil {
			p.line(1, "MaxUnavailable:\t%s", ru.MaxUnavailable.String())
		}
	}
	if r := ss.Spec.PersistentVolumeClaimRetentionPolicy; r != nil {
		p.line(0, "Persistent Volume Claim Retention Policy:")
		p.line(1, "WhenDeleted:\t%s", r.WhenDeleted)
		p.line(1, "WhenScaled:\t%s", r.WhenScaled)
	}
	p.line(0, "Pods Status:\t%s", pods)
	describePodTemplate(p, &ss.Spec.Template)
	describeClaimTemplates(p, ss.Spec.VolumeClaimTemplates)
}

// describeClaimTemplates is kubectl's describeVolumeClaimTemplates.
func describeClaimTemplates(p prefixWriter, claims []corev1.PersistentVolumeClaim) {
	if len(claims) == 0 {
		p.line(0, "Volume Claims:\t<none>")
		return
	}
	p.line(0, "Volume Claims:")
	for _, c := range claims {
		p.line(1, "Name:\t%s", c.Name)
		class := ""
		if c.Spec.StorageClassName != nil {
			class = *c.Spec.StorageClassName
		} else if v, ok := c.Annotations[corev1.BetaStorageClassAnnotation]; ok {
			class = v
		}
		p.line(1, "StorageClass:\t%s", class)
		printLabels(p, "  Labels", c.Labels)
		printLabels(p, "  Annotations", c.Annotations)
		capacity := "<default>"
		if q, ok := c.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
			capacity = q.String()
		}
		p.line(1, "Capacity:\t%s", capacity)
		p.line(1, "Access Modes:\t%v", c.Spec.AccessModes)
	}
}

func describeJob(p prefixWriter, job *batchv1.Job) {
	p.line(0, "Name:\t%s", job.Name)
	p.line(0, "Namespace:\t%s", job.Namespace)
	p.line(0, "Selector:\t%s", selectorString(job.Spec.Selector))
	printLabels(p, "Labels", job.Labels)
	printAnnotations(p, job.Annotations)
	if c := printController(job); c != "" {
		p.line(0, "Controlled By:\t%s", c)
	}
	if job.Spec.Parallelism != nil {
		p.line(0, "Parallelism:\t%d", *job.Spec.Parallelism)
	}
	if job.Spec.Completions != nil {
		p.line(0, "Completions:\t%d", *job.Spec.Completions)
	} else {
		p.line(0, "Completions:\t<unset>")
	}
	if job.Spec.CompletionMode != nil {
		p.line(0, "Completion Mode:\t%s", *job.Spec.CompletionMode)
	}
	if job.Spec.Suspend != nil {
		p.line(0, "Suspend:\t%v", *job.Spec.Suspend)
	}
	if job.Spec.BackoffLimit != nil {
		p.line(0, "Backoff Limit:\t%v", *job.Spec.BackoffLimit)
	}
	if job.Spec.TTLSecondsAfterFinished != nil {
		p.line(0, "TTL Seconds After Finished:\t%v", *job.Spec.TTLSecondsAfterFinished)
	}
	if job.Status.StartTime != nil {
		p.line(0, "Start Time:\t%s", describeTime(*job.Status.StartTime))
	}
	if job.Status.CompletionTime != nil {
		p.line(0, "Completed At:\t%s", describeTime(*job.Status.CompletionTime))
	}
	if job.Status.StartTime != nil && job.Status.CompletionTime != nil {
		p.line(0, "Duration:\t%s", duration.HumanDuration(job.Status.CompletionTime.Sub(job.Status.StartTime.Time)))
	}
	if job.Spec.ActiveDeadlineSeconds != nil {
		p.line(0, "Active Deadline Seconds:\t%ds", *job.Spec.ActiveDeadlineSeconds)
	}
	if job.Status.Ready == nil {
		p.line(0, "Pods Statuses:\t%d Active / %d Succeeded / %d Failed", job.Status.Active, job.Status.Succeeded, job.Status.Failed)
	} else {
		p.line(0, "Pods Statuses:\t%d Active (%d Ready) / %d Succeeded / %d Failed", job.Status.Active, *job.Status.Ready, job.Status.Succeeded, job.Status.Failed)
	}
	if job.Spec.CompletionMode != nil && *job.Spec.CompletionMode == batchv1.IndexedCompletion {
		p.line(0, "Completed Indexes:\t%s", capIndexes(job.Status.CompletedIndexes, 50))
	}
	describePodTemplate(p, &job.Spec.Template)
}

// capIndexes is kubectl's capIndexesListOrNone: the list cut at the first
// comma after softLimit characters, with "...".
func capIndexes(indexes string, softLimit int) string {
	if indexes == "" {
		return "<none>"
	}
	i := softLimit
	for ; i < len(indexes); i++ {
		if indexes[i] == ',' {
			break
		}
	}
	if i >= len(indexes) {
		return indexes
	}
	return indexes[:i+1] + "..."
}

func describeCronJob(p prefixWriter, cj *batchv1.CronJob) {
	unset := func(v *int32, format string) string {
		if v == nil {
			return "<unset>"
		}
		return fmt.Sprintf(format, *v)
	}
	p.line(0, "Name:\t%s", cj.Name)
	p.line(0, "Namespace:\t%s", cj.Namespace)
	printLabels(p, "Labels", cj.Labels)
	printAnnotations(p, cj.Annotations)
	p.line(0, "Schedule:\t%s", cj.Spec.Schedule)
	p.line(0, "Concurrency Policy:\t%s", cj.Spec.ConcurrencyPolicy)
	suspend := "<unset>"
	if cj.Spec.Suspend != nil {
		suspend = titleBool(*cj.Spec.Suspend)
	}
	p.line(0, "Suspend:\t%s", suspend)
	tz := "<unset>"
	if cj.Spec.TimeZone != nil {
		tz = *cj.Spec.TimeZone
	}
	p.line(0, "Time Zone:\t%s", tz)
	p.line(0, "Successful Job History Limit:\t%s", unset(cj.Spec.SuccessfulJobsHistoryLimit, "%d"))
	p.line(0, "Failed Job History Limit:\t%s", unset(cj.Spec.FailedJobsHistoryLimit, "%d"))
	deadline := "<unset>"
	if cj.Spec.StartingDeadlineSeconds != nil {
		deadline = fmt.Sprintf("%ds", *cj.Spec.StartingDeadlineSeconds)
	}
	p.line(0, "Starting Deadline Seconds:\t%s", deadline)
	jt := cj.Spec.JobTemplate.Spec
	if jt.Selector != nil {
		p.line(0, "Selector:\t%s", selectorString(jt.Selector))
	} else {
		p.line(0, "Selector:\t<unset>")
	}
	p.line(0, "Parallelism:\t%s", unset(jt.Parallelism, "%d"))
	p.line(0, "Completions:\t%s", unset(jt.Completions, "%d"))
	if jt.ActiveDeadlineSeconds != nil {
		p.line(0, "Active Deadline Seconds:\t%ds", *jt.ActiveDeadlineSeconds)
	}
	describePodTemplate(p, &jt.Template)
	if cj.Status.LastScheduleTime != nil {
		p.line(0, "Last Schedule Time:\t%s", describeTime(*cj.Status.LastScheduleTime))
	} else {
		p.line(0, "Last Schedule Time:\t<unset>")
	}
	names := make([]string, 0, len(cj.Status.Active))
	for _, j := range cj.Status.Active {
		names = append(names, j.Name)
	}
	p.line(0, "Active Jobs:\t%s", orNone(strings.Join(names, ", ")))
}
