package registry

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apiserver/pkg/warning"
)

// nodePortHost is where the lab serves node ports: runtime/servicenet
// listens on the learner's loopback.
const nodePortHost = "127.0.0.1"

// warnNoLoadBalancer tells the client, on the create of a LoadBalancer
// Service or an update that makes one, that the lab has no cloud load
// balancer: like a cluster without a cloud provider, the Service keeps
// status.loadBalancer empty (EXTERNAL-IP <pending>) and is reached on its
// node ports, which the lab serves on the loopback.
func warnNoLoadBalancer(ctx context.Context, s, old *corev1.Service) {
	if s.Spec.Type != corev1.ServiceTypeLoadBalancer || (old != nil && old.Spec.Type == corev1.ServiceTypeLoadBalancer) {
		return
	}
	var urls []string
	for _, p := range s.Spec.Ports {
		if p.NodePort == 0 {
			continue
		}
		if p.Protocol == corev1.ProtocolTCP || p.Protocol == "" {
			urls = append(urls, fmt.Sprintf("http://%s:%d", nodePortHost, p.NodePort))
		}
	}
	msg := "podlab: no load balancer in the lab; EXTERNAL-IP stays <pending>"
	switch len(urls) {
	case 0:
		msg += " and this Service has no TCP node port to reach it on"
	case 1:
		msg += "; reach this Service on its NodePort at " + urls[0]
	default:
		msg += "; reach this Service on its NodePorts at " + strings.Join(urls, ", ")
	}
	warning.AddWarning(ctx, "", msg)
}
