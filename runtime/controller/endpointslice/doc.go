// Package endpointslice keeps the EndpointSlices of every Service that has
// a selector, as kube-controller-manager's endpointslice controller
// (pkg/controller/endpointslice and staging endpointslice's reconciler,
// release v1.37) does.
//
// A Service's pods are chosen as for Endpoints (runtime/controller/endpoint)
// except that terminating pods stay, marked: each endpoint has conditions
// serving (the pod is Ready), terminating (its deletionTimestamp is set)
// and ready (serving and not terminating — or always, with
// publishNotReadyAddresses). An endpoint is the pod's IPv4 address (the
// lab's services are IPv4 single-stack: addressType IPv4), with a
// targetRef to the pod, its nodeName, its node's topology.kubernetes.io/zone
// and its hostname when its subdomain names the Service. Ports are
// resolved per pod (named targetPorts to that pod's containerPort), and
// endpoints with the same ports share slices of at most 100 endpoints
// (--max-endpoints-per-slice); a Service with no endpoints keeps one empty
// placeholder slice.
//
// Slices are named <service>-<random> (generateName), owned by their
// Service (a controller ownerReference, so the garbage collector deletes
// them with it), labelled kubernetes.io/service-name: <service> and
// endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io,
// plus the Service's own labels and service.kubernetes.io/headless for a
// headless Service, and annotated with endpoints.kubernetes.io/last-change-trigger-time
// when written. Only slices whose content changes are written; slices of
// this controller the Service no longer needs are deleted. Services
// without a selector, and ExternalName ones, get no slices from it
// (runtime/controller/endpointslicemirroring copies their hand-made
// Endpoints into slices, as upstream's mirroring controller does).
//
// It follows Services, pods, nodes and EndpointSlices through client-go
// informers.
package endpointslice
