package api

import (
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// This file holds the rules of upstream's pkg/apis/apps/validation for the
// apps/v1 kinds, and ValidateReplicationController's from core: the specs on
// create and update, and the statuses their controllers write.

var specPath = field.NewPath("spec")

func validateDeploymentSpec(s *appsv1.DeploymentSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.Replicas != nil {
		errs = append(errs, nonNegative(*s.Replicas, p.Child("replicas"))...)
	}
	sel, e := validateWorkloadSelector(s.Selector, "deployment", p.Child("selector"))
	errs = append(errs, e...)
	if sel != nil {
		errs = append(errs, validateReplicatedTemplate(&s.Template, sel, "ReplicaSet", p.Child("template"))...)
	}
	errs = append(errs, validateDeploymentStrategy(&s.Strategy, p.Child("strategy"))...)
	errs = append(errs, nonNegative(s.MinReadySeconds, p.Child("minReadySeconds"))...)
	if s.RevisionHistoryLimit != nil {
		errs = append(errs, nonNegative(*s.RevisionHistoryLimit, p.Child("revisionHistoryLimit"))...)
	}
	if d := s.ProgressDeadlineSeconds; d != nil {
		errs = append(errs, nonNegative(*d, p.Child("progressDeadlineSeconds"))...)
		if *d <= s.MinReadySeconds {
			errs = append(errs, field.Invalid(p.Child("progressDeadlineSeconds"), s.ProgressDeadlineSeconds, "must be greater than minReadySeconds"))
		}
	}
	return errs
}

func validateDeploymentStrategy(s *appsv1.DeploymentStrategy, p *field.Path) field.ErrorList {
	switch s.Type {
	case appsv1.RecreateDeploymentStrategyType:
		if s.RollingUpdate != nil {
			return field.ErrorList{field.Forbidden(p.Child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")}
		}
	case appsv1.RollingUpdateDeploymentStrategyType:
		ru := s.RollingUpdate
		if ru == nil || ru.MaxUnavailable == nil || ru.MaxSurge == nil {
			return field.ErrorList{field.Required(p.Child("rollingUpdate"), "this should be defaulted and never be nil")}
		}
		rp := p.Child("rollingUpdate")
		errs := validatePositiveIntOrPercent(*ru.MaxUnavailable, rp.Child("maxUnavailable"))
		errs = append(errs, validatePositiveIntOrPercent(*ru.MaxSurge, rp.Child("maxSurge"))...)
		if intOrPercentValue(*ru.MaxUnavailable) == 0 && intOrPercentValue(*ru.MaxSurge) == 0 {
			errs = append(errs, field.Invalid(rp.Child("maxUnavailable"), ru.MaxUnavailable, "may not be 0 when `maxSurge` is 0"))
		}
		return append(errs, notMoreThan100Percent(*ru.MaxUnavailable, rp.Child("maxUnavailable"))...)
	default:
		return field.ErrorList{field.NotSupported(p, s, []string{string(appsv1.RecreateDeploymentStrategyType), string(appsv1.RollingUpdateDeploymentStrategyType)})}
	}
	return nil
}

func validateDeploymentStatus(st *appsv1.DeploymentStatus, old *appsv1.DeploymentStatus, p *field.Path) field.ErrorList {
	errs := nonNegativeCounters(p, map[string]int32{
		"observedGeneration": int32(st.ObservedGeneration), "replicas": st.Replicas, "updatedReplicas": st.UpdatedReplicas,
		"readyReplicas": st.ReadyReplicas, "availableReplicas": st.AvailableReplicas, "unavailableReplicas": st.UnavailableReplicas,
	})
	if st.TerminatingReplicas != nil {
		errs = append(errs, nonNegative(*st.TerminatingReplicas, p.Child("terminatingReplicas"))...)
	}
	errs = append(errs, notAboveReplicas(p, st.Replicas, [][2]any{{"updatedReplicas", st.UpdatedReplicas}, {"readyReplicas", st.ReadyReplicas}, {"availableReplicas", st.AvailableReplicas}})...)
	if st.AvailableReplicas > st.ReadyReplicas {
		errs = append(errs, field.Invalid(p.Child("availableReplicas"), st.AvailableReplicas, "cannot be greater than readyReplicas"))
	}
	return append(errs, validateCollisionCount(st.CollisionCount, old.CollisionCount, p.Child("collisionCount"))...)
}

func validateReplicaSetSpec(s *appsv1.ReplicaSetSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.Replicas != nil {
		errs = append(errs, nonNegative(*s.Replicas, p.Child("replicas"))...)
	}
	errs = append(errs, nonNegative(s.MinReadySeconds, p.Child("minReadySeconds"))...)
	sel, e := validateWorkloadSelector(s.Selector, "deployment", p.Child("selector"))
	errs = append(errs, e...)
	if sel != nil {
		errs = append(errs, validateReplicatedTemplate(&s.Template, sel, "ReplicaSet", p.Child("template"))...)
	}
	return errs
}

// validateReplicaStatus is ValidateReplicaSetStatus, which the RC's status
// shares: counters not negative, none above replicas, available not above ready.
func validateReplicaStatus(replicas, fullyLabeled, ready, available int32, observedGeneration int64, p *field.Path) field.ErrorList {
	errs := nonNegativeCounters(p, map[string]int32{
		"replicas": replicas, "fullyLabeledReplicas": fullyLabeled, "readyReplicas": ready,
		"availableReplicas": available, "observedGeneration": int32(observedGeneration),
	})
	errs = append(errs, notAboveReplicas(p, replicas, [][2]any{{"fullyLabeledReplicas", fullyLabeled}, {"readyReplicas", ready}, {"availableReplicas", available}})...)
	if available > ready {
		errs = append(errs, field.Invalid(p.Child("availableReplicas"), available, "cannot be greater than readyReplicas"))
	}
	return errs
}

func validateDaemonSetSpec(s *appsv1.DaemonSetSpec, p *field.Path) field.ErrorList {
	sel, errs := validateWorkloadSelector(s.Selector, "daemonset", p.Child("selector"))
	if sel != nil {
		errs = append(errs, validateReplicatedTemplate(&s.Template, sel, "DaemonSet", p.Child("template"))...)
	}
	errs = append(errs, nonNegative(s.MinReadySeconds, p.Child("minReadySeconds"))...)
	if s.RevisionHistoryLimit != nil {
		errs = append(errs, nonNegative(*s.RevisionHistoryLimit, p.Child("revisionHistoryLimit"))...)
	}
	us, up := s.UpdateStrategy, p.Child("updateStrategy")
	switch us.Type {
	case appsv1.OnDeleteDaemonSetStrategyType:
	case appsv1.RollingUpdateDaemonSetStrategyType:
		ru := us.RollingUpdate
		if ru == nil || ru.MaxUnavailable == nil || ru.MaxSurge == nil {
			return append(errs, field.Required(up.Child("rollingUpdate"), ""))
		}
		rp := up.Child("rollingUpdate")
		errs = append(errs, validatePositiveIntOrPercent(*ru.MaxUnavailable, rp.Child("maxUnavailable"))...)
		errs = append(errs, validatePositiveIntOrPercent(*ru.MaxSurge, rp.Child("maxSurge"))...)
		errs = append(errs, notMoreThan100Percent(*ru.MaxUnavailable, rp.Child("maxUnavailable"))...)
		errs = append(errs, notMoreThan100Percent(*ru.MaxSurge, rp.Child("maxSurge"))...)
		unavailable, surge := intOrPercentValue(*ru.MaxUnavailable) != 0, intOrPercentValue(*ru.MaxSurge) != 0
		switch {
		case unavailable && surge:
			errs = append(errs, field.Invalid(rp.Child("maxSurge"), ru.MaxSurge, "may not be set when maxUnavailable is non-zero"))
		case !unavailable && !surge:
			errs = append(errs, field.Required(rp.Child("maxUnavailable"), "cannot be 0 when maxSurge is 0"))
		}
	default:
		errs = append(errs, field.NotSupported(up, us, []string{string(appsv1.RollingUpdateDaemonSetStrategyType), string(appsv1.OnDeleteDaemonSetStrategyType)}))
	}
	return errs
}

func validateDaemonSetStatus(st, old *appsv1.DaemonSetStatus, p *field.Path) field.ErrorList {
	errs := nonNegativeCounters(p, map[string]int32{
		"currentNumberScheduled": st.CurrentNumberScheduled, "numberMisscheduled": st.NumberMisscheduled,
		"desiredNumberScheduled": st.DesiredNumberScheduled, "numberReady": st.NumberReady,
		"observedGeneration": int32(st.ObservedGeneration), "updatedNumberScheduled": st.UpdatedNumberScheduled,
		"numberAvailable": st.NumberAvailable, "numberUnavailable": st.NumberUnavailable,
	})
	return append(errs, validateCollisionCount(st.CollisionCount, old.CollisionCount, p.Child("collisionCount"))...)
}

func validateStatefulSetSpec(s *appsv1.StatefulSetSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch s.PodManagementPolicy {
	case "":
		errs = append(errs, field.Required(p.Child("podManagementPolicy"), ""))
	case appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement:
	default:
		errs = append(errs, field.Invalid(p.Child("podManagementPolicy"), s.PodManagementPolicy, "must be 'OrderedReady' or 'Parallel'"))
	}
	up := p.Child("updateStrategy")
	switch s.UpdateStrategy.Type {
	case "":
		errs = append(errs, field.Required(up, ""))
	case appsv1.OnDeleteStatefulSetStrategyType:
		if s.UpdateStrategy.RollingUpdate != nil {
			errs = append(errs, field.Invalid(up.Child("rollingUpdate"), s.UpdateStrategy.RollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"))
		}
	case appsv1.RollingUpdateStatefulSetStrategyType:
		if ru := s.UpdateStrategy.RollingUpdate; ru != nil {
			if ru.Partition != nil {
				errs = append(errs, nonNegative(*ru.Partition, up.Child("rollingUpdate", "partition"))...)
			}
			if ru.MaxUnavailable != nil {
				mp := up.Child("rollingUpdate", "maxUnavailable")
				errs = append(errs, validatePositiveIntOrPercent(*ru.MaxUnavailable, mp)...)
				if intOrPercentValue(*ru.MaxUnavailable) == 0 {
					errs = append(errs, field.Invalid(mp, *ru.MaxUnavailable, "cannot be 0"))
				}
				errs = append(errs, notMoreThan100Percent(*ru.MaxUnavailable, mp)...)
			}
		}
	default:
		errs = append(errs, field.Invalid(up, s.UpdateStrategy, "must be 'RollingUpdate' or 'OnDelete'"))
	}
	if s.RevisionHistoryLimit != nil {
		errs = append(errs, nonNegative(*s.RevisionHistoryLimit, p.Child("revisionHistoryLimit"))...)
	}
	if s.Replicas != nil {
		errs = append(errs, nonNegative(*s.Replicas, p.Child("replicas"))...)
	}
	errs = append(errs, nonNegative(s.MinReadySeconds, p.Child("minReadySeconds"))...)
	if s.Ordinals != nil {
		errs = append(errs, nonNegative(s.Ordinals.Start, p.Child("ordinals", "start"))...)
	}
	sel, e := validateWorkloadSelector(s.Selector, "statefulset", p.Child("selector"))
	errs = append(errs, e...)
	if sel != nil {
		tp := p.Child("template")
		if !sel.Empty() && !sel.Matches(labels.Set(s.Template.Labels)) {
			errs = append(errs, field.Invalid(tp.Child("metadata", "labels"), s.Template.Labels, "`selector` does not match template `labels`"))
		}
		errs = append(errs, validatePodTemplateSpec(&s.Template, tp)...)
		if s.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
			errs = append(errs, field.NotSupported(tp.Child("spec", "restartPolicy"), s.Template.Spec.RestartPolicy, []string{string(corev1.RestartPolicyAlways)}))
		}
		if s.Template.Spec.ActiveDeadlineSeconds != nil {
			errs = append(errs, field.Forbidden(tp.Child("spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in StatefulSet is not Supported"))
		}
	}
	return errs
}

// statefulSetSpecUpdateForbidden is upstream's message for changing a
// StatefulSet's immutable spec fields.
const statefulSetSpecUpdateForbidden = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"

func validateStatefulSetSpecUpdate(s, old *appsv1.StatefulSetSpec) field.ErrorList {
	clone := s.DeepCopy()
	clone.Replicas, clone.Template, clone.UpdateStrategy = old.Replicas, old.Template, old.UpdateStrategy
	clone.MinReadySeconds, clone.Ordinals, clone.RevisionHistoryLimit = old.MinReadySeconds, old.Ordinals, old.RevisionHistoryLimit
	clone.PersistentVolumeClaimRetentionPolicy = old.PersistentVolumeClaimRetentionPolicy
	if !apiequality.Semantic.DeepEqual(*clone, *old) {
		return field.ErrorList{field.Forbidden(specPath, statefulSetSpecUpdateForbidden)}
	}
	return nil
}

func validateStatefulSetStatus(st, old *appsv1.StatefulSetStatus, p *field.Path) field.ErrorList {
	errs := nonNegativeCounters(p, map[string]int32{
		"replicas": st.Replicas, "readyReplicas": st.ReadyReplicas, "currentReplicas": st.CurrentReplicas,
		"updatedReplicas": st.UpdatedReplicas, "availableReplicas": st.AvailableReplicas, "observedGeneration": int32(st.ObservedGeneration),
	})
	errs = append(errs, notAboveReplicas(p, st.Replicas, [][2]any{{"readyReplicas", st.ReadyReplicas}, {"currentReplicas", st.CurrentReplicas}, {"updatedReplicas", st.UpdatedReplicas}})...)
	if st.AvailableReplicas > st.ReadyReplicas {
		errs = append(errs, field.Invalid(p.Child("availableReplicas"), st.AvailableReplicas, "cannot be greater than status.readyReplicas"))
	}
	return append(errs, validateCollisionCount(st.CollisionCount, old.CollisionCount, p.Child("collisionCount"))...)
}

func validateControllerRevision(r *appsv1.ControllerRevision) field.ErrorList {
	var errs field.ErrorList
	if r.Data.Raw == nil && r.Data.Object == nil {
		errs = append(errs, field.Required(field.NewPath("data"), "data is mandatory"))
	}
	return append(errs, apimachineryvalidation.ValidateNonnegativeField(r.Revision, field.NewPath("revision"))...)
}

// validateReplicationControllerSpec is core's ValidateReplicationControllerSpec.
func validateReplicationControllerSpec(s *corev1.ReplicationControllerSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, nonNegative(s.MinReadySeconds, p.Child("minReadySeconds"))...)
	if s.Replicas != nil {
		errs = append(errs, nonNegative(*s.Replicas, p.Child("replicas"))...)
	}
	if len(s.Selector) == 0 {
		errs = append(errs, field.Required(p.Child("selector"), ""))
	} else {
		errs = append(errs, metav1validation.ValidateLabels(s.Selector, p.Child("selector"))...)
	}
	sel := labels.SelectorFromSet(s.Selector)
	if len(s.Selector) == 0 {
		sel = labels.Nothing()
	}
	return append(errs, validateReplicatedTemplate(s.Template, sel, "ReplicationController", p.Child("template"))...)
}

// validatePositiveIntOrPercent is upstream's ValidatePositiveIntOrPercent.
func validatePositiveIntOrPercent(v intstr.IntOrString, p *field.Path) field.ErrorList {
	switch v.Type {
	case intstr.String:
		var errs field.ErrorList
		for _, msg := range validation.IsValidPercent(v.StrVal) {
			errs = append(errs, field.Invalid(p, v, msg))
		}
		return errs
	case intstr.Int:
		return apimachineryvalidation.ValidateNonnegativeField(int64(v.IntValue()), p)
	}
	return field.ErrorList{field.Invalid(p, v, "must be an integer or percentage (e.g '5%')")}
}

// notMoreThan100Percent is upstream's IsNotMoreThan100Percent.
func notMoreThan100Percent(v intstr.IntOrString, p *field.Path) field.ErrorList {
	if n, isPercent := percentValue(v); isPercent && n > 100 {
		return field.ErrorList{field.Invalid(p, v, "must not be greater than 100%")}
	}
	return nil
}

func percentValue(v intstr.IntOrString) (int, bool) {
	if v.Type != intstr.String || !strings.HasSuffix(v.StrVal, "%") {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSuffix(v.StrVal, "%"))
	return n, err == nil
}

// intOrPercentValue is the number an int or percentage holds (upstream's
// getIntOrPercentValue), used to tell zero from non-zero.
func intOrPercentValue(v intstr.IntOrString) int {
	if n, ok := percentValue(v); ok {
		return n
	}
	return v.IntValue()
}

func nonNegativeCounters(p *field.Path, counters map[string]int32) field.ErrorList {
	var errs field.ErrorList
	for _, name := range sortedKeys(counters) {
		errs = append(errs, nonNegative(counters[name], p.Child(name))...)
	}
	return errs
}

// notAboveReplicas: each named counter is at most status.replicas.
func notAboveReplicas(p *field.Path, replicas int32, counters [][2]any) field.ErrorList {
	var errs field.ErrorList
	for _, c := range counters {
		if v := c[1].(int32); v > replicas {
			errs = append(errs, field.Invalid(p.Child(c[0].(string)), v, "cannot be greater than status.replicas"))
		}
	}
	return errs
}

// validateCollisionCount: not negative, and never decremented.
func validateCollisionCount(n, old *int32, p *field.Path) field.ErrorList {
	if n == nil {
		return nil
	}
	errs := nonNegative(*n, p)
	if old != nil && *n < *old {
		errs = append(errs, field.Invalid(p, *n, "cannot be decremented"))
	}
	return errs
}
