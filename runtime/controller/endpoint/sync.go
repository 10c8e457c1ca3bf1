package endpoint

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/podlab/podlab/runtime/controller/endpointutil"
)

// sync makes the Endpoints of the Service key what its pods say.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		// The Service is gone: so are its Endpoints (the API server
		// deletes them too; a hand-made one of a never-existing Service
		// is left, as upstream only deletes on a Service's delete event).
		c.triggers.Forget(ns, name)
		if _, err := c.endpoints.Endpoints(ns).Get(name); apierrors.IsNotFound(err) {
			return nil
		}
		err := c.client.CoreV1().Endpoints(ns).Delete(ctx, name, metav1.DeleteOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	} else if err != nil {
		return err
	}
	pods, keep, err := endpointutil.SelectedPods(c.pods, svc)
	if !keep {
		return err
	}
	triggerTime := c.triggers.Compute(svc, pods)
	subsets := Subsets(svc, pods)

	cur, err := c.endpoints.Endpoints(ns).Get(name)
	create := apierrors.IsNotFound(err)
	if err != nil && !create {
		return err
	}
	if create {
		cur = &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
	}
	want := wantLabels(svc)
	capacity := overCapacity(subsets)
	if !create && subsetsEqual(cur.Subsets, subsets) && maps.Equal(cur.Labels, want) &&
		cur.Annotations[corev1.EndpointsOverCapacity] == capacity {
		return nil
	}
	next := cur.DeepCopy()
	next.Subsets = truncate(subsets)
	next.Labels = want
	if next.Annotations == nil {
		next.Annotations = map[string]string{}
	}
	// No new trigger time clears the annotation, as upstream.
	if !triggerTime.IsZero() {
		next.Annotations[corev1.EndpointsLastChangeTriggerTime] = endpointutil.FormatTriggerTime(triggerTime)
	} else {
		delete(next.Annotations, corev1.EndpointsLastChangeTriggerTime)
	}
	if capacity != "" {
		next.Annotations[corev1.EndpointsOverCapacity] = capacity
	} else {
		delete(next.Annotations, corev1.EndpointsOverCapacity)
	}
	if len(next.Annotations) == 0 {
		next.Annotations = nil
	}
	if create {
		_, err = c.client.CoreV1().Endpoints(ns).Create(ctx, next, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			// The cache is behind; the next sync updates it.
			return fmt.Errorf("endpoints %s/%s exist already: %w", ns, name, err)
		}
		return err
	}
	_, err = c.client.CoreV1().Endpoints(ns).Update(ctx, next, metav1.UpdateOptions{})
	return err
}

// wantLabels are the Service's labels, the headless label for a headless
// Service, and the managed-by label.
func wantLabels(svc *corev1.Service) map[string]string {
	out := maps.Clone(svc.Labels)
	if out == nil {
		out = map[string]string{}
	}
	delete(out, corev1.IsHeadlessService)
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		out[corev1.IsHeadlessService] = ""
	}
	out[LabelManagedBy] = Name
	return out
}

// Subsets computes the Service's Endpoints subsets over its selected pods.
func Subsets(svc *corev1.Service, pods []*corev1.Pod) []corev1.EndpointSubset {
	tolerateUnready := svc.Spec.PublishNotReadyAddresses
	var flat []entry
	for _, pod := range pods {
		if !endpointutil.ShouldPodBeInEndpoints(pod, tolerateUnready) {
			continue
		}
		ip := endpointutil.PodIPv4(pod)
		if ip == "" {
			continue
		}
		addr := corev1.EndpointAddress{
			IP:        ip,
			TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
		}
		if pod.Spec.NodeName != "" {
			addr.NodeName = new(pod.Spec.NodeName)
		}
		if endpointutil.ShouldSetHostname(pod, svc) {
			addr.Hostname = pod.Spec.Hostname
		}
		ready := tolerateUnready || endpointutil.IsPodReady(pod)
		if len(svc.Spec.Ports) == 0 {
			// Only a headless Service gets addresses without ports.
			if svc.Spec.ClusterIP == corev1.ClusterIPNone {
				flat = append(flat, entry{addr: addr, ready: ready, port: noPort})
			}
			continue
		}
		for i := range svc.Spec.Ports {
			sp := &svc.Spec.Ports[i]
			num, err := endpointutil.FindPort(pod, sp)
			if err != nil {
				// The pod does not serve this port: upstream logs it
				// and leaves the pod out of this port only.
				continue
			}
			flat = append(flat, entry{addr: addr, ready: ready, port: corev1.EndpointPort{
				Name: sp.Name, Port: num, Protocol: sp.Protocol, AppProtocol: sp.AppProtocol,
			}})
		}
	}
	return repack(flat)
}

type entry struct {
	addr  corev1.EndpointAddress
	ready bool
	port  corev1.EndpointPort
}

// noPort stands for "no ports" (upstream's sentinel in RepackSubsets).
var noPort = corev1.EndpointPort{Port: -1}

// repack groups addresses offering the same set of ports into one subset,
// as upstream's endpoints.RepackSubsets: an address ready on one port and
// not on another (it cannot be, per pod, but hand-made input may) counts
// as ready. Subsets, their addresses (by IP, then pod UID) and ports come
// in a stable order.
func repack(flat []entry) []corev1.EndpointSubset {
	type addrState struct {
		addr  corev1.EndpointAddress
		ready bool
		ports map[string]corev1.EndpointPort
	}
	addrs := map[string]*addrState{}
	var order []string
	for _, e := range flat {
		k := e.addr.IP
		if e.addr.TargetRef != nil {
			k += "/" + string(e.addr.TargetRef.UID)
		}
		st, ok := addrs[k]
		if !ok {
			st = &addrState{addr: e.addr, ports: map[string]corev1.EndpointPort{}}
			addrs[k] = st
			order = append(order, k)
		}
		st.ready = st.ready || e.ready
		st.ports[portKey(e.port)] = e.port
	}
	type group struct {
		ports           []corev1.EndpointPort
		ready, notReady []corev1.EndpointAddress
	}
	groups := map[string]*group{}
	for _, k := range order {
		st := addrs[k]
		keys := slices.Sorted(maps.Keys(st.ports))
		gk := strings.Join(keys, ",")
		g, ok := groups[gk]
		if !ok {
			g = &group{}
			for _, pk := range keys {
				if p := st.ports[pk]; p != noPort {
					g.ports = append(g.ports, p)
				}
			}
			groups[gk] = g
		}
		if st.ready {
			g.ready = append(g.ready, st.addr)
		} else {
			g.notReady = append(g.notReady, st.addr)
		}
	}
	var out []corev1.EndpointSubset
	for _, gk := range slices.Sorted(maps.Keys(groups)) {
		g := groups[gk]
		sortAddresses(g.ready)
		sortAddresses(g.notReady)
		out = append(out, corev1.EndpointSubset{Addresses: g.ready, NotReadyAddresses: g.notReady, Ports: g.ports})
	}
	return out
}

func portKey(p corev1.EndpointPort) string {
	ap := ""
	if p.AppProtocol != nil {
		ap = *p.AppProtocol
	}
	return fmt.Sprintf("%s/%d/%s/%s", p.Name, p.Port, p.Protocol, ap)
}

// sortAddresses orders by IP (numerically), then pod UID.
func sortAddresses(as []corev1.EndpointAddress) {
	slices.SortFunc(as, func(a, b corev1.EndpointAddress) int {
		ia, _ := netip.ParseAddr(a.IP)
		ib, _ := netip.ParseAddr(b.IP)
		if c := ia.Compare(ib); c != 0 {
			return c
		}
		return strings.Compare(uid(a), uid(b))
	})
}

func uid(a corev1.EndpointAddress) string {
	if a.TargetRef == nil {
		return ""
	}
	return string(a.TargetRef.UID)
}

// subsetsEqual compares subsets ignoring the targets' resourceVersions
// (upstream's EndpointSubsetsEqualIgnoreResourceVersion); nil and empty
// lists are equal.
func subsetsEqual(a, b []corev1.EndpointSubset) bool {
	strip := func(ss []corev1.EndpointSubset) []corev1.EndpointSubset {
		out := make([]corev1.EndpointSubset, 0, len(ss))
		for _, s := range ss {
			s = *s.DeepCopy()
			for _, as := range [][]corev1.EndpointAddress{s.Addresses, s.NotReadyAddresses} {
				for i := range as {
					if as[i].TargetRef != nil {
						as[i].TargetRef.ResourceVersion = ""
					}
				}
			}
			out = append(out, s)
		}
		return out
	}
	return apiequality.Semantic.DeepEqual(strip(a), strip(b))
}

// overCapacity is the over-capacity annotation the subsets call for.
func overCapacity(subsets []corev1.EndpointSubset) string {
	n := 0
	for _, s := range subsets {
		n += len(s.Addresses) + len(s.NotReadyAddresses)
	}
	if n > maxCapacity {
		return truncated
	}
	return ""
}

// truncate keeps at most maxCapacity addresses, cutting each subset in
// proportion to its size, ready addresses first (upstream's
// truncateEndpoints).
func truncate(subsets []corev1.EndpointSubset) []corev1.EndpointSubset {
	total := 0
	for _, s := range subsets {
		total += len(s.Addresses) + len(s.NotReadyAddresses)
	}
	if total <= maxCapacity {
		return subsets
	}
	out := make([]corev1.EndpointSubset, len(subsets))
	left := maxCapacity
	for i, s := range subsets {
		n := len(s.Addresses) + len(s.NotReadyAddresses)
		keep := n * maxCapacity / total
		if i == len(subsets)-1 {
			keep = left
		}
		left -= keep
		s = *s.DeepCopy()
		if keep <= len(s.Addresses) {
			s.Addresses, s.NotReadyAddresses = s.Addresses[:keep], nil
		} else {
			s.NotReadyAddresses = s.NotReadyAddresses[:keep-len(s.Addresses)]
		}
		out[i] = s
	}
	return out
}
