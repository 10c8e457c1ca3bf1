package printers

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func describePod(p prefixWriter, pod *corev1.Pod, now time.Time) {
	p.line(0, "Name:\t%s", pod.Name)
	p.line(0, "Namespace:\t%s", pod.Namespace)
	prio := int32(0)
	if pod.Spec.Priority != nil {
		prio = *pod.Spec.Priority
	}
	p.line(0, "Priority:\t%d", prio)
	p.line(0, "Service Account:\t%s", pod.Spec.ServiceAccountName)
	if pod.Spec.NodeName == "" {
		p.line(0, "Node:\t<none>")
	} else {
		p.line(0, "Node:\t%s/%s", pod.Spec.NodeName, pod.Status.HostIP)
	}
	if pod.Status.StartTime != nil {
		p.line(0, "Start Time:\t%s", describeTime(*pod.Status.StartTime))
	}
	printMap(p, "Labels", pod.Labels)
	printMap(p, "Annotations", pod.Annotations)
	if pod.DeletionTimestamp != nil {
		p.line(0, "Status:\tTerminating (lasts %s)", Age(pod.DeletionTimestamp.Time, now))
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
	p.line(0, "IP:\t%s", pod.Status.PodIP)
	if len(pod.Status.PodIPs) == 0 {
		p.line(0, "IPs:\t<none>")
	} else {
		p.line(0, "IPs:")
	}
	for _, ip := range pod.Status.PodIPs {
		p.line(1, "IP:\t%s", ip.IP)
	}
	if len(pod.Spec.InitContainers) > 0 {
		p.line(0, "Init Containers:")
		for _, c := range pod.Spec.InitContainers {
			describeContainer(p, c, findStatus(pod.Status.InitContainerStatuses, c.Name))
		}
	}
	p.line(0, "Containers:")
	for _, c := range pod.Spec.Containers {
		describeContainer(p, c, findStatus(pod.Status.ContainerStatuses, c.Name))
	}
	if len(pod.Status.Conditions) > 0 {
		p.line(0, "Conditions:")
		p.line(1, "Type\tStatus")
		for _, c := range pod.Status.Conditions {
			p.line(1, "%s \t%s ", c.Type, c.Status)
		}
	}
	describeVolumes(p, pod.Spec.Volumes)
	p.line(0, "QoS Class:\t%s", pod.Status.QOSClass)
	p.line(0, "Node-Selectors:\t%s", orNone(selectorString(pod.Spec.NodeSelector)))
	describeTolerations(p, pod.Spec.Tolerations)
}

func findStatus(list []corev1.ContainerStatus, name string) *corev1.ContainerStatus {
	for i := range list {
		if list[i].Name == name {
			return &list[i]
		}
	}
	return nil
}

func selectorString(m map[string]string) string {
	keys := sortedKeys(m)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, ",")
}

func describeContainer(p prefixWriter, c corev1.Container, st *corev1.ContainerStatus) {
	p.line(1, "%s:", c.Name)
	if st != nil {
		p.line(2, "Container ID:\t%s", st.ContainerID)
	}
	p.line(2, "Image:\t%s", c.Image)
	if st != nil {
		p.line(2, "Image ID:\t%s", st.ImageID)
	}
	ports, hostPorts := "<none>", "<none>"
	if len(c.Ports) > 0 {
		var ps, hs []string
		for _, port := range c.Ports {
			ps = append(ps, fmt.Sprintf("%d/%s", port.ContainerPort, port.Protocol))
			hs = append(hs, fmt.Sprintf("%d/%s", port.HostPort, port.Protocol))
		}
		ports, hostPorts = strings.Join(ps, ", "), strings.Join(hs, ", ")
	}
	label := "Port"
	if len(c.Ports) > 1 {
		label = "Ports"
	}
	p.line(2, "%s:\t%s", label, ports)
	p.line(2, "Host %s:\t%s", label, hostPorts)
	if len(c.Command) > 0 {
		p.line(2, "Command:")
		for _, a := range c.Command {
			for _, l := range strings.Split(a, "\n") {
				p.line(3, "%s", l)
			}
		}
	}
	if len(c.Args) > 0 {
		p.line(2, "Args:")
		for _, a := range c.Args {
			for _, l := range strings.Split(a, "\n") {
				p.line(3, "%s", l)
			}
		}
	}
	if st != nil {
		describeState(p, "State", st.State)
		if st.LastTerminationState.Terminated != nil {
			describeState(p, "Last State", st.LastTerminationState)
		}
		p.line(2, "Ready:\t%s", titleBool(st.Ready))
		p.line(2, "Restart Count:\t%d", st.RestartCount)
	}
	describeResources(p, "Limits", c.Resources.Limits)
	describeResources(p, "Requests", c.Resources.Requests)
	for _, pr := range []struct {
		name  string
		probe *corev1.Probe
	}{{"Liveness", c.LivenessProbe}, {"Readiness", c.ReadinessProbe}, {"Startup", c.StartupProbe}} {
		if pr.probe != nil {
			p.line(2, "%s:\t%s", pr.name, ProbeString(pr.probe))
		}
	}
	describeEnv(p, c)
	if len(c.VolumeMounts) == 0 {
		p.line(2, "Mounts:\t<none>")
	} else {
		p.line(2, "Mounts:")
		for _, m := range c.VolumeMounts {
			flags := []string{}
			if m.ReadOnly {
				flags = append(flags, "ro")
			} else {
				flags = append(flags, "rw")
			}
			if m.SubPath != "" {
				flags = append(flags, "path=\""+m.SubPath+"\"")
			}
			p.line(3, "%s from %s (%s)", m.MountPath, m.Name, strings.Join(flags, ","))
		}
	}
}

func titleBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func describeState(p prefixWriter, title string, s corev1.ContainerState) {
	switch {
	case s.Running != nil:
		p.line(2, "%s:\tRunning", title)
		p.line(3, "Started:\t%s", describeTime(s.Running.StartedAt))
	case s.Waiting != nil:
		p.line(2, "%s:\tWaiting", title)
		p.line(3, "Reason:\t%s", s.Waiting.Reason)
		if s.Waiting.Message != "" {
			p.line(3, "Message:\t%s", s.Waiting.Message)
		}
	case s.Terminated != nil:
		t := s.Terminated
		p.line(2, "%s:\tTerminated", title)
		p.line(3, "Reason:\t%s", t.Reason)
		if t.Message != "" {
			p.line(3, "Message:\t%s", t.Message)
		}
		p.line(3, "Exit Code:\t%d", t.ExitCode)
		if t.Signal > 0 {
			p.line(3, "Signal:\t%d", t.Signal)
		}
		p.line(3, "Started:\t%s", describeTime(t.StartedAt))
		p.line(3, "Finished:\t%s", describeTime(t.FinishedAt))
	default:
		p.line(2, "%s:\tWaiting", title)
	}
}

func describeResources(p prefixWriter, title string, list corev1.ResourceList) {
	if len(list) == 0 {
		return
	}
	p.line(2, "%s:", title)
	names := make([]string, 0, len(list))
	for n := range list {
		names = append(names, string(n))
	}
	sort.Strings(names)
	for _, n := range names {
		q := list[corev1.ResourceName(n)]
		p.line(3, "%s:\t%s", n, q.String())
	}
}

// ProbeString renders a probe as kubectl describe does, e.g.
// "exec [cat /tmp/healthy] delay=5s timeout=1s period=5s #success=1 #failure=3".
func ProbeString(pr *corev1.Probe) string {
	attrs := fmt.Sprintf("delay=%ds timeout=%ds period=%ds #success=%d #failure=%d",
		pr.InitialDelaySeconds, pr.TimeoutSeconds, pr.PeriodSeconds, pr.SuccessThreshold, pr.FailureThreshold)
	switch {
	case pr.Exec != nil:
		return fmt.Sprintf("exec [%s] %s", strings.Join(pr.Exec.Command, " "), attrs)
	case pr.HTTPGet != nil:
		h := pr.HTTPGet
		url := fmt.Sprintf("%s://%s:%s%s", strings.ToLower(string(h.Scheme)), h.Host, h.Port.String(), h.Path)
		return fmt.Sprintf("http-get %s %s", url, attrs)
	case pr.TCPSocket != nil:
		return fmt.Sprintf("tcp-socket %s:%s %s", pr.TCPSocket.Host, pr.TCPSocket.Port.String(), attrs)
	case pr.GRPC != nil:
		return fmt.Sprintf("grpc <pod>:%d %s %s", pr.GRPC.Port, deref(pr.GRPC.Service), attrs)
	}
	return "unknown " + attrs
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func describeEnv(p prefixWriter, c corev1.Container) {
	if len(c.Env) == 0 && len(c.EnvFrom) == 0 {
		p.line(2, "Environment:\t<none>")
		return
	}
	if len(c.EnvFrom) > 0 {
		p.line(2, "Environment Variables from:")
		for _, f := range c.EnvFrom {
			switch {
			case f.ConfigMapRef != nil:
				p.line(3, "%s\tConfigMap\tOptional: %t", f.ConfigMapRef.Name, f.ConfigMapRef.Optional != nil && *f.ConfigMapRef.Optional)
			case f.SecretRef != nil:
				p.line(3, "%s\tSecret\tOptional: %t", f.SecretRef.Name, f.SecretRef.Optional != nil && *f.SecretRef.Optional)
			}
		}
	}
	if len(c.Env) == 0 {
		p.line(2, "Environment:\t<none>")
		return
	}
	p.line(2, "Environment:")
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			p.line(3, "%s:\t%s", e.Name, e.Value)
		case e.ValueFrom.FieldRef != nil:
			p.line(3, "%s:\t (%s:%s)", e.Name, e.ValueFrom.FieldRef.APIVersion, e.ValueFrom.FieldRef.FieldPath)
		case e.ValueFrom.ResourceFieldRef != nil:
			p.line(3, "%s:\t%s (%s)", e.Name, e.ValueFrom.ResourceFieldRef.Resource, e.ValueFrom.ResourceFieldRef.ContainerName)
		case e.ValueFrom.ConfigMapKeyRef != nil:
			r := e.ValueFrom.ConfigMapKeyRef
			p.line(3, "%s:\t<set to the key '%s' of config map '%s'>\tOptional: %t", e.Name, r.Key, r.Name, r.Optional != nil && *r.Optional)
		case e.ValueFrom.SecretKeyRef != nil:
			r := e.ValueFrom.SecretKeyRef
			p.line(3, "%s:\t<set to the key '%s' in secret '%s'>\tOptional: %t", e.Name, r.Key, r.Name, r.Optional != nil && *r.Optional)
		}
	}
}

func describeVolumes(p prefixWriter, vols []corev1.Volume) {
	if len(vols) == 0 {
		p.line(0, "Volumes:\t<none>")
		return
	}
	p.line(0, "Volumes:")
	for _, v := range vols {
		p.line(1, "%s:", v.Name)
		switch {
		case v.EmptyDir != nil:
			p.line(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)")
			p.line(2, "Medium:\t%s", v.EmptyDir.Medium)
			limit := "<unset>"
			if v.EmptyDir.SizeLimit != nil {
				limit = v.EmptyDir.SizeLimit.String()
			}
			p.line(2, "SizeLimit:\t%s", limit)
		case v.HostPath != nil:
			typ := ""
			if v.HostPath.Type != nil {
				typ = string(*v.HostPath.Type)
			}
			p.line(2, "Type:\tHostPath (bare host directory volume)")
			p.line(2, "Path:\t%s", v.HostPath.Path)
			p.line(2, "HostPathType:\t%s", typ)
		case v.ConfigMap != nil:
			p.line(2, "Type:\tConfigMap (a volume populated by a ConfigMap)")
			p.line(2, "Name:\t%s", v.ConfigMap.Name)
			p.line(2, "Optional:\t%t", v.ConfigMap.Optional != nil && *v.ConfigMap.Optional)
		case v.Secret != nil:
			p.line(2, "Type:\tSecret (a volume populated by a Secret)")
			p.line(2, "SecretName:\t%s", v.Secret.SecretName)
			p.line(2, "Optional:\t%t", v.Secret.Optional != nil && *v.Secret.Optional)
		case v.DownwardAPI != nil:
			p.line(2, "Type:\tDownwardAPI (a volume populated by information about the pod)")
			p.line(2, "Items:")
			for _, it := range v.DownwardAPI.Items {
				if it.FieldRef != nil {
					p.line(3, "%s -> %s", it.FieldRef.FieldPath, it.Path)
				} else if it.ResourceFieldRef != nil {
					p.line(3, "%s -> %s", it.ResourceFieldRef.Resource, it.Path)
				}
			}
		case v.Projected != nil:
			p.line(2, "Type:\tProjected (a volume that contains injected data from multiple sources)")
		default:
			p.line(2, "Type:\t<unknown>")
		}
	}
}

func describeTolerations(p prefixWriter, ts []corev1.Toleration) {
	if len(ts) == 0 {
		p.line(0, "Tolerations:\t<none>")
		return
	}
	for i, t := range ts {
		s := t.Key
		if t.Value != "" {
			s += "=" + t.Value
		}
		if t.Effect != "" {
			s += ":" + string(t.Effect)
		}
		if t.Operator == corev1.TolerationOpExists && t.Value == "" {
			if t.Key != "" || t.Effect != "" {
				s += " "
			}
			s += "op=Exists"
		}
		if t.TolerationSeconds != nil {
			s += fmt.Sprintf(" for %ds", *t.TolerationSeconds)
		}
		if i == 0 {
			p.line(0, "Tolerations:\t%s", s)
		} else {
			p.line(0, "\t%s", s)
		}
	}
}
