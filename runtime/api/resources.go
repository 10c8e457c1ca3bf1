package api

import (
	"strings"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Object is what the store keeps: a k8s.io/api type with object metadata.
type Object interface {
	metav1.Object
	runtime.Object
}

// Resource describes one REST resource the lab serves.
type Resource struct {
	Name       string   // plural, lower case: "pods"
	Kind       string   // "Pod"
	ListKind   string   // "PodList"
	Singular   string   // "pod"
	Short      []string // kubectl short names: "po"
	Namespaced bool
	New        func() Object
	// Group and Version name the API group; empty for the core group's v1.
	Group, Version string
	// Categories are the groups of resources a name like "all" stands for.
	Categories []string
}

// GroupVersion is the resource's API group and version.
func (r Resource) GroupVersion() schema.GroupVersion {
	if r.Version == "" {
		return corev1.SchemeGroupVersion
	}
	return schema.GroupVersion{Group: r.Group, Version: r.Version}
}

// GroupResource names the resource in API errors (`pods "web" not found`).
func (r Resource) GroupResource() schema.GroupResource {
	return schema.GroupResource{Group: r.Group, Resource: r.Name}
}

// Core resources, in the order `podlab api-resources` lists them.
var (
	Pods       = Resource{Name: "pods", Kind: "Pod", ListKind: "PodList", Singular: "pod", Short: []string{"po"}, Namespaced: true, Categories: []string{"all"}, New: func() Object { return &corev1.Pod{} }}
	Nodes      = Resource{Name: "nodes", Kind: "Node", ListKind: "NodeList", Singular: "node", Short: []string{"no"}, New: func() Object { return &corev1.Node{} }}
	Namespaces = Resource{Name: "namespaces", Kind: "Namespace", ListKind: "NamespaceList", Singular: "namespace", Short: []string{"ns"}, New: func() Object { return &corev1.Namespace{} }}
	Events     = Resource{Name: "events", Kind: "Event", ListKind: "EventList", Singular: "event", Short: []string{"ev"}, Namespaced: true, New: func() Object { return &corev1.Event{} }}
	ConfigMaps = Resource{Name: "configmaps", Kind: "ConfigMap", ListKind: "ConfigMapList", Singular: "configmap", Short: []string{"cm"}, Namespaced: true, New: func() Object { return &corev1.ConfigMap{} }}
	Leases     = Resource{Name: "leases", Kind: "Lease", ListKind: "LeaseList", Singular: "lease", Namespaced: true, Group: "coordination.k8s.io", Version: "v1", New: func() Object { return &coordinationv1.Lease{} }}
	Secrets    = Resource{Name: "secrets", Kind: "Secret", ListKind: "SecretList", Singular: "secret", Namespaced: true, New: func() Object { return &corev1.Secret{} }}
	// PodDisruptionBudgets are policy/v1's: the budgets evictions (kubectl
	// drain) respect.
	PodDisruptionBudgets = Resource{Name: "poddisruptionbudgets", Kind: "PodDisruptionBudget", ListKind: "PodDisruptionBudgetList", Singular: "poddisruptionbudget", Short: []string{"pdb"}, Namespaced: true, Group: "policy", Version: "v1", New: func() Object { return &policyv1.PodDisruptionBudget{} }}
)

// All lists every resource the lab serves.
var All = []Resource{Pods, Nodes, Namespaces, Events, ConfigMaps, Secrets, Leases, PodDisruptionBudgets}

// Lookup finds a resource by plural, singular, short name or kind, case-insensitively
// ("pods", "pod", "po", "Pod").
func Lookup(name string) (Resource, bool) {
	n := strings.ToLower(name)
	for _, r := range All {
		if n == r.Name || n == r.Singular || n == strings.ToLower(r.Kind) {
			return r, true
		}
		for _, s := range r.Short {
			if n == s {
				return r, true
			}
		}
	}
	return Resource{}, false
}

// ForKind finds the resource of an object kind ("Pod").
func ForKind(kind string) (Resource, bool) {
	for _, r := range All {
		if r.Kind == kind {
			return r, true
		}
	}
	return Resource{}, false
}

// ForObject finds the resource of a typed object.
func ForObject(obj Object) (Resource, bool) {
	switch obj.(type) {
	case *corev1.Pod:
		return Pods, true
	case *corev1.Node:
		return Nodes, true
	case *corev1.Namespace:
		return Namespaces, true
	case *corev1.Event:
		return Events, true
	case *corev1.ConfigMap:
		return ConfigMaps, true
	case *corev1.Secret:
		return Secrets, true
	case *coordinationv1.Lease:
		return Leases, true
	case *policyv1.PodDisruptionBudget:
		return PodDisruptionBudgets, true
	}
	return Resource{}, false
}

// SetTypeMeta fills apiVersion and kind, which typed Go objects leave empty.
func SetTypeMeta(obj Object) {
	if r, ok := ForObject(obj); ok {
		obj.GetObjectKind().SetGroupVersionKind(r.GroupVersion().WithKind(r.Kind))
	}
}

// DefaultNamespace is where namespaced objects go when no namespace is named.
const DefaultNamespace = "default"
