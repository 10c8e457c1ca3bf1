// Package status computes a Pod's status the way the kubelet does: each
// container's state, lastState, restartCount and readiness, the pod phase, and
// the conditions (PodReadyToStartContainers, Initialized, ContainersReady,
// Ready, PodScheduled kept) with upstream's reasons and messages. Pure
// functions over what the kubelet observed; no Docker, no store.
package status

import (
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/kubelet/cri"
)

// Container is what the kubelet observed about one init or app container.
type Container struct {
	Spec *corev1.Container
	// Current is the newest engine instance of the container (nil: never created).
	Current *cri.ContainerInfo
	// Previous is the instance before Current, which becomes lastState.
	Previous *cri.ContainerInfo
	// Waiting, when set, is why the kubelet holds the container back
	// (ContainerCreating, PodInitializing, CrashLoopBackOff, ErrImagePull,
	// ImagePullBackOff, ErrImageNeverPull, CreateContainerConfigError, ...);
	// it wins over an exited Current (which then moves to lastState).
	Waiting *corev1.ContainerStateWaiting
	// Ready is the readiness result (no readiness probe: true while running).
	Ready bool
	// Started is the startup result (no startup probe: true while running).
	Started bool
	// ImageName is the image as the pod spec names it; ImageID what ran.
	ImageName string
}

// Observation is a snapshot of one pod on the node.
type Observation struct {
	Pod     *corev1.Pod
	Sandbox *cri.ContainerInfo // nil: no sandbox yet
	Init    []Container        // in spec order
	Apps    []Container        // in spec order
	HostIP  string
	Now     time.Time
	// Terminal says the pod's containers were stopped for good (the pod is
	// being deleted): its phase becomes Succeeded or Failed before it goes,
	// as the kubelet does since Kubernetes 1.27.
	Terminal bool
}
