package endpointutil

import (
	"fmt"
	"net/netip"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// ShouldPodBeInEndpoints tells whether pod may back a Service (upstream's
// endpointutil.ShouldPodBeInEndpoints): a terminal pod (Succeeded or
// Failed) never does, nor one without an IP yet; a terminating pod
// (deletionTimestamp set) only when includeTerminating — the endpoints
// controller passes publishNotReadyAddresses, the endpointslice controller
// true (its endpoints say terminating instead).
func ShouldPodBeInEndpoints(pod *corev1.Pod, includeTerminating bool) bool {
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return false
	}
	if pod.Status.PodIP == "" && len(pod.Status.PodIPs) == 0 {
		return false
	}
	if !includeTerminating && pod.DeletionTimestamp != nil {
		return false
	}
	return true
}

// IsPodReady is upstream's podutil.IsPodReady: the Ready condition is True.
func IsPodReady(pod *corev1.Pod) bool {
	c := ReadyCondition(pod)
	return c != nil && c.Status == corev1.ConditionTrue
}

// ReadyCondition is the pod's Ready condition, or nil.
func ReadyCondition(pod *corev1.Pod) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == corev1.PodReady {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

// ShouldSetHostname tells whether the pod's endpoint carries its hostname
// (upstream's ShouldSetHostname): the pod names a hostname and its
// subdomain is the Service's name, in the Service's namespace — the pair
// a headless Service's per-pod DNS names come from.
func ShouldSetHostname(pod *corev1.Pod, svc *corev1.Service) bool {
	return pod.Spec.Hostname != "" && pod.Spec.Subdomain == svc.Name && svc.Namespace == pod.Namespace
}

// FindPort resolves a Service port's targetPort on one pod (upstream's
// podutil.FindPort): a number is taken as is; a name is looked up among the
// ports of the pod's containers, and of its sidecars (init containers with
// restartPolicy Always), matching name and protocol. Each pod may so serve
// a named port on a number of its own.
func FindPort(pod *corev1.Pod, sp *corev1.ServicePort) (int32, error) {
	tp := sp.TargetPort
	switch tp.Type {
	case intstr.String:
		find := func(cs []corev1.Container, sidecarsOnly bool) (int32, bool) {
			for _, c := range cs {
				if sidecarsOnly && (c.RestartPolicy == nil || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways) {
					continue
				}
				for _, p := range c.Ports {
					if p.Name == tp.StrVal && p.Protocol == sp.Protocol {
						return p.ContainerPort, true
					}
				}
			}
			return 0, false
		}
		if n, ok := find(pod.Spec.Containers, false); ok {
			return n, nil
		}
		if n, ok := find(pod.Spec.InitContainers, true); ok {
			return n, nil
		}
	case intstr.Int:
		if tp.IntVal != 0 {
			return tp.IntVal, nil
		}
		// The API defaults targetPort to port; a zero here is a
		// hand-made object's.
		return sp.Port, nil
	}
	return 0, fmt.Errorf("no suitable port for manifest: %s", pod.UID)
}

// PodIPv4 is the pod's IPv4 address (the lab's services are single-stack
// IPv4; upstream picks the IP of the Service's first IP family), or "".
func PodIPv4(pod *corev1.Pod) string {
	ips := []string{pod.Status.PodIP}
	for _, ip := range pod.Status.PodIPs {
		ips = append(ips, ip.IP)
	}
	for _, s := range ips {
		if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
			return s
		}
	}
	return ""
}

// ServicesOf lists the cached Services whose selector matches pod. A
// Service without a selector selects nothing (its endpoints are made by
// hand), and so does one with an empty selector, as upstream's
// GetPodServiceMemberships.
func ServicesOf(services corelisters.ServiceLister, pod *corev1.Pod) []string {
	all, err := services.Services(pod.Namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	var keys []string
	for _, svc := range all {
		if svc.Spec.Selector == nil {
			continue
		}
		if labels.ValidatedSetSelector(svc.Spec.Selector).Matches(labels.Set(pod.Labels)) {
			if key, err := cache.MetaNamespaceKeyFunc(svc); err == nil {
				keys = append(keys, key)
			}
		}
	}
	return keys
}

// TriggerTimeTracker computes the endpoints.kubernetes.io/last-change-trigger-time
// annotation as upstream's TriggerTimeTracker does: per Service it
// remembers the trigger time of each pod (its Ready condition's
// lastTransitionTime) and of the Service (its creationTimestamp) seen at
// the last sync; the annotation is the earliest trigger time that moved
// since — the moment the change the endpoints now reflect began — or none.
type TriggerTimeTracker struct {
	mu     sync.Mutex
	states map[string]serviceState
}

type serviceState struct {
	pods    map[string]time.Time
	service time.Time
}

// NewTriggerTimeTracker returns an empty tracker.
func NewTriggerTimeTracker() *TriggerTimeTracker {
	return &TriggerTimeTracker{states: map[string]serviceState{}}
}

// Compute returns the trigger time for the Service's sync over pods (zero
// for none) and remembers what it saw.
func (t *TriggerTimeTracker) Compute(svc *corev1.Service, pods []*corev1.Pod) time.Time {
	key := svc.Namespace + "/" + svc.Name
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.states[key]
	next := serviceState{pods: map[string]time.Time{}}
	var earliest time.Time
	seen := func(at time.Time) {
		if earliest.IsZero() || at.Before(earliest) {
			earliest = at
		}
	}
	for _, pod := range pods {
		c := ReadyCondition(pod)
		if c == nil || c.LastTransitionTime.IsZero() {
			continue
		}
		at := c.LastTransitionTime.Time
		next.pods[pod.Name] = at
		if at.After(old.pods[pod.Name]) {
			seen(at)
		}
	}
	next.service = svc.CreationTimestamp.Time
	if next.service.After(old.service) {
		seen(next.service)
	}
	t.states[key] = next
	return earliest
}

// Forget drops what the tracker knows of a deleted Service.
func (t *TriggerTimeTracker) Forget(namespace, name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.states, namespace+"/"+name)
}

// FormatTriggerTime is the annotation's value (RFC 3339 with nanoseconds, UTC).
func FormatTriggerTime(at time.Time) string {
	return at.UTC().Format(time.RFC3339Nano)
}

// SelectedPods lists the pods whose endpoints the Service's controllers
// keep; false for Services they leave alone: ExternalName ones receive no
// endpoints (issues.k8s.io/105986) and selector-less ones have theirs made
// out of band (by hand, e.g. to point outside the lab).
func SelectedPods(pods corelisters.PodLister, svc *corev1.Service) ([]*corev1.Pod, bool, error) {
	if svc.Spec.Type == corev1.ServiceTypeExternalName || svc.Spec.Selector == nil {
		return nil, false, nil
	}
	list, err := pods.Pods(svc.Namespace).List(labels.ValidatedSetSelector(svc.Spec.Selector))
	return list, err == nil, err
}
