package admission

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/admission"
)

// HostAccess refuses pods that would reach beyond their sandbox unless
// Allowed (podlab up --allow-privileged).
type HostAccess struct{ Allowed bool }

var _ admission.ValidationInterface = HostAccess{}

// dockerDefaultCapabilities are the capabilities every Docker container has
// already; adding one of them changes nothing, so it needs no opt-in.
var dockerDefaultCapabilities = sets.New[corev1.Capability](
	"CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
	"SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
)

const optIn = `unless it was started with "podlab up --allow-privileged"`

func (HostAccess) Handles(op admission.Operation) bool {
	return op == admission.Create || op == admission.Update
}

func (h HostAccess) Validate(_ context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	pod, ok := a.GetObject().(*corev1.Pod)
	if h.Allowed || !ok || a.GetSubresource() != "" {
		return nil
	}
	if reason := hostAccess(pod); reason != "" {
		return admission.NewForbidden(a, fmt.Errorf("%s, and this lab does not run such pods %s", reason, optIn))
	}
	return nil
}

// hostAccess says how pod would reach the host, or "".
func hostAccess(pod *corev1.Pod) string {
	var shared []string
	if pod.Spec.HostNetwork {
		shared = append(shared, "network (hostNetwork)")
	}
	if pod.Spec.HostPID {
		shared = append(shared, "PID (hostPID)")
	}
	if pod.Spec.HostIPC {
		shared = append(shared, "IPC (hostIPC)")
	}
	if len(shared) > 0 {
		return fmt.Sprintf("pod %q shares the host's %s namespace", pod.Name, strings.Join(shared, ", "))
	}
	for _, c := range allContainers(pod) {
		sc := c.SecurityContext
		if sc == nil {
			continue
		}
		if sc.Privileged != nil && *sc.Privileged {
			return fmt.Sprintf("container %q is privileged", c.Name)
		}
		if sc.Capabilities != nil {
			for _, cap := range sc.Capabilities.Add {
				if !dockerDefaultCapabilities.Has(corev1.Capability(strings.TrimPrefix(strings.ToUpper(string(cap)), "CAP_"))) {
					return fmt.Sprintf("container %q adds the capability %s", c.Name, cap)
				}
			}
		}
	}
	return ""
}

func allContainers(pod *corev1.Pod) []corev1.Container {
	return append(append([]corev1.Container(nil), pod.Spec.InitContainers...), pod.Spec.Containers...)
}
