package store

import (
	"encoding/json"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/podlab/podlab/runtime/api"
)

// Fields returns the field set a field selector can match for obj — the
// fields Kubernetes supports per resource (pkg/registry/core/*/strategy.go).
func Fields(obj api.Object) fields.Set {
	set := fields.Set{"metadata.name": obj.GetName(), "metadata.namespace": obj.GetNamespace()}
	switch o := obj.(type) {
	case *corev1.Pod:
		set["spec.nodeName"] = o.Spec.NodeName
		set["spec.restartPolicy"] = string(o.Spec.RestartPolicy)
		set["spec.schedulerName"] = o.Spec.SchedulerName
		set["spec.serviceAccountName"] = o.Spec.ServiceAccountName
		set["status.phase"] = string(o.Status.Phase)
		set["status.podIP"] = o.Status.PodIP
		set["status.nominatedNodeName"] = o.Status.NominatedNodeName
	case *corev1.Event:
		set["involvedObject.kind"] = o.InvolvedObject.Kind
		set["involvedObject.namespace"] = o.InvolvedObject.Namespace
		set["involvedObject.name"] = o.InvolvedObject.Name
		set["involvedObject.uid"] = string(o.InvolvedObject.UID)
		set["involvedObject.apiVersion"] = o.InvolvedObject.APIVersion
		set["involvedObject.resourceVersion"] = o.InvolvedObject.ResourceVersion
		set["involvedObject.fieldPath"] = o.InvolvedObject.FieldPath
		set["reason"] = o.Reason
		set["reportingComponent"] = o.ReportingController
		set["source"] = o.Source.Component
		set["type"] = o.Type
	case *corev1.Secret:
		set["type"] = string(o.Type)
	case *corev1.Namespace:
		set["status.phase"] = string(o.Status.Phase)
	case *corev1.Node:
		set["spec.unschedulable"] = boolString(o.Spec.Unschedulable)
	}
	return set
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// matches applies the list options' selectors to obj.
func matches(_ api.Resource, obj api.Object, opts ListOptions) bool {
	if opts.LabelSelector != nil && !opts.LabelSelector.Empty() && !opts.LabelSelector.Matches(labels.Set(obj.GetLabels())) {
		return false
	}
	if opts.FieldSelector != nil && !opts.FieldSelector.Empty() && !opts.FieldSelector.Matches(Fields(obj)) {
		return false
	}
	return true
}

// specChanged reports whether an update changes the object's spec, which
// bumps metadata.generation as the API server does.
func specChanged(old, new api.Object) bool {
	oldSpec, ok1 := spec(old)
	newSpec, ok2 := spec(new)
	if !ok1 || !ok2 {
		return false
	}
	a, _ := json.Marshal(oldSpec)
	b, _ := json.Marshal(newSpec)
	return !reflect.DeepEqual(a, b)
}

func spec(obj api.Object) (any, bool) {
	switch o := obj.(type) {
	case *corev1.Pod:
		return o.Spec, true
	case *corev1.Node:
		return o.Spec, true
	case *corev1.Namespace:
		return o.Spec, true
	}
	return nil, false
}
