// Package registry is the one road every write to the lab takes: the REST
// storage of each resource the API serves, built on upstream's generic
// registry (k8s.io/apiserver/pkg/registry/generic/registry.Store) with the
// lab's strategies — preparation for create and update, validation with
// upstream's messages, graceful deletion, status subresources, dry run — and
// the pod subresources (binding, log, exec, attach, portforward) handed to
// the node agent. The HTTP handlers call it, and so, through the API, do the
// scheduler, the kubelet and every controller.
//
// It imports runtime/api (types, defaults, validation), runtime/tables (the
// columns of server-side tables) and runtime/streaming (the exec and
// port-forward protocols).
package registry
