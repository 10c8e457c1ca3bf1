package printers

import (
	"fmt"
	"math"
	"net"
	"net/url"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// describeContainers writes the "Containers:" or "Init Containers:" block
// (kubectl's describeContainers). space is what kubectl puts before the
// title inside a pod template ("  "); there each container's name moves
// one space right, as kubectl's describeContainerBasicInfo does.
func describeContainers(p prefixWriter, space, title string, pod *corev1.Pod, containers []corev1.Container, statuses []corev1.ContainerStatus) {
	if len(containers) == 0 {
		p.line(0, "%s%s: <none>", space, title)
	} else {
		p.line(0, "%s%s:", space, title)
	}
	for i := range containers {
		c := &containers[i]
		var st *corev1.ContainerStatus
		for j := range statuses {
			if statuses[j].Name == c.Name {
				st = &statuses[j]
			}
		}
		describeContainer(p, space != "", pod, c, st)
	}
}

func describeContainer(p prefixWriter, inTemplate bool, pod *corev1.Pod, c *corev1.Container, st *corev1.ContainerStatus) {
	nameIndent := ""
	if inTemplate {
		nameIndent = " "
	}
	p.line(1, "%s%s:", nameIndent, c.Name)
	if st != nil {
		p.line(2, "Container ID:\t%s", st.ContainerID)
	}
	p.line(2, "Image:\t%s", c.Image)
	if st != nil {
		p.line(2, "Image ID:\t%s", st.ImageID)
	}
	// One port is "Port:", several (joined by ", ") are "Ports:"; a named
	// port carries its name on both lines, as kubectl's.
	ports, hostPorts := make([]string, 0, len(c.Ports)), make([]string, 0, len(c.Ports))
	for _, port := range c.Ports {
		named := ""
		if port.Name != "" {
			named = " (" + port.Name + ")"
		}
		ports = append(ports, fmt.Sprintf("%d/%s%s", port.ContainerPort, port.Protocol, named))
		hostPorts = append(hostPorts, fmt.Sprintf("%d/%s%s", port.HostPort, port.Protocol, named))
	}
	if len(c.Ports) > 1 {
		p.line(2, "Ports:\t%s", strings.Join(ports, ", "))
		p.line(2, "Host Ports:\t%s", strings.Join(hostPorts, ", "))
	} else {
		p.line(2, "Port:\t%s", orNone(strings.Join(ports, "")))
		p.line(2, "Host Port:\t%s", orNone(strings.Join(hostPorts, "")))
	}
	if sc := c.SecurityContext; sc != nil && sc.SeccompProfile != nil {
		p.line(2, "SeccompProfile:\t%s", sc.SeccompProfile.Type)
		if sc.SeccompProfile.Type == corev1.SeccompProfileTypeLocalhost && sc.SeccompProfile.LocalhostProfile != nil {
			p.line(3, "LocalhostProfile:\t%s", *sc.SeccompProfile.LocalhostProfile)
		}
	}
	printArgv(p, "Command", c.Command)
	printArgv(p, "Args", c.Args)
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
		title string
		probe *corev1.Probe
	}{{"Liveness", c.LivenessProbe}, {"Readiness", c.ReadinessProbe}, {"Startup", c.StartupProbe}} {
		if pr.probe != nil {
			p.line(2, "%s:\t%s", pr.title, ProbeString(pr.probe))
		}
	}
	if len(c.EnvFrom) > 0 {
		describeEnvFrom(p, c.EnvFrom)
	}
	describeEnv(p, pod, c)
	describeMounts(p, c)
}

// printArgv prints a command or args list, one item (and each line of a
// multi-line item) per line.
func printArgv(p prefixWriter, title string, argv []string) {
	if len(argv) == 0 {
		return
	}
	p.line(2, "%s:", title)
	for _, a := range argv {
		for _, l := range strings.Split(a, "\n") {
			p.line(3, "%s", l)
		}
	}
}

func titleBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// describeState is kubectl's describeStatus for State and Last State.
func describeState(p prefixWriter, title string, s corev1.ContainerState) {
	switch {
	case s.Running != nil:
		p.line(2, "%s:\tRunning", title)
		p.line(3, "Started:\t%s", describeTime(s.Running.StartedAt))
	case s.Waiting != nil:
		p.line(2, "%s:\tWaiting", title)
		if s.Waiting.Reason != "" {
			p.line(3, "Reason:\t%s", s.Waiting.Reason)
		}
	case s.Terminated != nil:
		t := s.Terminated
		p.line(2, "%s:\tTerminated", title)
		if t.Reason != "" {
			p.line(3, "Reason:\t%s", t.Reason)
		}
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

// describeResources prints Limits or Requests, resource names sorted.
func describeResources(p prefixWriter, title string, list corev1.ResourceList) {
	if len(list) == 0 {
		return
	}
	p.line(2, "%s:", title)
	for _, name := range sortedResourceNames(list) {
		q := list[name]
		p.line(3, "%s:\t%s", name, q.String())
	}
}

func sortedResourceNames(list corev1.ResourceList) []corev1.ResourceName {
	names := make([]corev1.ResourceName, 0, len(list))
	for n := range list {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return names[i] < names[j] })
	return names
}

// ProbeString renders a probe as kubectl describe's DescribeProbe does, e.g.
// "exec [cat /tmp/healthy] delay=5s timeout=1s period=5s #success=1 #failure=3"
// or "http-get http://:8080/healthz delay=0s timeout=1s ...".
func ProbeString(pr *corev1.Probe) string {
	attrs := fmt.Sprintf("delay=%ds timeout=%ds period=%ds #success=%d #failure=%d",
		pr.InitialDelaySeconds, pr.TimeoutSeconds, pr.PeriodSeconds, pr.SuccessThreshold, pr.FailureThreshold)
	switch {
	case pr.Exec != nil:
		return fmt.Sprintf("exec %v %s", pr.Exec.Command, attrs)
	case pr.HTTPGet != nil:
		h := pr.HTTPGet
		u := url.URL{Scheme: strings.ToLower(string(h.Scheme)), Host: h.Host, Path: h.Path}
		if port := h.Port.String(); port != "" {
			u.Host = net.JoinHostPort(h.Host, port)
		}
		return fmt.Sprintf("http-get %s %s", u.String(), attrs)
	case pr.TCPSocket != nil:
		return fmt.Sprintf("tcp-socket %s:%s %s", pr.TCPSocket.Host, pr.TCPSocket.Port.String(), attrs)
	case pr.GRPC != nil:
		service := ""
		if pr.GRPC.Service != nil {
			service = *pr.GRPC.Service
		}
		return fmt.Sprintf("grpc <pod>:%d %s %s", pr.GRPC.Port, service, attrs)
	}
	return "unknown " + attrs
}

// describeEnvFrom is kubectl's "Environment Variables from:" block.
func describeEnvFrom(p prefixWriter, sources []corev1.EnvFromSource) {
	p.line(2, "Environment Variables from:")
	for _, f := range sources {
		var kind, name string
		optional := false
		switch {
		case f.ConfigMapRef != nil:
			kind, name = "ConfigMap", f.ConfigMapRef.Name
			optional = f.ConfigMapRef.Optional != nil && *f.ConfigMapRef.Optional
		case f.SecretRef != nil:
			kind, name = "Secret", f.SecretRef.Name
			optional = f.SecretRef.Optional != nil && *f.SecretRef.Optional
		}
		if f.Prefix == "" {
			p.line(3, "%s\t%s\tOptional: %t", name, kind, optional)
		} else {
			p.line(3, "%s\t%s with prefix '%s'\tOptional: %t", name, kind, f.Prefix, optional)
		}
	}
}

// describeEnv is kubectl's "Environment:" block: literal values (one line
// per line of the value), "<value> (v1:metadata.name)" for field refs,
// "<value> (limits.memory)" for resource refs, and the config map and
// secret key forms.
func describeEnv(p prefixWriter, pod *corev1.Pod, c *corev1.Container) {
	if len(c.Env) == 0 {
		p.line(2, "Environment:\t<none>")
		return
	}
	p.line(2, "Environment:")
	for _, e := range c.Env {
		from := e.ValueFrom
		switch {
		case from == nil:
			for i, l := range strings.Split(e.Value, "\n") {
				if i == 0 {
					p.line(3, "%s:\t%s", e.Name, l)
				} else {
					p.line(3, "\t%s", l)
				}
			}
		case from.FieldRef != nil:
			p.line(3, "%s:\t%s (%s:%s)", e.Name, fieldRefValue(pod, from.FieldRef.FieldPath), from.FieldRef.APIVersion, from.FieldRef.FieldPath)
		case from.ResourceFieldRef != nil:
			p.line(3, "%s:\t%s (%s)", e.Name, resourceRefValue(from.ResourceFieldRef, c), from.ResourceFieldRef.Resource)
		case from.SecretKeyRef != nil:
			r := from.SecretKeyRef
			p.line(3, "%s:\t<set to the key '%s' in secret '%s'>\tOptional: %t", e.Name, r.Key, r.Name, r.Optional != nil && *r.Optional)
		case from.ConfigMapKeyRef != nil:
			r := from.ConfigMapKeyRef
			p.line(3, "%s:\t<set to the key '%s' of config map '%s'>\tOptional: %t", e.Name, r.Key, r.Name, r.Optional != nil && *r.Optional)
		}
	}
}

// fieldRefValue resolves a downward-API field as kubectl describe does: its
// scheme converts only metadata.name and metadata.namespace, so every other
// field path shows an empty value.
func fieldRefValue(pod *corev1.Pod, path string) string {
	if pod == nil { // a pod template: kubectl passes no resolver and prints no value
		return ""
	}
	switch path {
	case "metadata.name":
		return pod.Name
	case "metadata.namespace":
		return pod.Namespace
	}
	return ""
}

// resourceRefValue is the container's limit or request in units of the
// divisor, rounded up (upstream ExtractContainerResourceValue); an unset
// cpu or memory limit reads "node allocatable".
func resourceRefValue(ref *corev1.ResourceFieldSelector, c *corev1.Container) string {
	divisor := ref.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	var q resource.Quantity
	kind, name, _ := strings.Cut(ref.Resource, ".")
	switch kind {
	case "limits":
		q = c.Resources.Limits[corev1.ResourceName(name)]
	case "requests":
		q = c.Resources.Requests[corev1.ResourceName(name)]
	default:
		return ""
	}
	var v int64
	if name == string(corev1.ResourceCPU) {
		v = int64(math.Ceil(float64(q.MilliValue()) / float64(divisor.MilliValue())))
	} else {
		v = int64(math.Ceil(float64(q.Value()) / float64(divisor.Value())))
	}
	if v == 0 && (ref.Resource == "limits.cpu" || ref.Resource == "limits.memory") {
		return "node allocatable"
	}
	return fmt.Sprint(v)
}

// describeMounts is kubectl's "Mounts:" block, sorted by mount path:
// "/path from volume (ro|rw[,path=\"sub\"])".
func describeMounts(p prefixWriter, c *corev1.Container) {
	if len(c.VolumeMounts) == 0 {
		p.line(2, "Mounts:\t<none>")
	} else {
		p.line(2, "Mounts:")
	}
	mounts := append([]corev1.VolumeMount(nil), c.VolumeMounts...)
	sort.SliceStable(mounts, func(i, j int) bool { return mounts[i].MountPath < mounts[j].MountPath })
	for _, m := range mounts {
		flags := []string{"rw"}
		if m.ReadOnly {
			flags[0] = "ro"
		}
		if m.SubPath != "" {
			flags = append(flags, fmt.Sprintf("path=%q", m.SubPath))
		}
		p.line(3, "%s from %s (%s)", m.MountPath, m.Name, strings.Join(flags, ","))
	}
	if len(c.VolumeDevices) > 0 {
		p.line(2, "Devices:")
		devices := append([]corev1.VolumeDevice(nil), c.VolumeDevices...)
		sort.SliceStable(devices, func(i, j int) bool { return devices[i].DevicePath < devices[j].DevicePath })
		for _, d := range devices {
			p.line(3, "%s from %s", d.DevicePath, d.Name)
		}
	}
}
