package api

import (
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// defaultService is core/v1's SetDefaults_Service: affinity None (and no
// affinity config with it; ClientIP gets upstream's 10800 s timeout), type
// ClusterIP, each port TCP with targetPort = port, externalTrafficPolicy
// Cluster for an externally accessible service, internalTrafficPolicy
// Cluster for ClusterIP, NodePort and LoadBalancer services, node ports for
// load balancers, and the VIP mode of a load balancer's ingress IPs. The
// cluster IPs, IP families and policy are not defaults: the registry sets
// them when it allocates (runtime/registry's service allocator).
func defaultService(s *corev1.Service) {
	sp := &s.Spec
	if sp.SessionAffinity == "" {
		sp.SessionAffinity = corev1.ServiceAffinityNone
	}
	if sp.SessionAffinity == corev1.ServiceAffinityNone {
		sp.SessionAffinityConfig = nil
	}
	if sp.SessionAffinity == corev1.ServiceAffinityClientIP {
		if c := sp.SessionAffinityConfig; c == nil || c.ClientIP == nil || c.ClientIP.TimeoutSeconds == nil {
			sp.SessionAffinityConfig = &corev1.SessionAffinityConfig{
				ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr(corev1.DefaultClientIPServiceAffinitySeconds)},
			}
		}
	}
	if sp.Type == "" {
		sp.Type = corev1.ServiceTypeClusterIP
	}
	for i := range sp.Ports {
		p := &sp.Ports[i]
		if p.Protocol == "" {
			p.Protocol = corev1.ProtocolTCP
		}
		if p.TargetPort == intstr.FromInt32(0) || p.TargetPort == intstr.FromString("") {
			p.TargetPort = intstr.FromInt32(p.Port)
		}
	}
	if ExternallyAccessible(s) && sp.ExternalTrafficPolicy == "" {
		sp.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
	}
	if sp.InternalTrafficPolicy == nil {
		switch sp.Type {
		case corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeClusterIP:
			sp.InternalTrafficPolicy = ptr(corev1.ServiceInternalTrafficPolicyCluster)
		}
	}
	if sp.Type == corev1.ServiceTypeLoadBalancer {
		if sp.AllocateLoadBalancerNodePorts == nil {
			sp.AllocateLoadBalancerNodePorts = ptr(true)
		}
		for i, in := range s.Status.LoadBalancer.Ingress {
			if in.IP != "" && in.IPMode == nil {
				s.Status.LoadBalancer.Ingress[i].IPMode = ptr(corev1.LoadBalancerIPModeVIP)
			}
		}
	}
}

// ExternallyAccessible is upstream's service.ExternallyAccessible: a
// LoadBalancer or NodePort service, or a ClusterIP one with external IPs.
func ExternallyAccessible(s *corev1.Service) bool {
	return s.Spec.Type == corev1.ServiceTypeLoadBalancer ||
		s.Spec.Type == corev1.ServiceTypeNodePort ||
		(s.Spec.Type == corev1.ServiceTypeClusterIP && len(s.Spec.ExternalIPs) > 0)
}

// defaultEndpoints is SetDefaults_Endpoints: ports are TCP unless named.
func defaultEndpoints(e *corev1.Endpoints) {
	for i := range e.Subsets {
		for j := range e.Subsets[i].Ports {
			if p := &e.Subsets[i].Ports[j]; p.Protocol == "" {
				p.Protocol = corev1.ProtocolTCP
			}
		}
	}
}

// defaultEndpointSlice is discovery/v1's SetDefaults_EndpointPort: each
// port has a name ("" when none) and a protocol (TCP).
func defaultEndpointSlice(s *discoveryv1.EndpointSlice) {
	for i := range s.Ports {
		p := &s.Ports[i]
		if p.Name == nil {
			p.Name = ptr("")
		}
		if p.Protocol == nil {
			p.Protocol = ptr(corev1.ProtocolTCP)
		}
	}
}
