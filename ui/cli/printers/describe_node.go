package printers

import (
	"fmt"
	"sort"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	resourcehelper "k8s.io/component-helpers/resource"

	"github.com/podlab/podlab/runtime/tables"
)

// describeNode writes kubectl's node page (its describeNode) up to the
// events. related.Pods are the pods bound to the node; finished ones are
// left out as kubectl's non-terminated field selector leaves them out.
func describeNode(p prefixWriter, n *corev1.Node, related Related, now time.Time) {
	pods := related.Pods
	p.line(0, "Name:\t%s", n.Name)
	p.line(0, "Roles:\t%s", orNone(strings.Join(tables.NodeRoles(n), ",")))
	printLabels(p, "Labels", n.Labels)
	printAnnotations(p, n.Annotations)
	p.line(0, "CreationTimestamp:\t%s", describeTime(n.CreationTimestamp))
	// Taints sort by effect, then key (kubectl's printTaintsMultiline).
	taints := append([]corev1.Taint(nil), n.Spec.Taints...)
	sort.SliceStable(taints, func(i, j int) bool {
		return string(taints[i].Effect)+","+taints[i].Key < string(taints[j].Effect)+","+taints[j].Key
	})
	lines := make([]string, 0, len(taints))
	for _, t := range taints {
		lines = append(lines, t.ToString())
	}
	printMultiline(p, "Taints", lines)
	p.line(0, "Unschedulable:\t%t", n.Spec.Unschedulable)
	describeLease(p, related.Lease)
	if len(n.Status.Conditions) > 0 {
		p.line(0, "Conditions:")
		p.line(1, "Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage")
		p.line(1, "----\t------\t-----------------\t------------------\t------\t-------")
		for _, c := range n.Status.Conditions {
			p.line(1, "%s \t%s \t%s \t%s \t%s \t%s", c.Type, c.Status, describeTime(c.LastHeartbeatTime), describeTime(c.LastTransitionTime), c.Reason, c.Message)
		}
	}
	p.line(0, "Addresses:")
	for _, a := range n.Status.Addresses {
		p.line(1, "%s:\t%s", a.Type, a.Address)
	}
	for _, sec := range []struct {
		title string
		list  corev1.ResourceList
	}{{"Capacity", n.Status.Capacity}, {"Allocatable", n.Status.Allocatable}} {
		if len(sec.list) == 0 {
			continue
		}
		p.line(0, "%s:", sec.title)
		for _, name := range sortedResourceNames(sec.list) {
			q := sec.list[name]
			p.line(1, "%s:\t%s", name, q.String())
		}
	}
	info := n.Status.NodeInfo
	p.line(0, "System Info:")
	p.line(1, "Machine ID:\t%s", info.MachineID)
	p.line(1, "System UUID:\t%s", info.SystemUUID)
	p.line(1, "Boot ID:\t%s", info.BootID)
	p.line(1, "Kernel Version:\t%s", info.KernelVersion)
	p.line(1, "OS Image:\t%s", info.OSImage)
	p.line(1, "Operating System:\t%s", info.OperatingSystem)
	p.line(1, "Architecture:\t%s", info.Architecture)
	p.line(1, "Container Runtime Version:\t%s", info.ContainerRuntimeVersion)
	p.line(1, "Kubelet Version:\t%s", info.KubeletVersion)
	// kubectl 1.37 no longer prints the deprecated Kube-Proxy Version (KEP-4004).
	if n.Spec.PodCIDR != "" {
		p.line(0, "PodCIDR:\t%s", n.Spec.PodCIDR)
	}
	if len(n.Spec.PodCIDRs) > 0 {
		p.line(0, "PodCIDRs:\t%s", strings.Join(n.Spec.PodCIDRs, ","))
	}
	if n.Spec.ProviderID != "" {
		p.line(0, "ProviderID:\t%s", n.Spec.ProviderID)
	}
	describeNodeResources(p, n, nonTerminated(pods), now)
}

func nonTerminated(pods []corev1.Pod) []corev1.Pod {
	var out []corev1.Pod
	for _, p := range pods {
		if p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			out = append(out, p)
		}
	}
	return out
}

// describeNodeResources is kubectl's describeNodeResource: each pod's cpu
// and memory requests and limits as a share of the node's allocatable (its
// capacity when it has none), then the totals. Shares are truncated to
// whole percents. The Name column is followed by an empty one, as kubectl's.
func describeNodeResources(p prefixWriter, n *corev1.Node, pods []corev1.Pod, now time.Time) {
	alloc := n.Status.Allocatable
	if len(alloc) == 0 {
		alloc = n.Status.Capacity
	}
	p.line(0, "Non-terminated Pods:\t(%d in total)", len(pods))
	p.line(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge")
	p.line(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---")
	reqs, limits := corev1.ResourceList{}, corev1.ResourceList{}
	for i := range pods {
		pod := &pods[i]
		r := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})
		l := resourcehelper.PodLimits(pod, resourcehelper.PodResourcesOptions{})
		addResources(reqs, r)
		addResources(limits, l)
		p.line(1, "%s\t%s\t\t%s\t%s\t%s\t%s\t%s", pod.Namespace, pod.Name,
			share(r, alloc, corev1.ResourceCPU), share(l, alloc, corev1.ResourceCPU),
			share(r, alloc, corev1.ResourceMemory), share(l, alloc, corev1.ResourceMemory), ageOf(pod.CreationTimestamp, now))
	}
	p.line(0, "Allocated resources:")
	p.line(1, "(Total limits may be over 100 percent, i.e., overcommitted.)")
	p.line(1, "Resource\tRequests\tLimits")
	p.line(1, "--------\t--------\t------")
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
		p.line(1, "%s\t%s\t%s", name, share(reqs, alloc, name), share(limits, alloc, name))
	}
	// Hugepages follow with the request's share in both columns, as kubectl
	// prints them.
	var huge []string
	for name := range alloc {
		if strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix) {
			huge = append(huge, string(name))
		}
	}
	sort.Strings(huge)
	for _, h := range huge {
		name := corev1.ResourceName(h)
		req, lim := reqs[name], limits[name]
		p.line(1, "%s\t%s (%d%%)\t%s (%d%%)", name, req.String(), percent(req, alloc[name], name), lim.String(), percent(req, alloc[name], name))
	}
}

func addResources(total, add corev1.ResourceList) {
	for name, q := range add {
		sum := total[name]
		sum.Add(q)
		total[name] = sum
	}
}

// share renders "100m (5%)": the amount and its truncated share of alloc.
func share(list, alloc corev1.ResourceList, name corev1.ResourceName) string {
	q := list[name]
	return fmt.Sprintf("%s (%d%%)", q.String(), percent(q, alloc[name], name))
}

// percent compares cpu in millicores and everything else in units; a
// missing allocatable gives 0.
func percent(q, total resource.Quantity, name corev1.ResourceName) int64 {
	a, b := q.Value(), total.Value()
	if name == corev1.ResourceCPU {
		a, b = q.MilliValue(), total.MilliValue()
	}
	if b == 0 {
		return 0
	}
	return int64(float64(a) / float64(b) * 100)
}

// describeLease is kubectl's Lease block: the kubelet's heartbeat, each
// field <unset> when the lease (or the field) is missing.
func describeLease(p prefixWriter, lease *coordinationv1.Lease) {
	holder, acquired, renewed := "<unset>", "<unset>", "<unset>"
	if lease != nil {
		if lease.Spec.HolderIdentity != nil {
			holder = *lease.Spec.HolderIdentity
		}
		if t := lease.Spec.AcquireTime; t != nil {
			acquired = t.Time.Format(time.RFC1123Z)
		}
		if t := lease.Spec.RenewTime; t != nil {
			renewed = t.Time.Format(time.RFC1123Z)
		}
	}
	p.line(0, "Lease:")
	p.line(1, "HolderIdentity:\t%s", holder)
	p.line(1, "AcquireTime:\t%s", acquired)
	p.line(1, "RenewTime:\t%s", renewed)
}
