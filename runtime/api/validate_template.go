package api

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validatePodTemplateSpec is upstream's ValidatePodTemplateSpec: the
// template's labels and annotations (at <path>.labels, as upstream names
// them), its pod spec, and no ephemeral containers.
func validatePodTemplateSpec(t *corev1.PodTemplateSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, metav1validation.ValidateLabels(t.Labels, p.Child("labels"))...)
	errs = append(errs, apimachineryvalidation.ValidateAnnotations(t.Annotations, p.Child("annotations"))...)
	errs = append(errs, validatePodSpec(&t.Spec, p.Child("spec"))...)
	if len(t.Spec.EphemeralContainers) > 0 {
		errs = append(errs, field.Forbidden(p.Child("spec", "ephemeralContainers"), "ephemeral containers not allowed in pod template"))
	}
	return errs
}

// validateReplicatedTemplate is upstream's ValidatePodTemplateSpecForReplicaSet
// (and its RC, DaemonSet and StatefulSet twins): the selector must match
// the template's labels, pods always restart, and a pod deadline has no
// place in a template that is replaced rather than finished. kind names
// the owner in the deadline message ("ReplicaSet", "DaemonSet", ...).
func validateReplicatedTemplate(t *corev1.PodTemplateSpec, selector labels.Selector, kind string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if t == nil {
		return field.ErrorList{field.Required(p, "")}
	}
	if selector != nil && !selector.Empty() && !selector.Matches(labels.Set(t.Labels)) {
		errs = append(errs, field.Invalid(p.Child("metadata", "labels"), t.Labels, "`selector` does not match template `labels`"))
	}
	errs = append(errs, validatePodTemplateSpec(t, p)...)
	if t.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(p.Child("spec", "restartPolicy"), t.Spec.RestartPolicy, []string{string(corev1.RestartPolicyAlways)}))
	}
	if t.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Invalid(p.Child("spec", "activeDeadlineSeconds"), t.Spec.ActiveDeadlineSeconds, fmt.Sprintf("activeDeadlineSeconds in %s is not Supported", kind)))
	}
	return errs
}

// validateWorkloadSelector checks an apps/v1 selector: required, valid and
// not empty ("empty selector is invalid for <what>", upstream's words, which
// say deployment for replica sets too). It returns the parsed selector, or
// nil when it cannot be parsed. A missing selector selects nothing (as
// metav1.LabelSelectorAsSelector has it), so the template's labels are
// reported as not matching too, as upstream reports them.
func validateWorkloadSelector(sel *metav1.LabelSelector, what string, p *field.Path) (labels.Selector, field.ErrorList) {
	if sel == nil {
		return labels.Nothing(), field.ErrorList{field.Required(p, "")}
	}
	errs := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, p)
	if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		errs = append(errs, field.Invalid(p, sel, "empty selector is invalid for "+what))
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return nil, append(errs, field.Invalid(p, sel, "invalid label selector"))
	}
	return s, errs
}

// nonNegative is ValidateNonnegativeField for the int32 counters of specs
// and statuses.
func nonNegative(v int32, p *field.Path) field.ErrorList {
	return apimachineryvalidation.ValidateNonnegativeField(int64(v), p)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
