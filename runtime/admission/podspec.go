package admission

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apiserver/pkg/admission"
)

// PodDefaults does what kube-apiserver's ServiceAccount and Priority plugins
// add to a new pod in a cluster with no service-account tokens and no
// PriorityClass: the "default" service account, priority 0 and the
// PreemptLowerPriority policy.
type PodDefaults struct{}

var _ admission.MutationInterface = PodDefaults{}

func (PodDefaults) Handles(op admission.Operation) bool { return op == admission.Create }

func (PodDefaults) Admit(_ context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	pod, ok := a.GetObject().(*corev1.Pod)
	if !ok || a.GetSubresource() != "" {
		return nil
	}
	if pod.Spec.ServiceAccountName == "" {
		pod.Spec.ServiceAccountName = "default"
	}
	// v1 mirrors the name into the deprecated field, as kube-apiserver's
	// conversion does.
	if pod.Spec.DeprecatedServiceAccount == "" {
		pod.Spec.DeprecatedServiceAccount = pod.Spec.ServiceAccountName
	}
	if pod.Spec.Priority == nil {
		zero := int32(0)
		pod.Spec.Priority = &zero
	}
	if pod.Spec.PreemptionPolicy == nil {
		p := corev1.PreemptLowerPriority
		pod.Spec.PreemptionPolicy = &p
	}
	return nil
}
