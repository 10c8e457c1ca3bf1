// Package servicenet is the lab's kube-proxy and cluster DNS, on the
// control plane's side: it follows Services and EndpointSlices through
// client-go informers and keeps the table of the lab's proxy container
// (runtime/engine's proxy, runtime/images/box's podlab-proxy) — each TCP
// port of each cluster IP with its ready endpoints, and the DNS names of
// the Services — written as one JSON file the proxy re-reads within 100 ms.
// It serves the NodePorts itself, on the loopback of the learner's machine,
// and keeps the kube-system/kube-dns Service at the DNS address.
//
// The rules are kube-proxy's (pkg/proxy, v1.37) for the endpoints used:
// those whose ready condition is true (a missing condition counts as
// ready); when a port has none, the serving terminating ones
// (ProxyTerminatingEndpoints); sessionAffinity ClientIP keeps a client on
// one endpoint. The DNS names are the Kubernetes DNS specification's
// (CoreDNS's kubernetes plugin): <service>.<namespace>.svc.<cluster
// domain> is the cluster IP, or for a headless Service the addresses of
// its ready endpoints, and <hostname>.<service>.<namespace>.svc.<domain>
// each endpoint with a hostname.
//
// It imports the API, the engine's proxy interface (EnsureProxy) and the
// box's table and forwarder.
package servicenet
