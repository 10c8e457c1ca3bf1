package printers

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func describeNode(p prefixWriter, n *corev1.Node, pods []corev1.Pod, now time.Time) {
	p.line(0, "Name:\t%s", n.Name)
	roles := nodeRow(n, TableOptions{Now: now})[2]
	p.line(0, "Roles:\t%s", roles)
	printMap(p, "Labels", n.Labels)
	printMap(p, "Annotations", n.Annotations)
	p.line(0, "CreationTimestamp:\t%s", describeTime(n.CreationTimestamp))
	if len(n.Spec.Taints) == 0 {
		p.line(0, "Taints:\t<none>")
	}
	for i, t := range n.Spec.Taints {
		s := t.Key
		if t.Value != "" {
			s += "=" + t.Value
		}
		s += ":" + string(t.Effect)
		if i == 0 {
			p.line(0, "Taints:\t%s", s)
		} else {
			p.line(0, "\t%s", s)
		}
	}
	p.line(0, "Unschedulable:\t%t", n.Spec.Unschedulable)
	p.line(0, "Conditions:")
	p.line(1, "Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage")
	p.line(1, "----\t------\t-----------------\t------------------\t------\t-------")
	for _, c := range n.Status.Conditions {
		p.line(1, "%s \t%s \t%s \t%s \t%s \t%s", c.Type, c.Status, describeTime(c.LastHeartbeatTime), describeTime(c.LastTransitionTime), c.Reason, c.Message)
	}
	p.line(0, "Addresses:")
	for _, a := range n.Status.Addresses {
		p.line(1, "%s:\t%s", a.Type, a.Address)
	}
	for _, sec := range []struct {
		title string
		list  corev1.ResourceList
	}{{"Capacity", n.Status.Capacity}, {"Allocatable", n.Status.Allocatable}} {
		p.line(0, "%s:", sec.title)
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceEphemeralStorage, corev1.ResourceMemory, corev1.ResourcePods} {
			if q, ok := sec.list[name]; ok {
				p.line(1, "%s:\t%s", name, q.String())
			}
		}
	}
	info := n.Status.NodeInfo
	p.line(0, "System Info:")
	p.line(1, "Machine ID:\t%s", info.MachineID)
	p.line(1, "Kernel Version:\t%s", info.KernelVersion)
	p.line(1, "OS Image:\t%s", info.OSImage)
	p.line(1, "Operating System:\t%s", info.OperatingSystem)
	p.line(1, "Architecture:\t%s", info.Architecture)
	p.line(1, "Container Runtime Version:\t%s", info.ContainerRuntimeVersion)
	p.line(1, "Kubelet Version:\t%s", info.KubeletVersion)
	p.line(0, "Non-terminated Pods:\t(%d in total)", countRunning(pods))
	p.line(1, "Namespace\tName\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge")
	p.line(1, "---------\t----\t------------\t----------\t---------------\t-------------\t---")
	alloc := n.Status.Allocatable
	var reqCPU, limCPU, reqMem, limMem resource.Quantity
	for _, pod := range pods {
		if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			continue
		}
		var rc, lc, rm, lm resource.Quantity
		for _, c := range pod.Spec.Containers {
			rc.Add(c.Resources.Requests[corev1.ResourceCPU])
			lc.Add(c.Resources.Limits[corev1.ResourceCPU])
			rm.Add(c.Resources.Requests[corev1.ResourceMemory])
			lm.Add(c.Resources.Limits[corev1.ResourceMemory])
		}
		reqCPU.Add(rc)
		limCPU.Add(lc)
		reqMem.Add(rm)
		limMem.Add(lm)
		p.line(1, "%s\t%s\t%s\t%s\t%s\t%s\t%s", pod.Namespace, pod.Name,
			pct(rc, alloc[corev1.ResourceCPU]), pct(lc, alloc[corev1.ResourceCPU]),
			pct(rm, alloc[corev1.ResourceMemory]), pct(lm, alloc[corev1.ResourceMemory]), Age(pod.CreationTimestamp.Time, now))
	}
	p.line(0, "Allocated resources:")
	p.line(1, "(Total limits may be over 100 percent, i.e., overcommitted.)")
	p.line(1, "Resource\tRequests\tLimits")
	p.line(1, "--------\t--------\t------")
	p.line(1, "cpu\t%s\t%s", pct(reqCPU, alloc[corev1.ResourceCPU]), pct(limCPU, alloc[corev1.ResourceCPU]))
	p.line(1, "memory\t%s\t%s", pct(reqMem, alloc[corev1.ResourceMemory]), pct(limMem, alloc[corev1.ResourceMemory]))
}

func countRunning(pods []corev1.Pod) int {
	n := 0
	for _, p := range pods {
		if p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			n++
		}
	}
	return n
}

// pct renders "100m (5%)" as kubectl describe node does.
func pct(q, total resource.Quantity) string {
	p := int64(0)
	if total.MilliValue() > 0 {
		p = q.MilliValue() * 100 / total.MilliValue()
	}
	return fmt.Sprintf("%s (%d%%)", q.String(), p)
}
