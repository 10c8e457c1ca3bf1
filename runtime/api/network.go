package api

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"
)

// The lab's service network, as kube-apiserver's flags set a cluster's.
const (
	// ServiceCIDR is the range cluster IPs are allocated from
	// (kube-apiserver's --service-cluster-ip-range; kubeadm's default). It
	// stays clear of Docker's default address pools (172.17.0.0/16 to
	// 172.31.0.0/16 and 192.168.0.0/16), from which the lab's node and pod
	// networks come, so a Service's IP never shadows a pod's. The lab's
	// services are single-stack IPv4.
	ServiceCIDR = "10.96.0.0/16"

	// NodePortMin and NodePortMax bound the ports NodePort and LoadBalancer
	// services get on every node (--service-node-port-range, 30000-32767).
	NodePortMin = 30000
	NodePortMax = 32767

	// KubernetesServiceName is the Service in the default namespace that
	// fronts the API server, at the first address of ServiceCIDR, port 443.
	KubernetesServiceName = "kubernetes"
)

// ServicePrefix is ServiceCIDR parsed.
var ServicePrefix = netip.MustParsePrefix(ServiceCIDR)

// KubernetesServiceIP is the cluster IP of the kubernetes Service: the
// first address of the range (10.96.0.1), as kube-apiserver reserves it.
var KubernetesServiceIP = ServicePrefix.Masked().Addr().Next()

// NeedsClusterIP tells whether a service of this type gets cluster IPs
// (every type but ExternalName; "None" counts as a value).
func NeedsClusterIP(s *corev1.Service) bool {
	return s.Spec.Type != corev1.ServiceTypeExternalName
}

// NeedsNodePorts tells whether the service's type has node ports
// (NodePort and LoadBalancer; upstream's needsNodePort).
func NeedsNodePorts(s *corev1.Service) bool {
	return s.Spec.Type == corev1.ServiceTypeNodePort || s.Spec.Type == corev1.ServiceTypeLoadBalancer
}

// AllocatesNodePorts tells whether ports without a node port get one:
// NodePort services, and LoadBalancer ones unless they opt out
// (allocateLoadBalancerNodePorts: false), as upstream's
// shouldAllocateNodePorts. A node port asked for is always honoured.
func AllocatesNodePorts(s *corev1.Service) bool {
	switch s.Spec.Type {
	case corev1.ServiceTypeNodePort:
		return true
	case corev1.ServiceTypeLoadBalancer:
		return s.Spec.AllocateLoadBalancerNodePorts == nil || *s.Spec.AllocateLoadBalancerNodePorts
	}
	return false
}

// NeedsHealthCheckNodePort is upstream's NeedsHealthCheck: a LoadBalancer
// service whose external traffic stays on the node (policy Local).
func NeedsHealthCheckNodePort(s *corev1.Service) bool {
	return s.Spec.Type == corev1.ServiceTypeLoadBalancer && s.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal
}

// The lab's cluster DNS, as kubeadm sets a cluster's.
const (
	// ClusterDomain is the kubelet's --cluster-domain.
	ClusterDomain = "cluster.local"
	// DNSServiceName is the Service in kube-system that fronts the DNS
	// server (kubeadm's kube-dns, in front of CoreDNS).
	DNSServiceName = "kube-dns"
)

// DNSServiceIP is the DNS server's cluster IP, the tenth address of the
// range (10.96.0.10: kubeadm's clusterDNS), the kubelet's --cluster-dns.
var DNSServiceIP = func() netip.Addr {
	a := ServicePrefix.Masked().Addr()
	for range 10 {
		a = a.Next()
	}
	return a
}()
