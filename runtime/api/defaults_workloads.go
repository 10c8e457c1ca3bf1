package api

import (
	"math"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// setWorkloadDefaults applies the defaulting of the Service and workload
// kinds: the SetDefaults_* functions of upstream's pkg/apis/apps/v1,
// batch/v1, core/v1 and discovery/v1 defaults.go, and, as their generated
// SetObjectDefaults_* do, the pod template's PodSpec defaults (not the
// Pod-only ones: no enableServiceLinks, no requests from limits).
func setWorkloadDefaults(obj Object) {
	switch o := obj.(type) {
	case *corev1.Service:
		defaultService(o)
	case *corev1.Endpoints:
		defaultEndpoints(o)
	case *discoveryv1.EndpointSlice:
		defaultEndpointSlice(o)
	case *corev1.ReplicationController:
		defaultReplicationController(o)
	case *appsv1.Deployment:
		defaultDeployment(o)
		defaultPodSpec(&o.Spec.Template.Spec)
	case *appsv1.ReplicaSet:
		// SetDefaults_ReplicaSet
		if o.Spec.Replicas == nil {
			o.Spec.Replicas = ptr(int32(1))
		}
		defaultPodSpec(&o.Spec.Template.Spec)
	case *appsv1.DaemonSet:
		defaultDaemonSet(o)
		defaultPodSpec(&o.Spec.Template.Spec)
	case *appsv1.StatefulSet:
		defaultStatefulSet(o)
		defaultPodSpec(&o.Spec.Template.Spec)
	case *batchv1.Job:
		defaultJob(o)
		defaultJobSpec(&o.Spec)
	case *batchv1.CronJob:
		defaultCronJob(o)
		// A job template gets its pod template's defaults, not SetDefaults_Job's
		// (those belong to the Job the controller creates from it).
		defaultJobSpec(&o.Spec.JobTemplate.Spec)
	}
}

// defaultReplicationController is SetDefaults_ReplicationController: the
// selector and the labels default to the template's labels (the same map,
// as upstream assigns it), replicas to 1.
func defaultReplicationController(rc *corev1.ReplicationController) {
	if t := rc.Spec.Template; t != nil {
		if t.Labels != nil {
			if len(rc.Spec.Selector) == 0 {
				rc.Spec.Selector = t.Labels
			}
			if len(rc.Labels) == 0 {
				rc.Labels = t.Labels
			}
		}
		defaultPodSpec(&t.Spec)
	}
	if rc.Spec.Replicas == nil {
		rc.Spec.Replicas = ptr(int32(1))
	}
}

// defaultDeployment is apps/v1's SetDefaults_Deployment: one replica,
// RollingUpdate with 25% maxUnavailable and maxSurge, ten old replica sets
// kept, a 600 s progress deadline.
func defaultDeployment(d *appsv1.Deployment) {
	if d.Spec.Replicas == nil {
		d.Spec.Replicas = ptr(int32(1))
	}
	st := &d.Spec.Strategy
	if st.Type == "" {
		st.Type = appsv1.RollingUpdateDeploymentStrategyType
	}
	if st.Type == appsv1.RollingUpdateDeploymentStrategyType {
		if st.RollingUpdate == nil {
			st.RollingUpdate = &appsv1.RollingUpdateDeployment{}
		}
		if st.RollingUpdate.MaxUnavailable == nil {
			st.RollingUpdate.MaxUnavailable = ptr(intstr.FromString("25%"))
		}
		if st.RollingUpdate.MaxSurge == nil {
			st.RollingUpdate.MaxSurge = ptr(intstr.FromString("25%"))
		}
	}
	if d.Spec.RevisionHistoryLimit == nil {
		d.Spec.RevisionHistoryLimit = ptr(int32(10))
	}
	if d.Spec.ProgressDeadlineSeconds == nil {
		d.Spec.ProgressDeadlineSeconds = ptr(int32(600))
	}
}

// defaultDaemonSet is SetDefaults_DaemonSet: RollingUpdate with
// maxUnavailable 1 and maxSurge 0, ten revisions kept.
func defaultDaemonSet(ds *appsv1.DaemonSet) {
	st := &ds.Spec.UpdateStrategy
	if st.Type == "" {
		st.Type = appsv1.RollingUpdateDaemonSetStrategyType
	}
	if st.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		if st.RollingUpdate == nil {
			st.RollingUpdate = &appsv1.RollingUpdateDaemonSet{}
		}
		if st.RollingUpdate.MaxUnavailable == nil {
			st.RollingUpdate.MaxUnavailable = ptr(intstr.FromInt32(1))
		}
		if st.RollingUpdate.MaxSurge == nil {
			st.RollingUpdate.MaxSurge = ptr(intstr.FromInt32(0))
		}
	}
	if ds.Spec.RevisionHistoryLimit == nil {
		ds.Spec.RevisionHistoryLimit = ptr(int32(10))
	}
}

// defaultStatefulSet is SetDefaults_StatefulSet (StatefulSetAutoDeletePVC
// is GA): OrderedReady, RollingUpdate from partition 0, PVCs retained, one
// replica, ten revisions; each volume claim template gets
// SetDefaults_PersistentVolumeClaim and _PersistentVolumeClaimSpec.
func defaultStatefulSet(s *appsv1.StatefulSet) {
	if s.Spec.PodManagementPolicy == "" {
		s.Spec.PodManagementPolicy = appsv1.OrderedReadyPodManagement
	}
	st := &s.Spec.UpdateStrategy
	if st.Type == "" {
		st.Type = appsv1.RollingUpdateStatefulSetStrategyType
		if st.RollingUpdate == nil {
			st.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{}
		}
	}
	if st.Type == appsv1.RollingUpdateStatefulSetStrategyType && st.RollingUpdate != nil && st.RollingUpdate.Partition == nil {
		st.RollingUpdate.Partition = ptr(int32(0))
	}
	if s.Spec.PersistentVolumeClaimRetentionPolicy == nil {
		s.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{}
	}
	if p := s.Spec.PersistentVolumeClaimRetentionPolicy; p.WhenDeleted == "" {
		p.WhenDeleted = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	if p := s.Spec.PersistentVolumeClaimRetentionPolicy; p.WhenScaled == "" {
		p.WhenScaled = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	if s.Spec.Replicas == nil {
		s.Spec.Replicas = ptr(int32(1))
	}
	if s.Spec.RevisionHistoryLimit == nil {
		s.Spec.RevisionHistoryLimit = ptr(int32(10))
	}
	for i := range s.Spec.VolumeClaimTemplates {
		pvc := &s.Spec.VolumeClaimTemplates[i]
		if pvc.Status.Phase == "" {
			pvc.Status.Phase = corev1.ClaimPending
		}
		if pvc.Spec.VolumeMode == nil {
			pvc.Spec.VolumeMode = ptr(corev1.PersistentVolumeFilesystem)
		}
	}
}

// defaultJob is batch/v1's SetDefaults_Job (JobPodReplacementPolicy is GA):
// completions and parallelism 1 when both are unset, backoffLimit 6 (or
// MaxInt32 with a per-index limit), the template's labels as the job's
// when it has none (the same map, as upstream assigns it: the selector
// labels the registry adds to the template then show on the job too),
// NonIndexed, not suspended, TerminatingOrFailed replacement (Failed with
// a pod failure policy), manualSelector false.
func defaultJob(j *batchv1.Job) {
	s := &j.Spec
	if s.Completions == nil && s.Parallelism == nil {
		s.Completions = ptr(int32(1))
		s.Parallelism = ptr(int32(1))
	}
	if s.Parallelism == nil {
		s.Parallelism = ptr(int32(1))
	}
	if s.BackoffLimit == nil {
		if s.BackoffLimitPerIndex != nil {
			s.BackoffLimit = ptr(int32(math.MaxInt32))
		} else {
			s.BackoffLimit = ptr(int32(6))
		}
	}
	if labels := s.Template.Labels; labels != nil && len(j.Labels) == 0 {
		j.Labels = labels
	}
	if s.CompletionMode == nil {
		s.CompletionMode = ptr(batchv1.NonIndexedCompletion)
	}
	if s.Suspend == nil {
		s.Suspend = ptr(false)
	}
	if s.PodReplacementPolicy == nil {
		if s.PodFailurePolicy != nil {
			s.PodReplacementPolicy = ptr(batchv1.Failed)
		} else {
			s.PodReplacementPolicy = ptr(batchv1.TerminatingOrFailed)
		}
	}
	if s.ManualSelector == nil {
		s.ManualSelector = ptr(false)
	}
}

// defaultJobSpec applies what a job spec's nested types default: the pod
// template's PodSpec, and SetDefaults_PodFailurePolicyOnPodConditionsPattern
// (status True).
func defaultJobSpec(s *batchv1.JobSpec) {
	defaultPodSpec(&s.Template.Spec)
	if s.PodFailurePolicy != nil {
		for i := range s.PodFailurePolicy.Rules {
			for j := range s.PodFailurePolicy.Rules[i].OnPodConditions {
				if c := &s.PodFailurePolicy.Rules[i].OnPodConditions[j]; c.Status == "" {
					c.Status = corev1.ConditionTrue
				}
			}
		}
	}
}

// defaultCronJob is SetDefaults_CronJob: Allow concurrency, not suspended,
// three successful and one failed job kept.
func defaultCronJob(c *batchv1.CronJob) {
	if c.Spec.ConcurrencyPolicy == "" {
		c.Spec.ConcurrencyPolicy = batchv1.AllowConcurrent
	}
	if c.Spec.Suspend == nil {
		c.Spec.Suspend = ptr(false)
	}
	if c.Spec.SuccessfulJobsHistoryLimit == nil {
		c.Spec.SuccessfulJobsHistoryLimit = ptr(int32(3))
	}
	if c.Spec.FailedJobsHistoryLimit == nil {
		c.Spec.FailedJobsHistoryLimit = ptr(int32(1))
	}
}
