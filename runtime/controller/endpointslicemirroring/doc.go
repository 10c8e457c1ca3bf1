// Package endpointslicemirroring copies hand-made Endpoints into
// EndpointSlices, as kube-controller-manager's EndpointSliceMirroring
// controller (pkg/controller/endpointslicemirroring, release v1.37) does,
// so a Service without a selector routes to the addresses a learner wrote.
//
// An Endpoints is mirrored when a Service of its name exists and has no
// selector, unless the Endpoints is labelled
// endpointslice.kubernetes.io/skip-mirror: "true" or carries the
// control-plane.alpha.kubernetes.io/leader annotation; otherwise the slices
// mirrored for it are deleted (when the Endpoints or the Service goes, or
// the Service gains a selector). Each subset (after canonical repacking)
// becomes one slice per address type, holding at most 1000 addresses
// (--mirroring-max-endpoints-per-subset): addresses first, then
// notReadyAddresses, as endpoints with the ready condition true or false,
// their targetRef, nodeName and hostname kept. Addresses past the limit are
// skipped with a TooManyAddressesToMirror warning event on the Endpoints,
// invalid IPs with an InvalidIPAddress one; a subset without addresses gets
// no slice.
//
// Slices are named <endpoints>-<random> (generateName), owned by the
// Endpoints (a controller ownerReference), labelled with the Endpoints'
// labels plus kubernetes.io/service-name: <name> and
// endpointslice.kubernetes.io/managed-by: endpointslicemirroring-controller.k8s.io,
// and annotated with the Endpoints' annotations but
// endpoints.kubernetes.io/last-change-trigger-time and kubectl's
// last-applied-configuration. A slice is written only when its endpoints,
// labels or annotations differ; a slice no longer needed is reused for a
// new port set before another is created.
//
// It follows Endpoints, Services and EndpointSlices through client-go
// informers and runs on runtime/controller/reconcile's loop.
package endpointslicemirroring
