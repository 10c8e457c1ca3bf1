package kubelet

import (
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/kubelet/cri"
)

// labOptIn is how a learner lets the lab run what reaches beyond a sandbox.
const labOptIn = `(start it with "podlab up --allow-privileged")`

// errPrivileged refuses a privileged container, at the container's start.
var errPrivileged = errors.New("privileged containers are not allowed in this lab " + labOptIn)

// refuseHostNamespaces is the kubelet's backstop for pods in the host's
// namespaces (upstream's canRunPod checks hostNetwork, hostPID and hostIPC
// against the sources allowed to use them): without the lab's opt-in no
// sandbox is created for them, as a privileged container is never created
// without it. A sandbox already running is left alone, as is a privileged
// container already running.
func (k *Kubelet) refuseHostNamespaces(pod *corev1.Pod, view podView) error {
	if k.cfg.AllowPrivileged || view.sandbox != nil && view.sandbox.State == cri.StateRunning {
		return nil
	}
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
	if len(shared) == 0 {
		return nil
	}
	return fmt.Errorf("pods sharing the host's %s namespace are not allowed in this lab %s", strings.Join(shared, ", "), labOptIn)
}

func privileged(c *corev1.Container) bool {
	return c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged
}
