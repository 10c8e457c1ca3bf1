package api

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateWorkload checks a Service or workload object, new (old nil) or
// replacing old: the kind's rules, then what an update may not change.
// Selectors of the apps/v1 kinds are immutable (upstream checks that in
// their strategies for apps/v1); the other immutable fields are the
// kinds' own ValidateXUpdate rules.
func validateWorkload(obj, old Object) field.ErrorList {
	var errs field.ErrorList
	immutable := func(n, o any, p *field.Path) {
		errs = append(errs, apimachineryvalidation.ValidateImmutableField(n, o, p)...)
	}
	switch o := obj.(type) {
	case *corev1.Service:
		errs = validateService(o)
		if old != nil {
			errs = append(errs, validateServiceUpdate(o, old.(*corev1.Service))...)
		}
	case *corev1.Endpoints:
		errs = validateEndpoints(o)
	case *discoveryv1.EndpointSlice:
		errs = validateEndpointSlice(o)
		if old != nil {
			immutable(o.AddressType, old.(*discoveryv1.EndpointSlice).AddressType, field.NewPath("addressType"))
		}
	case *corev1.ReplicationController:
		errs = validateReplicationControllerSpec(&o.Spec, specPath)
	case *appsv1.Deployment:
		errs = validateDeploymentSpec(&o.Spec, specPath)
		if old != nil {
			immutable(o.Spec.Selector, old.(*appsv1.Deployment).Spec.Selector, specPath.Child("selector"))
		}
	case *appsv1.ReplicaSet:
		errs = validateReplicaSetSpec(&o.Spec, specPath)
		if old != nil {
			immutable(o.Spec.Selector, old.(*appsv1.ReplicaSet).Spec.Selector, specPath.Child("selector"))
		}
	case *appsv1.DaemonSet:
		errs = validateDaemonSetSpec(&o.Spec, specPath)
		if old != nil {
			immutable(o.Spec.Selector, old.(*appsv1.DaemonSet).Spec.Selector, specPath.Child("selector"))
		}
	case *appsv1.StatefulSet:
		errs = validateStatefulSetSpec(&o.Spec, specPath)
		if old != nil {
			errs = append(errs, validateStatefulSetSpecUpdate(&o.Spec, &old.(*appsv1.StatefulSet).Spec)...)
		}
	case *appsv1.ControllerRevision:
		errs = validateControllerRevision(o)
		if old != nil {
			immutable(o.Data, old.(*appsv1.ControllerRevision).Data, field.NewPath("data"))
		}
	case *batchv1.Job:
		oldJob, _ := old.(*batchv1.Job)
		errs = validateJob(o, oldJob)
		if oldJob != nil {
			errs = append(errs, validateJobSpecUpdate(o, oldJob)...)
		}
	case *batchv1.CronJob:
		oldCJ, _ := old.(*batchv1.CronJob)
		errs = validateCronJob(o, oldCJ)
	}
	return errs
}

// ValidateStatusUpdate checks what a status subresource writes: the
// kind's status rules (ValidateXStatusUpdate), and that name and
// namespace stay.
func ValidateStatusUpdate(obj, old Object) field.ErrorList {
	var errs field.ErrorList
	p := field.NewPath("metadata")
	if obj.GetName() != old.GetName() {
		errs = append(errs, field.Invalid(p.Child("name"), obj.GetName(), "field is immutable"))
	}
	if obj.GetNamespace() != old.GetNamespace() {
		errs = append(errs, field.Invalid(p.Child("namespace"), obj.GetNamespace(), "field is immutable"))
	}
	sp := field.NewPath("status")
	switch o := obj.(type) {
	case *corev1.Service:
		errs = append(errs, validateServiceStatus(&o.Status)...)
	case *corev1.ReplicationController:
		st := o.Status
		errs = append(errs, validateReplicaStatus(st.Replicas, st.FullyLabeledReplicas, st.ReadyReplicas, st.AvailableReplicas, st.ObservedGeneration, sp)...)
	case *appsv1.Deployment:
		errs = append(errs, validateDeploymentStatus(&o.Status, &old.(*appsv1.Deployment).Status, sp)...)
	case *appsv1.ReplicaSet:
		st := o.Status
		errs = append(errs, validateReplicaStatus(st.Replicas, st.FullyLabeledReplicas, st.ReadyReplicas, st.AvailableReplicas, st.ObservedGeneration, sp)...)
	case *appsv1.DaemonSet:
		errs = append(errs, validateDaemonSetStatus(&o.Status, &old.(*appsv1.DaemonSet).Status, sp)...)
	case *appsv1.StatefulSet:
		errs = append(errs, validateStatefulSetStatus(&o.Status, &old.(*appsv1.StatefulSet).Status, sp)...)
	case *batchv1.Job:
		errs = append(errs, validateJobStatus(&o.Status, sp)...)
	}
	return errs
}

// ValidateScale is autoscaling's ValidateScale for the scale subresources:
// the replicas asked for are not negative.
func ValidateScale(replicas int32) field.ErrorList {
	return nonNegative(replicas, field.NewPath("spec", "replicas"))
}
