package kubectl

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

// objectArg reads the object a port-forward (or attach) argument names:
// NAME is a pod, TYPE/NAME any kind (kubectl's builder with
// ResourceNames("pods", arg)).
func (kc *kubectl) objectArg(ctx context.Context, cl client.Interface, arg string) (api.Object, error) {
	res, name := api.Pods, arg
	if typ, n, ok := strings.Cut(arg, "/"); ok {
		r, err := lookupResource(typ)
		if err != nil {
			return nil, err
		}
		res, name = r, n
	}
	return cl.Get(ctx, res, kc.NS(), name)
}

// selectorFor is kubectl's SelectorsForObject: the pod selector of a
// workload or Service.
func selectorFor(o api.Object) (labels.Selector, error) {
	fromLabelSelector := func(s *metav1.LabelSelector) (labels.Selector, error) {
		sel, err := metav1.LabelSelectorAsSelector(s)
		if err != nil {
			return nil, fmt.Errorf("invalid label selector: %v", err)
		}
		return sel, nil
	}
	switch t := o.(type) {
	case *appsv1.ReplicaSet:
		return fromLabelSelector(t.Spec.Selector)
	case *appsv1.Deployment:
		return fromLabelSelector(t.Spec.Selector)
	case *appsv1.StatefulSet:
		return fromLabelSelector(t.Spec.Selector)
	case *appsv1.DaemonSet:
		return fromLabelSelector(t.Spec.Selector)
	case *batchv1.Job:
		return fromLabelSelector(t.Spec.Selector)
	case *corev1.ReplicationController:
		return labels.SelectorFromSet(t.Spec.Selector), nil
	case *corev1.Service:
		if len(t.Spec.Selector) == 0 {
			return nil, fmt.Errorf("invalid service '%s': Service is defined without a selector", t.Name)
		}
		return labels.SelectorFromSet(t.Spec.Selector), nil
	}
	return nil, fmt.Errorf("selector for %T not implemented", o)
}

// attachablePod is kubectl's AttachablePodForObject: a pod is itself;
// otherwise the most active of the pods the object selects (sorted by
// ActivePods, reversed), waiting up to timeout for one to appear.
func attachablePod(ctx context.Context, cl client.Interface, o api.Object, timeout time.Duration) (*corev1.Pod, error) {
	if p, ok := o.(*corev1.Pod); ok {
		return p, nil
	}
	sel, err := selectorFor(o)
	if err != nil {
		return nil, fmt.Errorf("cannot attach to %T: %v", o, err)
	}
	// ActivePods reversed: the most active first.
	pods, err := selectedPods(ctx, cl, o.GetNamespace(), sel, timeout, func(a, b *corev1.Pod) bool { return activeLess(b, a) })
	if err != nil {
		return nil, err
	}
	return pods[0], nil
}

// activeLess is kubectl's podutils.ActivePods Less: the less active pod
// first (unassigned, then Pending < Unknown < Running, not ready, being
// deleted, ready for less time, more restarts, newer).
func activeLess(a, b *corev1.Pod) bool {
	if a.Spec.NodeName != b.Spec.NodeName && (a.Spec.NodeName == "" || b.Spec.NodeName == "") {
		return a.Spec.NodeName == ""
	}
	rank := map[corev1.PodPhase]int{corev1.PodPending: 0, corev1.PodUnknown: 1, corev1.PodRunning: 2}
	if rank[a.Status.Phase] != rank[b.Status.Phase] {
		return rank[a.Status.Phase] < rank[b.Status.Phase]
	}
	ra, rb := readySince(a), readySince(b)
	if (ra != nil) != (rb != nil) {
		return ra == nil
	}
	da, db := a.DeletionTimestamp != nil, b.DeletionTimestamp != nil
	if da != db {
		return da
	}
	if da && db && !a.DeletionTimestamp.Equal(b.DeletionTimestamp) {
		return a.DeletionTimestamp.Before(b.DeletionTimestamp)
	}
	if ra != nil && rb != nil && !ra.Equal(rb) {
		return afterOrZero(ra, rb)
	}
	regA, sideA := restarts(a)
	regB, sideB := restarts(b)
	if regA != regB {
		return regA > regB
	}
	if sideA != sideB {
		return sideA > sideB
	}
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return afterOrZero(&a.CreationTimestamp, &b.CreationTimestamp)
	}
	return false
}

// readySince is when the pod became ready, nil when it is not.
func readySince(p *corev1.Pod) *metav1.Time {
	for i := range p.Status.Conditions {
		c := &p.Status.Conditions[i]
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return &c.LastTransitionTime
		}
	}
	return nil
}

func afterOrZero(t1, t2 *metav1.Time) bool {
	if t1.Time.IsZero() || t2.Time.IsZero() {
		return t1.Time.IsZero()
	}
	return t1.After(t2.Time)
}

// restarts are the most restarts of a regular container and of a sidecar
// (an init container that restarts always).
func restarts(p *corev1.Pod) (regular, sidecar int32) {
	for _, c := range p.Status.ContainerStatuses {
		regular = max(regular, c.RestartCount)
	}
	sidecars := map[string]bool{}
	for _, c := range p.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sidecars[c.Name] = true
		}
	}
	for _, c := range p.Status.InitContainerStatuses {
		if sidecars[c.Name] {
			sidecar = max(sidecar, c.RestartCount)
		}
	}
	return regular, sidecar
}

// splitPort is kubectl's: "LOCAL:REMOTE", or one port for both.
func splitPort(port string) (local, remote string) {
	parts := strings.Split(port, ":")
	if len(parts) == 2 {
		return parts[0], parts[1]
	}
	return parts[0], parts[0]
}

// servicePortsToTargets is kubectl's translateServicePortToTargetPort:
// each remote port is a Service port (by number or name), forwarded to
// the container port it targets on pod (a named targetPort looked up in
// the pod's containers; a headless Service's port as it is).
func servicePortsToTargets(ports []string, svc *corev1.Service, pod *corev1.Pod) ([]string, error) {
	var out []string
	for _, port := range ports {
		local, remote := splitPort(port)
		num, err := strconv.Atoi(remote)
		if err != nil {
			n, err := servicePortByName(svc, remote)
			if err != nil {
				return nil, err
			}
			num = int(n)
			if local == remote {
				local = strconv.Itoa(num)
			}
		}
		target, err := containerPortForServicePort(svc, pod, int32(num))
		if err != nil {
			return nil, err
		}
		remote = strconv.Itoa(int(target))
		if local != remote {
			out = append(out, local+":"+remote)
		} else {
			out = append(out, remote)
		}
	}
	return out, nil
}

func servicePortByName(svc *corev1.Service, name string) (int32, error) {
	for _, sp := range svc.Spec.Ports {
		if sp.Name == name {
			return sp.Port, nil
		}
	}
	return -1, fmt.Errorf("Service '%s' does not have a named port '%s'", svc.Name, name)
}

// containerPortForServicePort is kubectl's LookupContainerPortNumberByServicePort.
func containerPortForServicePort(svc *corev1.Service, pod *corev1.Pod, port int32) (int32, error) {
	for _, sp := range svc.Spec.Ports {
		if sp.Port != port {
			continue
		}
		if svc.Spec.ClusterIP == corev1.ClusterIPNone {
			return port, nil
		}
		if sp.TargetPort.Type == intstr.Int {
			if sp.TargetPort.IntValue() == 0 {
				return sp.Port, nil
			}
			return int32(sp.TargetPort.IntValue()), nil
		}
		return containerPortByName(pod, sp.TargetPort.String())
	}
	return port, fmt.Errorf("Service %s does not have a service port %d", svc.Name, port)
}

// checkUDPPorts is kubectl's: port-forward carries TCP only, so a port
// that is UDP and not also TCP is refused.
func checkUDPPorts(ports []string, o api.Object) error {
	udp, tcp := map[int]bool{}, map[int]bool{}
	note := func(num int32, p corev1.Protocol) {
		switch p {
		case corev1.ProtocolUDP:
			udp[int(num)] = true
		case corev1.ProtocolTCP:
			tcp[int(num)] = true
		}
	}
	switch t := o.(type) {
	case *corev1.Service:
		for _, sp := range t.Spec.Ports {
			note(sp.Port, sp.Protocol)
		}
	case *corev1.Pod:
		for _, c := range t.Spec.Containers {
			for _, cp := range c.Ports {
				note(cp.ContainerPort, cp.Protocol)
			}
		}
	}
	for _, port := range ports {
		_, remote := splitPort(port)
		num, err := strconv.Atoi(remote)
		if err != nil {
			var n int32
			switch t := o.(type) {
			case *corev1.Service:
				n, err = servicePortByName(t, remote)
			case *corev1.Pod:
				n, err = containerPortByName(t, remote)
			}
			if err != nil {
				return err
			}
			num = int(n)
		}
		if udp[num] && !tcp[num] {
			return fmt.Errorf("UDP protocol is not supported for %s", remote)
		}
	}
	return nil
}
