// Package kubelet is the node agent of one virtual node: it watches the pods
// bound to its node and makes the container engine match them, the way the
// Kubernetes kubelet does — a pause sandbox per pod, init containers in order,
// app containers with restart policy and crash-loop backoff, volumes, the
// kubelet-managed /etc/hosts, graceful termination — and it writes pod status
// (phase, conditions, container statuses) and events back to the store.
// It talks to the engine only through cri.ContainerRuntime.
package kubelet
