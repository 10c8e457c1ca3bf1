// Package registry is the one road every write to the lab takes: the REST
// storage of each resource the API serves, built on upstream's generic
// registry (k8s.io/apiserver/pkg/registry/generic/registry.Store) with the
// lab's strategies — preparation for create and update, validation with
// upstream's messages, graceful deletion, status subresources, dry run — and
// the pod subresources (binding, log, exec, attach, portforward) handed to
// the node agent. The HTTP handlers call it, and so, through the API, do the
// scheduler, the kubelet and every controller.
//
// The workload kinds (apps/v1, batch/v1, replication controllers) share
// upstream's spec/status rules (workload_strategy.go) and its default
// garbage collection policies, so a delete leaves the finalizers a garbage
// collector acts on; deployments, replica sets, stateful sets and
// replication controllers have autoscaling/v1 scale subresources
// (scale.go). Services get their cluster IPs and node ports from the
// service allocator (service_alloc.go), as kube-apiserver's registry
// allocates them around each write.
//
// It imports runtime/api (types, defaults, validation), runtime/tables (the
// columns of server-side tables) and runtime/streaming (the exec and
// port-forward protocols).
package registry
