package api

import (
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
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

// Qualified is the singular name kubectl prints objects with: with its
// group unless it is the core group's ("pod", "deployment.apps").
func (r Resource) Qualified() string {
	if r.Group == "" {
		return r.Singular
	}
	return r.Singular + "." + r.Group
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

// Services and the workload APIs, with upstream's short names and
// categories ("all" is what `kubectl get all` lists).
var (
	Services               = Resource{Name: "services", Kind: "Service", ListKind: "ServiceList", Singular: "service", Short: []string{"svc"}, Namespaced: true, Categories: []string{"all"}, New: func() Object { return &corev1.Service{} }}
	Endpoints              = Resource{Name: "endpoints", Kind: "Endpoints", ListKind: "EndpointsList", Singular: "endpoints", Short: []string{"ep"}, Namespaced: true, New: func() Object { return &corev1.Endpoints{} }}
	ReplicationControllers = Resource{Name: "replicationcontrollers", Kind: "ReplicationController", ListKind: "ReplicationControllerList", Singular: "replicationcontroller", Short: []string{"rc"}, Namespaced: true, Categories: []string{"all"}, New: func() Object { return &corev1.ReplicationController{} }}

	Deployments         = Resource{Name: "deployments", Kind: "Deployment", ListKind: "DeploymentList", Singular: "deployment", Short: []string{"deploy"}, Namespaced: true, Group: "apps", Version: "v1", Categories: []string{"all"}, New: func() Object { return &appsv1.Deployment{} }}
	ReplicaSets         = Resource{Name: "replicasets", Kind: "ReplicaSet", ListKind: "ReplicaSetList", Singular: "replicaset", Short: []string{"rs"}, Namespaced: true, Group: "apps", Version: "v1", Categories: []string{"all"}, New: func() Object { return &appsv1.ReplicaSet{} }}
	DaemonSets          = Resource{Name: "daemonsets", Kind: "DaemonSet", ListKind: "DaemonSetList", Singular: "daemonset", Short: []string{"ds"}, Namespaced: true, Group: "apps", Version: "v1", Categories: []string{"all"}, New: func() Object { return &appsv1.DaemonSet{} }}
	StatefulSets        = Resource{Name: "statefulsets", Kind: "StatefulSet", ListKind: "StatefulSetList", Singular: "statefulset", Short: []string{"sts"}, Namespaced: true, Group: "apps", Version: "v1", Categories: []string{"all"}, New: func() Object { return &appsv1.StatefulSet{} }}
	ControllerRevisions = Resource{Name: "controllerrevisions", Kind: "ControllerRevision", ListKind: "ControllerRevisionList", Singular: "controllerrevision", Namespaced: true, Group: "apps", Version: "v1", New: func() Object { return &appsv1.ControllerRevision{} }}

	Jobs     = Resource{Name: "jobs", Kind: "Job", ListKind: "JobList", Singular: "job", Namespaced: true, Group: "batch", Version: "v1", Categories: []string{"all"}, New: func() Object { return &batchv1.Job{} }}
	CronJobs = Resource{Name: "cronjobs", Kind: "CronJob", ListKind: "CronJobList", Singular: "cronjob", Short: []string{"cj"}, Namespaced: true, Group: "batch", Version: "v1", Categories: []string{"all"}, New: func() Object { return &batchv1.CronJob{} }}

	EndpointSlices = Resource{Name: "endpointslices", Kind: "EndpointSlice", ListKind: "EndpointSliceList", Singular: "endpointslice", Namespaced: true, Group: "discovery.k8s.io", Version: "v1", New: func() Object { return &discoveryv1.EndpointSlice{} }}
)

// All lists every resource the lab serves.
var All = []Resource{
	Pods, Nodes, Namespaces, Events, ConfigMaps, Secrets, Services, Endpoints, ReplicationControllers,
	Deployments, ReplicaSets, DaemonSets, StatefulSets, ControllerRevisions,
	Jobs, CronJobs, EndpointSlices, Leases, PodDisruptionBudgets,
}

// Lookup finds a resource by plural, singular, short name or kind, case-insensitively
// ("pods", "pod", "po", "Pod"), optionally qualified by its group as kubectl
// accepts ("deployments.apps", "deploy.apps", "pods.").
func Lookup(name string) (Resource, bool) {
	n := strings.ToLower(name)
	group, qualified := "", false
	if i := strings.Index(n, "."); i >= 0 {
		n, group, qualified = n[:i], n[i+1:], true
	}
	for _, r := range All {
		if qualified && group != r.Group {
			continue
		}
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

// groupOrder is the order kube-apiserver's discovery lists the groups in
// (the aggregator's group priorities), which is also the order kubectl
// expands a category in.
var groupOrder = []string{"", "apps", "authentication.k8s.io", "authorization.k8s.io", "batch", "policy", "coordination.k8s.io", "discovery.k8s.io"}

// InCategory lists the resources of a category ("all"), in the order
// kubectl expands it from discovery: by group as discovery lists the
// groups, then by name (pods, replicationcontrollers, services,
// daemonsets, deployments, ...).
func InCategory(category string) []Resource {
	var out []Resource
	for _, r := range All {
		if slices.Contains(r.Categories, category) {
			out = append(out, r)
		}
	}
	rank := func(r Resource) int {
		if i := slices.Index(groupOrder, r.Group); i >= 0 {
			return i
		}
		return len(groupOrder)
	}
	slices.SortStableFunc(out, func(a, b Resource) int {
		if d := rank(a) - rank(b); d != 0 {
			return d
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
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
	return forWorkloadObject(obj)
}

// forWorkloadObject finds the resource of a Service or workload object.
func forWorkloadObject(obj Object) (Resource, bool) {
	switch obj.(type) {
	case *corev1.Service:
		return Services, true
	case *corev1.Endpoints:
		return Endpoints, true
	case *corev1.ReplicationController:
		return ReplicationControllers, true
	case *appsv1.Deployment:
		return Deployments, true
	case *appsv1.ReplicaSet:
		return ReplicaSets, true
	case *appsv1.DaemonSet:
		return DaemonSets, true
	case *appsv1.StatefulSet:
		return StatefulSets, true
	case *appsv1.ControllerRevision:
		return ControllerRevisions, true
	case *batchv1.Job:
		return Jobs, true
	case *batchv1.CronJob:
		return CronJobs, true
	case *discoveryv1.EndpointSlice:
		return EndpointSlices, true
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
