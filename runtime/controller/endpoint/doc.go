// Package endpoint keeps the Endpoints of every Service that has a
// selector, as kube-controller-manager's endpoint controller
// (pkg/controller/endpoint, release v1.37) does.
//
// For each Service it lists the pods of its namespace its selector
// matches, and leaves out those that are terminal (Succeeded, Failed), have
// no IP yet, or are terminating (unless publishNotReadyAddresses). Each
// remaining pod is an address — its IPv4, nodeName, a targetRef to the pod,
// and its hostname when its spec.subdomain names the Service — under
// addresses when it is Ready (or publishNotReadyAddresses is set) and under
// notReadyAddresses otherwise. Every Service port is resolved per pod: a
// numbered targetPort as is, a named one to the containerPort of that name
// and protocol on that pod (a pod without it offers the Service nothing on
// that port); a headless Service without ports gets its addresses with no
// ports. The result is repacked as the API wants it: addresses offering the
// same set of ports share a subset, in a stable order.
//
// The Endpoints carry the Service's labels, plus service.kubernetes.io/headless
// for a headless Service and endpoints.kubernetes.io/managed-by:
// endpoint-controller; the annotation endpoints.kubernetes.io/last-change-trigger-time
// says when the change they reflect began (endpointutil.TriggerTimeTracker),
// and endpoints.kubernetes.io/over-capacity: truncated that more than 1000
// addresses were cut to 1000. An Endpoints is written only when its subsets,
// labels or capacity annotation differ. A Service without a selector is
// left alone, so its Endpoints can be made by hand; the Endpoints of a
// deleted Service are deleted.
//
// It follows Services, pods and Endpoints through client-go informers.
package endpoint
