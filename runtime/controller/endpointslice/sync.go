package endpointslice

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	"github.com/podlab/podlab/runtime/controller/endpointutil"
)

var everything = labels.Everything()

var serviceKind = corev1.SchemeGroupVersion.WithKind("Service")

// sync makes the Service key's slices what its pods say.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	if err := c.expect.Fresh(key, c.slices); err != nil {
		// Upstream's StaleInformerCache: acting on a cache that has not
		// seen our own last writes would make duplicates.
		return err
	}
	existing, err := c.slices.EndpointSlices(ns).List(labels.SelectorFromSet(labels.Set{
		discoveryv1.LabelServiceName: name, discoveryv1.LabelManagedBy: ManagedBy,
	}))
	if err != nil {
		return err
	}
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		// The Service is gone. Upstream leaves its slices to the garbage
		// collector (they are owned by it); the lab deletes them itself
		// so they go even while no collector runs.
		c.triggers.Forget(ns, name)
		if err := c.deleteAll(ctx, key, existing); err != nil {
			return err
		}
		c.expect.ForgetOwner(key)
		return nil
	} else if err != nil {
		return err
	}
	pods, keep, err := endpointutil.SelectedPods(c.pods, svc)
	if !keep {
		return err
	}
	triggerTime := c.triggers.Compute(svc, pods)
	desired := c.desired(svc, pods)

	want := labelsFor(svc)
	owner := []metav1.OwnerReference{*metav1.NewControllerRef(svc, serviceKind)}
	byPorts := map[string][]*discoveryv1.EndpointSlice{}
	var stray []*discoveryv1.EndpointSlice
	for _, s := range existing {
		if s.AddressType != discoveryv1.AddressTypeIPv4 || !metav1.IsControlledBy(s, svc) {
			stray = append(stray, s)
			continue
		}
		k := portsKey(s.Ports)
		byPorts[k] = append(byPorts[k], s)
	}
	for _, ss := range byPorts {
		slices.SortFunc(ss, func(a, b *discoveryv1.EndpointSlice) int { return strings.Compare(a.Name, b.Name) })
	}
	if len(desired) == 0 {
		// A Service without endpoints keeps one empty placeholder slice.
		desired = map[string]*group{portsKey(nil): {}}
	}
	for _, k := range slices.Sorted(maps.Keys(desired)) {
		g := desired[k]
		have := byPorts[k]
		delete(byPorts, k)
		chunks := chunk(g.endpoints)
		for i, eps := range chunks {
			var cur *discoveryv1.EndpointSlice
			if i < len(have) {
				cur = have[i]
			}
			if err := c.write(ctx, key, svc, cur, g.ports, eps, want, owner, triggerTime); err != nil {
				return err
			}
		}
		if len(have) > len(chunks) {
			stray = append(stray, have[len(chunks):]...)
		}
	}
	for _, ss := range byPorts {
		stray = append(stray, ss...)
	}
	return c.deleteAll(ctx, key, stray)
}

// write creates a slice (cur nil) or updates cur if it differs.
func (c *Controller) write(ctx context.Context, key string, svc *corev1.Service, cur *discoveryv1.EndpointSlice,
	ports []discoveryv1.EndpointPort, eps []discoveryv1.Endpoint, want map[string]string, owner []metav1.OwnerReference, triggerTime time.Time) error {
	if cur != nil && maps.Equal(cur.Labels, want) && apiequality.Semantic.DeepEqual(cur.OwnerReferences, owner) &&
		apiequality.Semantic.DeepEqual(cur.Ports, ports) && apiequality.Semantic.DeepEqual(cur.Endpoints, eps) {
		return nil
	}
	var next *discoveryv1.EndpointSlice
	if cur == nil {
		next = &discoveryv1.EndpointSlice{
			ObjectMeta:  metav1.ObjectMeta{GenerateName: svc.Name + "-", Namespace: svc.Namespace},
			AddressType: discoveryv1.AddressTypeIPv4,
		}
	} else {
		next = cur.DeepCopy()
	}
	next.Labels, next.OwnerReferences = want, owner
	next.Ports, next.Endpoints = ports, eps
	if next.Endpoints == nil {
		next.Endpoints = []discoveryv1.Endpoint{}
	}
	if next.Annotations == nil {
		next.Annotations = map[string]string{}
	}
	if !triggerTime.IsZero() {
		next.Annotations[corev1.EndpointsLastChangeTriggerTime] = endpointutil.FormatTriggerTime(triggerTime)
	} else {
		delete(next.Annotations, corev1.EndpointsLastChangeTriggerTime)
	}
	if len(next.Annotations) == 0 {
		next.Annotations = nil
	}
	client := c.client.DiscoveryV1().EndpointSlices(svc.Namespace)
	var written *discoveryv1.EndpointSlice
	var err error
	if cur == nil {
		written, err = client.Create(ctx, next, metav1.CreateOptions{})
	} else {
		written, err = client.Update(ctx, next, metav1.UpdateOptions{})
	}
	if err != nil {
		return err
	}
	c.expect.Wrote(key, written.Name, written.Generation)
	return nil
}

func (c *Controller) deleteAll(ctx context.Context, key string, ss []*discoveryv1.EndpointSlice) error {
	for _, s := range ss {
		err := c.client.DiscoveryV1().EndpointSlices(s.Namespace).Delete(ctx, s.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		c.expect.Deleted(key, s.Name)
	}
	return nil
}

// labelsFor are a slice's labels: the Service's (but for the reserved
// keys), the headless label for a headless Service, the service name and
// managed-by (upstream's setEndpointSliceLabels).
func labelsFor(svc *corev1.Service) map[string]string {
	out := map[string]string{}
	for k, v := range svc.Labels {
		if k == discoveryv1.LabelServiceName || k == discoveryv1.LabelManagedBy || k == corev1.IsHeadlessService {
			continue
		}
		out[k] = v
	}
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		out[corev1.IsHeadlessService] = ""
	}
	out[discoveryv1.LabelServiceName] = svc.Name
	out[discoveryv1.LabelManagedBy] = ManagedBy
	return out
}

type group struct {
	ports     []discoveryv1.EndpointPort
	endpoints []discoveryv1.Endpoint
}

// desired groups the Service's endpoints by the ports they offer.
func (c *Controller) desired(svc *corev1.Service, pods []*corev1.Pod) map[string]*group {
	out := map[string]*group{}
	for _, pod := range pods {
		if !endpointutil.ShouldPodBeInEndpoints(pod, true) {
			continue
		}
		ip := endpointutil.PodIPv4(pod)
		if ip == "" {
			continue
		}
		ports := EndpointPorts(svc, pod)
		k := portsKey(ports)
		g, ok := out[k]
		if !ok {
			g = &group{ports: ports}
			out[k] = g
		}
		g.endpoints = append(g.endpoints, c.endpoint(svc, pod, ip))
	}
	for _, g := range out {
		slices.SortFunc(g.endpoints, func(a, b discoveryv1.Endpoint) int {
			x, _ := netip.ParseAddr(a.Addresses[0])
			y, _ := netip.ParseAddr(b.Addresses[0])
			if d := x.Compare(y); d != 0 {
				return d
			}
			return strings.Compare(a.TargetRef.Name, b.TargetRef.Name)
		})
	}
	return out
}

// EndpointPorts are the Service's ports as pod serves them (upstream's
// getEndpointPorts): a port whose targetPort the pod lacks is left out.
func EndpointPorts(svc *corev1.Service, pod *corev1.Pod) []discoveryv1.EndpointPort {
	var out []discoveryv1.EndpointPort
	for i := range svc.Spec.Ports {
		sp := &svc.Spec.Ports[i]
		num, err := endpointutil.FindPort(pod, sp)
		if err != nil {
			continue
		}
		out = append(out, discoveryv1.EndpointPort{
			Name: new(sp.Name), Port: new(num), Protocol: new(sp.Protocol), AppProtocol: sp.AppProtocol,
		})
	}
	return out
}

// endpoint is the pod's endpoint (upstream's podToEndpoint).
func (c *Controller) endpoint(svc *corev1.Service, pod *corev1.Pod, ip string) discoveryv1.Endpoint {
	serving := endpointutil.IsPodReady(pod)
	terminating := pod.DeletionTimestamp != nil
	// "ready" is never true for a terminating pod, for compatibility,
	// unless publishNotReadyAddresses is set.
	ready := svc.Spec.PublishNotReadyAddresses || (serving && !terminating)
	ep := discoveryv1.Endpoint{
		Addresses:  []string{ip},
		Conditions: discoveryv1.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &terminating},
		TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
	}
	if pod.Spec.NodeName != "" {
		ep.NodeName = new(pod.Spec.NodeName)
		if node, err := c.nodes.Get(pod.Spec.NodeName); err == nil {
			if zone, ok := node.Labels[corev1.LabelTopologyZone]; ok {
				ep.Zone = new(zone)
			}
		}
	}
	if endpointutil.ShouldSetHostname(pod, svc) {
		ep.Hostname = new(pod.Spec.Hostname)
	}
	return ep
}

func portsKey(ps []discoveryv1.EndpointPort) string {
	var b strings.Builder
	for _, p := range ps {
		s := func(v *string) string {
			if v == nil {
				return ""
			}
			return *v
		}
		var num int32
		if p.Port != nil {
			num = *p.Port
		}
		var proto string
		if p.Protocol != nil {
			proto = string(*p.Protocol)
		}
		fmt.Fprintf(&b, "%s/%d/%s/%s,", s(p.Name), num, proto, s(p.AppProtocol))
	}
	return b.String()
}

// chunk cuts endpoints into slices of at most MaxEndpointsPerSlice; none
// is one empty slice.
func chunk(eps []discoveryv1.Endpoint) [][]discoveryv1.Endpoint {
	if len(eps) == 0 {
		return [][]discoveryv1.Endpoint{nil}
	}
	var out [][]discoveryv1.Endpoint
	for len(eps) > MaxEndpointsPerSlice {
		out = append(out, eps[:MaxEndpointsPerSlice])
		eps = eps[MaxEndpointsPerSlice:]
	}
	return append(out, eps)
}
