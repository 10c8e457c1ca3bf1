package registry

import (
	"context"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/util/dryrun"
	"k8s.io/klog/v2"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/podlab/podlab/runtime/api"
)

// serviceStrategy follows upstream's pkg/registry/core/service/strategy.go:
// a new service has no status; the main resource keeps the status, and a
// change of type drops what the old type allocated (if the client left it
// as it was), for the allocator to give back.
type serviceStrategy struct{ strategy }

func (serviceStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*corev1.Service).Status = corev1.ServiceStatus{}
}

func (serviceStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	s, o := obj.(*corev1.Service), old.(*corev1.Service)
	s.Status = o.Status
	dropTypeDependentFields(s, o)
}

func (s serviceStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return statusResetFields(s.res)
}

// dropTypeDependentFields is upstream's: switching to a type without
// cluster IPs, node ports, a health check port or load balancer fields
// clears them, but only where the client did not change them (then
// validation has its say).
func dropTypeDependentFields(s, old *corev1.Service) {
	if api.NeedsClusterIP(old) && !api.NeedsClusterIP(s) {
		if slices.Equal(s.Spec.ClusterIPs, old.Spec.ClusterIPs) {
			s.Spec.ClusterIP, s.Spec.ClusterIPs = "", nil
		}
		if slices.Equal(s.Spec.IPFamilies, old.Spec.IPFamilies) {
			s.Spec.IPFamilies = nil
		}
		if apiequality.Semantic.DeepEqual(s.Spec.IPFamilyPolicy, old.Spec.IPFamilyPolicy) {
			s.Spec.IPFamilyPolicy = nil
		}
	}
	if api.NeedsNodePorts(old) && !api.NeedsNodePorts(s) && sameNodePorts(s, old) {
		for i := range s.Spec.Ports {
			s.Spec.Ports[i].NodePort = 0
		}
	}
	if api.NeedsHealthCheckNodePort(old) && !api.NeedsHealthCheckNodePort(s) && s.Spec.HealthCheckNodePort == old.Spec.HealthCheckNodePort {
		s.Spec.HealthCheckNodePort = 0
	}
	if old.Spec.Type == corev1.ServiceTypeLoadBalancer && s.Spec.Type != corev1.ServiceTypeLoadBalancer {
		if a, b := s.Spec.AllocateLoadBalancerNodePorts, old.Spec.AllocateLoadBalancerNodePorts; a != nil && b != nil && *a == *b {
			s.Spec.AllocateLoadBalancerNodePorts = nil
		}
		if apiequality.Semantic.DeepEqual(s.Spec.LoadBalancerClass, old.Spec.LoadBalancerClass) {
			s.Spec.LoadBalancerClass = nil
		}
	}
	if api.ExternallyAccessible(old) && !api.ExternallyAccessible(s) && s.Spec.ExternalTrafficPolicy == old.Spec.ExternalTrafficPolicy {
		s.Spec.ExternalTrafficPolicy = ""
	}
}

// sameNodePorts: the same node ports, port for port.
func sameNodePorts(s, old *corev1.Service) bool {
	if len(s.Spec.Ports) != len(old.Spec.Ports) {
		return false
	}
	for i := range s.Spec.Ports {
		if s.Spec.Ports[i].NodePort != old.Spec.Ports[i].NodePort {
			return false
		}
	}
	return true
}

type serviceStatusStrategy struct{ statusOnlyStrategy }

// newServices builds services (with the allocator's hooks) and their
// status, and endpoints, which a deleted service takes with it. Upstream's
// endpoints strategy (pkg/registry/core/endpoint) has no rules beyond the
// API's validation; kube-apiserver warns on every request that v1
// Endpoints are deprecated for EndpointSlices, and the generic server does
// so here too, from the type's lifecycle (k8s.io/api's
// APILifecycleDeprecated).
func newServices(cfg Config) (map[string]rest.Storage, error) {
	endpoints, err := newStore(cfg, api.Endpoints, newStrategy(api.Endpoints), nil)
	if err != nil {
		return nil, err
	}
	s := serviceStrategy{newStrategy(api.Services)}
	store, err := newStore(cfg, api.Services, s, nil)
	if err != nil {
		return nil, err
	}
	// The status store has none of the allocator's hooks (upstream copies
	// it before setting them).
	status := statusStore(store, serviceStatusStrategy{statusOnlyStrategy{s.strategy}})
	r := &serviceREST{resourceREST: resourceREST{Store: store, res: api.Services}, endpoints: endpoints}
	r.alloc.load = r.listAll
	store.BeginCreate = r.beginCreate
	store.BeginUpdate = r.beginUpdate
	store.AfterDelete = r.afterDelete
	return map[string]rest.Storage{
		"services":        r,
		"services/status": &statusREST{status},
		"endpoints":       &resourceREST{Store: endpoints, res: api.Endpoints},
	}, nil
}

// serviceREST is upstream's service REST: the generic store, with cluster
// IPs and node ports allocated before a write and released after a delete.
type serviceREST struct {
	resourceREST
	endpoints *genericregistry.Store
	alloc     serviceAllocator
}

func (r *serviceREST) listAll(ctx context.Context) ([]*corev1.Service, error) {
	obj, err := r.Store.List(genericapirequest.WithNamespace(ctx, metav1.NamespaceAll), &internalversion.ListOptions{})
	if err != nil {
		return nil, err
	}
	list := obj.(*corev1.ServiceList)
	out := make([]*corev1.Service, len(list.Items))
	for i := range list.Items {
		out[i] = &list.Items[i]
	}
	return out, nil
}

func (r *serviceREST) beginCreate(ctx context.Context, obj runtime.Object, options *metav1.CreateOptions) (genericregistry.FinishFunc, error) {
	s := obj.(*corev1.Service)
	normalizeClusterIPs(s, nil)
	t, err := r.alloc.begin(ctx, dryrun.IsDryRun(options.DryRun))
	if err != nil {
		return nil, err
	}
	if err := t.allocateCreate(s); err != nil {
		t.finish(false)
		return nil, err
	}
	warnNoLoadBalancer(ctx, s, nil)
	return func(_ context.Context, success bool) { t.finish(success) }, nil
}

func (r *serviceREST) beginUpdate(ctx context.Context, obj, old runtime.Object, options *metav1.UpdateOptions) (genericregistry.FinishFunc, error) {
	s, o := obj.(*corev1.Service), old.(*corev1.Service)
	patchAllocatedValues(s, o)
	normalizeClusterIPs(s, o)
	t, err := r.alloc.begin(ctx, dryrun.IsDryRun(options.DryRun))
	if err != nil {
		return nil, err
	}
	if err := t.allocateUpdate(s, o); err != nil {
		t.finish(false)
		return nil, err
	}
	warnNoLoadBalancer(ctx, s, o)
	return func(_ context.Context, success bool) { t.finish(success) }, nil
}

// afterDelete gives back the service's IPs and ports and, as upstream
// does (lest a new service of the name see stale endpoints), deletes the
// endpoints of its name.
func (r *serviceREST) afterDelete(obj runtime.Object, options *metav1.DeleteOptions) {
	if dryrun.IsDryRun(options.DryRun) {
		return
	}
	s := obj.(*corev1.Service)
	ctx := genericapirequest.WithNamespace(genericapirequest.NewContext(), s.Namespace)
	if _, _, err := r.endpoints.Delete(ctx, s.Name, rest.ValidateAllObjectFunc, &metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		klog.ErrorS(err, "Deleting the endpoints of a deleted service", "service", klog.KObj(s))
	}
	r.alloc.releaseService(s)
}

// normalizeClusterIPs is upstream's: keep clusterIP and clusterIPs in step
// for clients that set only the singular field (or, on update, leave the
// plural out).
func normalizeClusterIPs(s, old *corev1.Service) {
	if old == nil {
		if s.Spec.ClusterIP != "" && len(s.Spec.ClusterIPs) == 0 {
			s.Spec.ClusterIPs = []string{s.Spec.ClusterIP}
		}
		return
	}
	if len(old.Spec.ClusterIPs) > 0 && len(s.Spec.ClusterIPs) == 0 && old.Spec.ClusterIP == s.Spec.ClusterIP {
		s.Spec.ClusterIPs = old.Spec.ClusterIPs
	}
	if old.Spec.ClusterIP != s.Spec.ClusterIP {
		same := slices.Equal(old.Spec.ClusterIPs, s.Spec.ClusterIPs)
		switch {
		case old.Spec.ClusterIP != "" && s.Spec.ClusterIP == "":
			if same {
				s.Spec.ClusterIPs = nil
			}
		case same:
			s.Spec.ClusterIPs = []string{s.Spec.ClusterIP}
		}
	}
}

// patchAllocatedValues is upstream's: an update (kubectl replace, a PUT of
// the manifest) that leaves out the allocated cluster IPs or node ports
// keeps them.
func patchAllocatedValues(s, old *corev1.Service) {
	if api.NeedsClusterIP(old) && api.NeedsClusterIP(s) {
		if s.Spec.ClusterIP == "" {
			s.Spec.ClusterIP = old.Spec.ClusterIP
		}
		if len(s.Spec.ClusterIPs) == 0 && len(old.Spec.ClusterIPs) > 0 {
			s.Spec.ClusterIPs = old.Spec.ClusterIPs
		}
	}
	if api.NeedsNodePorts(old) && api.NeedsNodePorts(s) {
		used := map[int32]bool{}
		for _, p := range s.Spec.Ports {
			if p.NodePort != 0 {
				used[p.NodePort] = true
			}
		}
		byName := map[string]int32{}
		for _, p := range old.Spec.Ports {
			byName[p.Name] = p.NodePort
		}
		for i := range s.Spec.Ports {
			if p := &s.Spec.Ports[i]; p.NodePort == 0 {
				if np := byName[p.Name]; !used[np] {
					p.NodePort = np
				}
			}
		}
	}
	if api.NeedsHealthCheckNodePort(old) && api.NeedsHealthCheckNodePort(s) && s.Spec.HealthCheckNodePort == 0 {
		s.Spec.HealthCheckNodePort = old.Spec.HealthCheckNodePort
	}
}

// initIPFamilyFields is upstream's Allocators.initIPFamilyFields on the
// lab's single-stack IPv4 cluster: the policy defaults to SingleStack (the
// old one on update; RequireDualStack for a headless service without a
// selector), the families follow the cluster IPs, and a family or dual
// stack the cluster has not is refused.
func initIPFamilyFields(s, old *corev1.Service) error {
	if s.Spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	headlessNoSelector := s.Spec.ClusterIP == corev1.ClusterIPNone && len(s.Spec.Selector) == 0
	if s.Spec.IPFamilyPolicy == nil {
		switch {
		case old != nil && old.Spec.IPFamilyPolicy != nil:
			s.Spec.IPFamilyPolicy = old.Spec.IPFamilyPolicy
		case headlessNoSelector:
			s.Spec.IPFamilyPolicy = ptrTo(corev1.IPFamilyPolicyRequireDualStack)
		default:
			s.Spec.IPFamilyPolicy = ptrTo(corev1.IPFamilyPolicySingleStack)
		}
	}
	if errs := api.ValidateServiceClusterIPFields(s); len(errs) > 0 {
		return apierrors.NewInvalid(api.Services.GroupVersion().WithKind("Service").GroupKind(), s.Name, errs)
	}
	pp := field.NewPath("spec", "ipFamilyPolicy")
	var errs field.ErrorList
	single := *s.Spec.IPFamilyPolicy == corev1.IPFamilyPolicySingleStack
	if single {
		if len(s.Spec.ClusterIPs) == 2 {
			errs = append(errs, field.Invalid(pp, s.Spec.IPFamilyPolicy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"))
		}
		if len(s.Spec.IPFamilies) == 2 {
			errs = append(errs, field.Invalid(pp, s.Spec.IPFamilyPolicy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"))
		}
	}
	for i, ip := range s.Spec.ClusterIPs {
		if ip == corev1.ClusterIPNone {
			break
		}
		if i >= len(s.Spec.IPFamilies) {
			if fam := familyOf(ip); fam != corev1.IPv4Protocol {
				errs = append(errs, field.Invalid(field.NewPath("spec", "clusterIPs").Index(i), s.Spec.ClusterIPs, string(fam)+" is not configured on this cluster"))
			} else {
				s.Spec.IPFamilies = append(s.Spec.IPFamilies, fam)
			}
		}
	}
	if len(errs) > 0 {
		return apierrors.NewInvalid(api.Services.GroupVersion().WithKind("Service").GroupKind(), s.Name, errs)
	}
	if headlessNoSelector {
		// A headless service without a selector may name families the
		// cluster has not: its endpoints are someone else's.
		if len(s.Spec.IPFamilies) == 0 {
			s.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
		}
		if len(s.Spec.IPFamilies) < 2 && !single {
			other := corev1.IPv6Protocol
			if s.Spec.IPFamilies[0] == corev1.IPv6Protocol {
				other = corev1.IPv4Protocol
			}
			s.Spec.IPFamilies = append(s.Spec.IPFamilies, other)
		}
		return nil
	}
	if *s.Spec.IPFamilyPolicy == corev1.IPFamilyPolicyRequireDualStack {
		errs = append(errs, field.Invalid(pp, s.Spec.IPFamilyPolicy, "this cluster is not configured for dual-stack services"))
	}
	for i, f := range s.Spec.IPFamilies {
		if f != corev1.IPv4Protocol {
			errs = append(errs, field.Invalid(field.NewPath("spec", "ipFamilies").Index(i), f, "not configured on this cluster"))
		}
	}
	if len(errs) > 0 {
		return apierrors.NewInvalid(api.Services.GroupVersion().WithKind("Service").GroupKind(), s.Name, errs)
	}
	if len(s.Spec.IPFamilies) == 0 {
		s.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
	}
	return nil
}

func familyOf(ip string) corev1.IPFamily {
	for _, c := range ip {
		if c == ':' {
			return corev1.IPv6Protocol
		}
	}
	return corev1.IPv4Protocol
}

func ptrTo[T any](v T) *T { return &v }
