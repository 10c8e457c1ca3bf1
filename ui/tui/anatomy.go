package tui

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// anatomy shows what Kubernetes hides: the pause container holding the
// pod's namespaces, which namespaces each container shares, and the volumes
// and where they are mounted.
func anatomy(p *corev1.Pod, s styles) []string {
	shared := []string{"net", "ipc", "uts"}
	if p.Spec.ShareProcessNamespace != nil && *p.Spec.ShareProcessNamespace {
		shared = append(shared, "pid")
	}
	host := []string{}
	if p.Spec.HostNetwork {
		host = append(host, "net")
	}
	if p.Spec.HostPID {
		host = append(host, "pid")
	}
	if p.Spec.HostIPC {
		host = append(host, "ipc")
	}
	ip := p.Status.PodIP
	if ip == "" {
		ip = "no IP yet"
	}
	out := []string{
		s.Header.Render(fmt.Sprintf("pod %s on %s · IP %s · hostname %s", p.Name, orDash(p.Spec.NodeName), ip, p.Name)),
		fmt.Sprintf("┌ pause (sandbox) — holds namespaces: %s", strings.Join(shared, ", ")),
	}
	if len(host) > 0 {
		out = append(out, fmt.Sprintf("│   uses the node's own: %s", strings.Join(host, ", ")))
	}
	if p.Spec.ShareProcessNamespace == nil || !*p.Spec.ShareProcessNamespace {
		out = append(out, "│   (each container has its own pid namespace: shareProcessNamespace is off)")
	}
	line := func(kind string, c corev1.Container, st *corev1.ContainerStatus) {
		state := "waiting"
		if st != nil {
			switch {
			case st.State.Running != nil:
				state = "running"
			case st.State.Terminated != nil:
				state = fmt.Sprintf("terminated (%s, exit %d)", st.State.Terminated.Reason, st.State.Terminated.ExitCode)
			case st.State.Waiting != nil:
				state = st.State.Waiting.Reason
			}
			if st.RestartCount > 0 {
				state += fmt.Sprintf(", %d restarts", st.RestartCount)
			}
		}
		out = append(out, fmt.Sprintf("├─ %s %s [%s] joins %s — %s", kind, c.Name, c.Image, strings.Join(shared, ", "), state))
		for _, vm := range c.VolumeMounts {
			mode := "rw"
			if vm.ReadOnly {
				mode = "ro"
			}
			out = append(out, fmt.Sprintf("│     mounts %s at %s (%s)", vm.Name, vm.MountPath, mode))
		}
	}
	for _, c := range p.Spec.InitContainers {
		line("init", c, findStatus(p.Status.InitContainerStatuses, c.Name))
	}
	for _, c := range p.Spec.Containers {
		line("app", c, findStatus(p.Status.ContainerStatuses, c.Name))
	}
	if len(p.Spec.Volumes) > 0 {
		out = append(out, "└ volumes:")
		for _, v := range p.Spec.Volumes {
			out = append(out, "    "+v.Name+": "+volumeKind(v))
		}
	} else {
		out = append(out, "└ no volumes")
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func findStatus(list []corev1.ContainerStatus, name string) *corev1.ContainerStatus {
	for i := range list {
		if list[i].Name == name {
			return &list[i]
		}
	}
	return nil
}

func volumeKind(v corev1.Volume) string {
	switch {
	case v.EmptyDir != nil:
		return "emptyDir (lives and dies with the pod)"
	case v.HostPath != nil:
		return "hostPath " + v.HostPath.Path + " (on the node's disk)"
	case v.ConfigMap != nil:
		return "configMap " + v.ConfigMap.Name
	case v.Secret != nil:
		return "secret " + v.Secret.SecretName
	case v.DownwardAPI != nil:
		return "downwardAPI (the pod's own fields as files)"
	case v.Projected != nil:
		return "projected"
	}
	return "other"
}
