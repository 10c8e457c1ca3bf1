package printers

import (
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// describePod writes kubectl's pod page (its describePod) up to the events.
func describePod(p prefixWriter, pod *corev1.Pod, now time.Time) {
	p.line(0, "Name:\t%s", pod.Name)
	p.line(0, "Namespace:\t%s", pod.Namespace)
	if pod.Spec.Priority != nil {
		p.line(0, "Priority:\t%d", *pod.Spec.Priority)
	}
	if pod.Spec.PriorityClassName != "" {
		p.line(0, "Priority Class Name:\t%s", pod.Spec.PriorityClassName)
	}
	if pod.Spec.RuntimeClassName != nil && *pod.Spec.RuntimeClassName != "" {
		p.line(0, "Runtime Class Name:\t%s", *pod.Spec.RuntimeClassName)
	}
	if pod.Spec.ServiceAccountName != "" {
		p.line(0, "Service Account:\t%s", pod.Spec.ServiceAccountName)
	}
	if pod.Spec.NodeName == "" {
		p.line(0, "Node:\t<none>")
	} else {
		p.line(0, "Node:\t%s/%s", pod.Spec.NodeName, pod.Status.HostIP)
	}
	if pod.Status.StartTime != nil {
		p.line(0, "Start Time:\t%s", describeTime(*pod.Status.StartTime))
	}
	printLabels(p, "Labels", pod.Labels)
	printAnnotations(p, pod.Annotations)
	if pod.DeletionTimestamp != nil {
		p.line(0, "Status:\tTerminating (lasts %s)", ageOf(*pod.DeletionTimestamp, now))
		if pod.DeletionGracePeriodSeconds != nil {
			p.line(0, "Termination Grace Period:\t%ds", *pod.DeletionGracePeriodSeconds)
		}
	} else {
		p.line(0, "Status:\t%s", pod.Status.Phase)
	}
	if pod.Status.Reason != "" {
		p.line(0, "Reason:\t%s", pod.Status.Reason)
	}
	if pod.Status.Message != "" {
		p.line(0, "Message:\t%s", pod.Status.Message)
	}
	if sc := pod.Spec.SecurityContext; sc != nil && sc.SeccompProfile != nil {
		p.line(0, "SeccompProfile:\t%s", sc.SeccompProfile.Type)
		if sc.SeccompProfile.Type == corev1.SeccompProfileTypeLocalhost && sc.SeccompProfile.LocalhostProfile != nil {
			p.line(0, "LocalhostProfile:\t%s", *sc.SeccompProfile.LocalhostProfile)
		}
	}
	p.line(0, "IP:\t%s", pod.Status.PodIP)
	if len(pod.Status.PodIPs) == 0 {
		p.line(0, "IPs:\t<none>")
	} else {
		p.line(0, "IPs:")
		for _, ip := range pod.Status.PodIPs {
			p.line(1, "IP:\t%s", ip.IP)
		}
	}
	if ref := metav1.GetControllerOf(pod); ref != nil {
		p.line(0, "Controlled By:\t%s/%s", ref.Kind, ref.Name)
	}
	if pod.Status.NominatedNodeName != "" {
		p.line(0, "NominatedNodeName:\t%s", pod.Status.NominatedNodeName)
	}
	if len(pod.Spec.InitContainers) > 0 {
		describeContainers(p, "", "Init Containers", pod, pod.Spec.InitContainers, pod.Status.InitContainerStatuses)
	}
	describeContainers(p, "", "Containers", pod, pod.Spec.Containers, pod.Status.ContainerStatuses)
	if len(pod.Spec.ReadinessGates) > 0 {
		p.line(0, "Readiness Gates:")
		p.line(1, "Type\tStatus")
		for _, g := range pod.Spec.ReadinessGates {
			status := "<none>"
			for _, c := range pod.Status.Conditions {
				if c.Type == g.ConditionType {
					status = string(c.Status)
					break
				}
			}
			p.line(1, "%s \t%s ", g.ConditionType, status)
		}
	}
	if len(pod.Status.Conditions) > 0 {
		p.line(0, "Conditions:")
		p.line(1, "Type\tStatus")
		for _, c := range pod.Status.Conditions {
			p.line(1, "%s \t%s ", c.Type, c.Status)
		}
	}
	describeVolumes(p, "", pod.Spec.Volumes)
	qos := pod.Status.QOSClass
	if qos == "" {
		qos = podQOS(pod)
	}
	p.line(0, "QoS Class:\t%s", qos)
	printLabels(p, "Node-Selectors", pod.Spec.NodeSelector)
	describeTolerations(p, "Tolerations", pod.Spec.Tolerations)
}

// describeTolerations is kubectl's printPodTolerationsMultiline, sorted by
// key: "key=value:Effect", " op=Exists" for a valueless Exists, and
// " for Ns" with tolerationSeconds.
func describeTolerations(p prefixWriter, title string, ts []corev1.Toleration) {
	sorted := append([]corev1.Toleration(nil), ts...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Key < sorted[j].Key })
	lines := make([]string, 0, len(sorted))
	for _, t := range sorted {
		lines = append(lines, tolerationString(t))
	}
	printMultiline(p, title, lines)
}

func tolerationString(t corev1.Toleration) string {
	s := t.Key
	if t.Value != "" {
		s += "=" + t.Value
	}
	if t.Effect != "" {
		s += ":" + string(t.Effect)
	}
	if t.Operator == corev1.TolerationOpExists && t.Value == "" {
		if s != "" {
			s += " "
		}
		s += "op=Exists" // alone, it tolerates everything
	}
	if t.TolerationSeconds != nil {
		s += fmt.Sprintf(" for %ds", *t.TolerationSeconds)
	}
	return s
}

// podQOS derives the QoS class when the status lacks it (upstream
// GetPodQOS over cpu and memory): Guaranteed when every container limits
// both and requests equal limits, BestEffort when nothing is set,
// Burstable otherwise.
func podQOS(pod *corev1.Pod) corev1.PodQOSClass {
	all := append(append([]corev1.Container(nil), pod.Spec.InitContainers...), pod.Spec.Containers...)
	anySet, guaranteed := false, true
	for _, c := range all {
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, hasReq := c.Resources.Requests[name]
			lim, hasLim := c.Resources.Limits[name]
			if (hasReq && !req.IsZero()) || (hasLim && !lim.IsZero()) {
				anySet = true
			}
			if !hasLim || lim.IsZero() || (hasReq && req.Cmp(lim) != 0) {
				guaranteed = false
			}
		}
	}
	switch {
	case !anySet:
		return corev1.PodQOSBestEffort
	case guaranteed:
		return corev1.PodQOSGuaranteed
	}
	return corev1.PodQOSBurstable
}
