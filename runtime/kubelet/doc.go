// Package kubelet is the node agent of one virtual node: it watches the pods
// bound to its node through the API (an informer on spec.nodeName, as the
// kubelet's API source does) and makes the container engine match them —
// a pause sandbox per pod, init containers in order, app containers with
// restart policy and crash-loop backoff, volumes, the kubelet-managed
// /etc/hosts, probes, hooks, graceful termination. Like every other writer
// it changes the cluster only through the API server: pod status through
// pods/status (and only when it changed), the final removal of a terminated
// pod by a delete with grace 0, its Node through nodes and nodes/status, its
// heartbeat as a Lease in kube-node-lease, events through the recorder. It
// also serves the API server's logs, exec, attach and port-forward (PodIO).
// It talks to the engine only through cri.ContainerRuntime.
package kubelet
