package endpointslicemirroring

import (
	"context"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	"github.com/podlab/podlab/runtime/controller/endpoint"
)

var endpointsKind = corev1.SchemeGroupVersion.WithKind("Endpoints")

// sync makes the slices mirrored for the Endpoints key what it says
// (upstream's syncEndpoints).
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	ep, err := c.endpoints.Endpoints(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return c.deleteMirrored(ctx, key)
	} else if err != nil {
		return err
	}
	if !shouldMirror(ep) {
		return c.deleteMirrored(ctx, key)
	}
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return c.deleteMirrored(ctx, key)
	} else if err != nil {
		return err
	}
	if svc.Spec.Selector != nil {
		// The endpointslice controller keeps a selecting Service's slices.
		return c.deleteMirrored(ctx, key)
	}
	if err := c.expect.Fresh(key, c.slices); err != nil {
		// Upstream's StaleInformerCache: acting on a cache that has not
		// seen our own last writes would make duplicates.
		return err
	}
	existing, err := c.mirrored(key)
	if err != nil {
		return err
	}
	d := desiredFor(ep, MaxEndpointsPerSubset)
	if c.rec != nil {
		if d.invalid > 0 {
			c.rec.Event(ep, "", corev1.EventTypeWarning, InvalidIPAddress,
				fmt.Sprintf("Skipped %d invalid IP addresses when mirroring to EndpointSlices", d.invalid))
		}
		if d.skipped > d.invalid {
			c.rec.Event(ep, "", corev1.EventTypeWarning, TooManyAddressesToMirror,
				fmt.Sprintf("A max of %d addresses can be mirrored to EndpointSlices per Endpoints subset. %d addresses were skipped", MaxEndpointsPerSubset, d.skipped))
		}
	}
	return c.apply(ctx, key, ep, plan(ep, d, existing))
}

// mirrored lists the slices this controller keeps for key, by name.
func (c *Controller) mirrored(key string) ([]*discoveryv1.EndpointSlice, error) {
	ns, name, _ := cache.SplitMetaNamespaceKey(key)
	ss, err := c.slices.EndpointSlices(ns).List(labels.SelectorFromSet(labels.Set{
		discoveryv1.LabelServiceName: name, discoveryv1.LabelManagedBy: ManagedBy,
	}))
	if err != nil {
		return nil, err
	}
	slices.SortFunc(ss, func(a, b *discoveryv1.EndpointSlice) int { return strings.Compare(a.Name, b.Name) })
	return ss, nil
}

func (c *Controller) deleteMirrored(ctx context.Context, key string) error {
	ss, err := c.mirrored(key)
	if err != nil {
		return err
	}
	if err := c.apply(ctx, key, nil, actions{del: ss}); err != nil {
		return err
	}
	// Nothing is mirrored for key now: an owner made again starts clean
	// (upstream's DeleteService).
	c.expect.ForgetOwner(key)
	return nil
}

// group is one subset's endpoints for one address type.
type group struct {
	addressType discoveryv1.AddressType
	ports       []discoveryv1.EndpointPort
	endpoints   []discoveryv1.Endpoint
}

type desired struct {
	groups           map[string]*group // by groupKey
	invalid, skipped int
}

// desiredFor computes the endpoints of ep's subsets, after repacking them
// (upstream's reconcile: RepackSubsets, then per subset at most max
// addresses, ready ones first).
func desiredFor(ep *corev1.Endpoints, max int) desired {
	d := desired{groups: map[string]*group{}}
	for _, s := range endpoint.RepackSubsets(ep.Subsets) {
		ports := endpointPorts(s.Ports)
		added := 0
		for _, list := range []struct {
			addrs []corev1.EndpointAddress
			ready bool
		}{{s.Addresses, true}, {s.NotReadyAddresses, false}} {
			for _, a := range list.addrs {
				if added >= max {
					break
				}
				e, at, ok := toEndpoint(a, list.ready)
				if !ok {
					d.invalid++
					continue
				}
				k := groupKey(at, ports)
				g := d.groups[k]
				if g == nil {
					g = &group{addressType: at, ports: ports}
					d.groups[k] = g
				}
				g.endpoints = append(g.endpoints, e)
				added++
			}
		}
		d.skipped += len(s.Addresses) + len(s.NotReadyAddresses) - added
	}
	return d
}

// toEndpoint is upstream's addressToEndpoint: the IP (re-stringified),
// the ready condition, targetRef, nodeName and hostname.
func toEndpoint(a corev1.EndpointAddress, ready bool) (discoveryv1.Endpoint, discoveryv1.AddressType, bool) {
	ip := net.ParseIP(a.IP)
	if ip == nil {
		return discoveryv1.Endpoint{}, "", false
	}
	at := discoveryv1.AddressTypeIPv4
	if ip.To4() == nil {
		at = discoveryv1.AddressTypeIPv6
	}
	e := discoveryv1.Endpoint{
		Addresses:  []string{ip.String()},
		Conditions: discoveryv1.EndpointConditions{Ready: new(ready)},
		NodeName:   a.NodeName,
	}
	if a.TargetRef != nil {
		e.TargetRef = a.TargetRef.DeepCopy()
	}
	if a.Hostname != "" {
		e.Hostname = new(a.Hostname)
	}
	return e, at, true
}

// endpointPorts is upstream's epPortsToEpsPorts.
func endpointPorts(ps []corev1.EndpointPort) []discoveryv1.EndpointPort {
	out := []discoveryv1.EndpointPort{}
	for _, p := range ps {
		out = append(out, discoveryv1.EndpointPort{
			Name: new(p.Name), Port: new(p.Port), Protocol: new(p.Protocol), AppProtocol: p.AppProtocol,
		})
	}
	return out
}

// groupKey identifies a slice by its address type and ports (upstream's
// addrTypePortMapKey), whatever their order.
func groupKey(at discoveryv1.AddressType, ps []discoveryv1.EndpointPort) string {
	s := func(v *string) string {
		if v == nil {
			return ""
		}
		return *v
	}
	var parts []string
	for _, p := range ps {
		var num int32
		if p.Port != nil {
			num = *p.Port
		}
		var proto string
		if p.Protocol != nil {
			proto = string(*p.Protocol)
		}
		parts = append(parts, fmt.Sprintf("%s/%d/%s/%s", s(p.Name), num, proto, s(p.AppProtocol)))
	}
	slices.Sort(parts)
	return string(at) + "-" + strings.Join(parts, ",")
}

// actions are the writes a sync makes.
type actions struct {
	create, update, del []*discoveryv1.EndpointSlice
}

// plan compares the existing slices with the desired ones (upstream's
// reconcileByPortMapping and recycleSlices): per group the first existing
// slice is kept — and left unwritten when its endpoints, labels and
// annotations already match — the others deleted; a slice to delete is
// reused for a slice to create of its address type.
func plan(ep *corev1.Endpoints, d desired, existing []*discoveryv1.EndpointSlice) actions {
	byKey := map[string][]*discoveryv1.EndpointSlice{}
	for _, s := range existing {
		k := groupKey(s.AddressType, s.Ports)
		byKey[k] = append(byKey[k], s)
	}
	wantLabels, wantAnnotations := labelsFor(ep), annotationsFor(ep)
	var a actions
	for _, k := range slices.Sorted(maps.Keys(d.groups)) {
		g := d.groups[k]
		have := byKey[k]
		delete(byKey, k)
		if len(have) > 0 {
			a.del = append(a.del, have[1:]...)
			cur := have[0]
			if sameEndpoints(cur.Endpoints, g.endpoints) && maps.Equal(cur.Labels, wantLabels) && sameMap(cur.Annotations, wantAnnotations) {
				continue
			}
			next := cur.DeepCopy()
			fill(next, ep, g, wantLabels, wantAnnotations)
			a.update = append(a.update, next)
			continue
		}
		next := &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Namespace: ep.Namespace, GenerateName: ep.Name + "-"}}
		fill(next, ep, g, wantLabels, wantAnnotations)
		a.create = append(a.create, next)
	}
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		a.del = append(a.del, byKey[k]...)
	}
	// Recycle: a slice marked for deletion takes a new slice's content.
	var keepCreate []*discoveryv1.EndpointSlice
	for _, s := range a.create {
		i := slices.IndexFunc(a.del, func(old *discoveryv1.EndpointSlice) bool { return old.AddressType == s.AddressType })
		if i < 0 {
			keepCreate = append(keepCreate, s)
			continue
		}
		old := a.del[i]
		a.del = slices.Delete(a.del, i, i+1)
		next := old.DeepCopy()
		next.Labels, next.Annotations, next.OwnerReferences = s.Labels, s.Annotations, s.OwnerReferences
		next.AddressType, next.Ports, next.Endpoints = s.AddressType, s.Ports, s.Endpoints
		a.update = append(a.update, next)
	}
	a.create = keepCreate
	return a
}

// fill sets a slice's content from the Endpoints' group (upstream's
// newEndpointSlice).
func fill(s *discoveryv1.EndpointSlice, ep *corev1.Endpoints, g *group, lbls, annotations map[string]string) {
	s.Labels, s.Annotations = maps.Clone(lbls), maps.Clone(annotations)
	s.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(ep, endpointsKind)}
	s.AddressType = g.addressType
	s.Ports = g.ports
	s.Endpoints = slices.Clone(g.endpoints)
}

// labelsFor are the Endpoints' labels with the service name and managed-by
// set over them.
func labelsFor(ep *corev1.Endpoints) map[string]string {
	out := maps.Clone(ep.Labels)
	if out == nil {
		out = map[string]string{}
	}
	out[discoveryv1.LabelServiceName] = ep.Name
	out[discoveryv1.LabelManagedBy] = ManagedBy
	return out
}

// annotationsFor are the Endpoints' annotations but the trigger time and
// kubectl's last-applied-configuration.
func annotationsFor(ep *corev1.Endpoints) map[string]string {
	out := maps.Clone(ep.Annotations)
	delete(out, corev1.EndpointsLastChangeTriggerTime)
	delete(out, corev1.LastAppliedConfigAnnotation)
	return out
}

// sameMap treats nil and empty as equal.
func sameMap(a, b map[string]string) bool { return len(a) == len(b) && maps.Equal(a, b) }

// sameEndpoints compares endpoint lists as sets keyed by address (upstream
// compares them by hash, then the remaining fields).
func sameEndpoints(a, b []discoveryv1.Endpoint) bool {
	if len(a) != len(b) {
		return false
	}
	key := func(e discoveryv1.Endpoint) string { return strings.Join(e.Addresses, ",") }
	index := map[string]discoveryv1.Endpoint{}
	for _, e := range a {
		index[key(e)] = e
	}
	for _, e := range b {
		o, ok := index[key(e)]
		if !ok || !apiequality.Semantic.DeepEqual(o, e) {
			return false
		}
	}
	return true
}

// apply writes a plan; no creates while the Endpoints is being deleted
// (upstream's finalize).
func (c *Controller) apply(ctx context.Context, key string, ep *corev1.Endpoints, a actions) error {
	ns, _, _ := cache.SplitMetaNamespaceKey(key)
	client := c.client.DiscoveryV1().EndpointSlices(ns)
	if ep == nil || ep.DeletionTimestamp == nil {
		for _, s := range a.create {
			got, err := client.Create(ctx, s, metav1.CreateOptions{})
			if err != nil {
				if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
					return nil
				}
				return fmt.Errorf("failed to create EndpointSlice for Endpoints %s: %w", key, err)
			}
			c.expect.Wrote(key, got.Name, got.Generation)
		}
	}
	for _, s := range a.update {
		got, err := client.Update(ctx, s, metav1.UpdateOptions{})
		if err != nil {
			return fmt.Errorf("failed to update %s EndpointSlice for Endpoints %s: %w", s.Name, key, err)
		}
		c.expect.Wrote(key, got.Name, got.Generation)
	}
	for _, s := range a.del {
		err := client.Delete(ctx, s.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("failed to delete %s EndpointSlice for Endpoints %s: %w", s.Name, key, err)
		}
		c.expect.Deleted(key, s.Name)
	}
	return nil
}
