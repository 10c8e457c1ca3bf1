package printers

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The pages of kubectl's Service, Endpoints and EndpointSlice describers
// (k8s.io/kubectl pkg/describe), up to the events.

// describeService is kubectl's describeService; slices are the Service's
// EndpointSlices (labelled kubernetes.io/service-name=NAME), from which the
// Endpoints line of each port is drawn.
func describeService(p prefixWriter, svc *corev1.Service, slices []discoveryv1.EndpointSlice) {
	describeMeta(p, svc)
	p.line(0, "Selector:\t%s", FormatLabels(svc.Spec.Selector))
	p.line(0, "Type:\t%s", svc.Spec.Type)
	if svc.Spec.IPFamilyPolicy != nil {
		p.line(0, "IP Family Policy:\t%s", *svc.Spec.IPFamilyPolicy)
	}
	families := make([]string, 0, len(svc.Spec.IPFamilies))
	for _, f := range svc.Spec.IPFamilies {
		families = append(families, string(f))
	}
	p.line(0, "IP Families:\t%s", orNone(strings.Join(families, ",")))
	p.line(0, "IP:\t%s", svc.Spec.ClusterIP)
	p.line(0, "IPs:\t%s", orNone(strings.Join(svc.Spec.ClusterIPs, ",")))
	if len(svc.Spec.ExternalIPs) > 0 {
		p.line(0, "External IPs:\t%s", strings.Join(svc.Spec.ExternalIPs, ","))
	}
	if svc.Spec.LoadBalancerIP != "" {
		p.line(0, "Desired LoadBalancer IP:\t%s", svc.Spec.LoadBalancerIP)
	}
	if svc.Spec.ExternalName != "" {
		p.line(0, "External Name:\t%s", svc.Spec.ExternalName)
	}
	if in := svc.Status.LoadBalancer.Ingress; len(in) > 0 {
		p.line(0, "LoadBalancer Ingress:\t%s", ingressString(in))
	}
	for _, sp := range svc.Spec.Ports {
		name := sp.Name
		if name == "" {
			name = "<unset>"
		}
		p.line(0, "Port:\t%s\t%d/%s", name, sp.Port, sp.Protocol)
		if sp.TargetPort.Type == intstr.Int {
			p.line(0, "TargetPort:\t%d/%s", sp.TargetPort.IntVal, sp.Protocol)
		} else {
			p.line(0, "TargetPort:\t%s/%s", sp.TargetPort.StrVal, sp.Protocol)
		}
		if sp.AppProtocol != nil {
			p.line(0, "AppProtocol:\t%s", *sp.AppProtocol)
		}
		if sp.NodePort != 0 {
			p.line(0, "NodePort:\t%s\t%d/%s", name, sp.NodePort, sp.Protocol)
		}
		p.line(0, "Endpoints:\t%s", sliceEndpoints(slices, sp.Name))
	}
	p.line(0, "Session Affinity:\t%s", svc.Spec.SessionAffinity)
	if svc.Spec.ExternalTrafficPolicy != "" {
		p.line(0, "External Traffic Policy:\t%s", svc.Spec.ExternalTrafficPolicy)
	}
	if svc.Spec.InternalTrafficPolicy != nil {
		p.line(0, "Internal Traffic Policy:\t%s", *svc.Spec.InternalTrafficPolicy)
	}
	if svc.Spec.HealthCheckNodePort != 0 {
		p.line(0, "HealthCheck NodePort:\t%d", svc.Spec.HealthCheckNodePort)
	}
	if len(svc.Spec.LoadBalancerSourceRanges) > 0 {
		p.line(0, "LoadBalancer Source Ranges:\t%s", strings.Join(svc.Spec.LoadBalancerSourceRanges, ","))
	}
	if svc.Spec.TrafficDistribution != nil {
		p.line(0, "Traffic Distribution:\t%s", *svc.Spec.TrafficDistribution)
	}
}

// ingressString is kubectl's buildIngressString: IPs (with their mode) or
// host names, joined by ", ".
func ingressString(in []corev1.LoadBalancerIngress) string {
	parts := make([]string, 0, len(in))
	for _, i := range in {
		switch {
		case i.IP != "" && i.IPMode != nil:
			parts = append(parts, fmt.Sprintf("%s (%s)", i.IP, *i.IPMode))
		case i.IP != "":
			parts = append(parts, i.IP)
		default:
			parts = append(parts, i.Hostname)
		}
	}
	return strings.Join(parts, ", ")
}

// sliceEndpoints is kubectl's formatEndpointSlices for one port name:
// ready endpoints (a nil Ready counts as ready) as ip:port, the first three
// and then " + N more...", or <none> without slices; a slice without ports
// (a headless Service's) lists bare addresses.
func sliceEndpoints(slices []discoveryv1.EndpointSlice, port string) string {
	if len(slices) == 0 {
		return "<none>"
	}
	const max = 3
	var list []string
	more, count := false, 0
	add := func(ep discoveryv1.Endpoint, s string) {
		if len(list) == max {
			more = true
		}
		if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
			return
		}
		if !more {
			list = append(list, s)
		}
		count++
	}
	for _, sl := range slices {
		if len(sl.Ports) == 0 {
			for _, ep := range sl.Endpoints {
				add(ep, ep.Addresses[0])
			}
			continue
		}
		for _, sp := range sl.Ports {
			if sp.Name == nil || *sp.Name != port {
				continue
			}
			for _, ep := range sl.Endpoints {
				add(ep, net.JoinHostPort(ep.Addresses[0], strconv.Itoa(int(*sp.Port))))
			}
		}
	}
	s := strings.Join(list, ",")
	if more {
		return fmt.Sprintf("%s + %d more...", s, count-max)
	}
	return s
}

func describeEndpoints(p prefixWriter, ep *corev1.Endpoints) {
	describeMeta(p, ep)
	p.line(0, "Subsets:")
	for _, s := range ep.Subsets {
		ips := func(as []corev1.EndpointAddress) string {
			out := make([]string, 0, len(as))
			for _, a := range as {
				out = append(out, a.IP)
			}
			return orNone(strings.Join(out, ","))
		}
		p.line(1, "Addresses:\t%s", ips(s.Addresses))
		p.line(1, "NotReadyAddresses:\t%s", ips(s.NotReadyAddresses))
		if len(s.Ports) > 0 {
			p.line(1, "Ports:")
			p.line(2, "Name\tPort\tProtocol")
			p.line(2, "----\t----\t--------")
			for _, port := range s.Ports {
				name := port.Name
				if name == "" {
					name = "<unset>"
				}
				p.line(2, "%s\t%d\t%s", name, port.Port, port.Protocol)
			}
		}
		p.line(0, "")
	}
}

func describeEndpointSlice(p prefixWriter, eps *discoveryv1.EndpointSlice) {
	orUnset := func(s *string) string {
		if s == nil {
			return "<unset>"
		}
		return *s
	}
	describeMeta(p, eps)
	p.line(0, "AddressType:\t%s", eps.AddressType)
	if len(eps.Ports) == 0 {
		p.line(0, "Ports: <unset>")
	} else {
		p.line(0, "Ports:")
		p.line(1, "Name\tPort\tProtocol")
		p.line(1, "----\t----\t--------")
		for _, port := range eps.Ports {
			name := "<unset>"
			if port.Name != nil && *port.Name != "" {
				name = *port.Name
			}
			num := "<unset>"
			if port.Port != nil {
				num = strconv.Itoa(int(*port.Port))
			}
			proto := ""
			if port.Protocol != nil {
				proto = string(*port.Protocol)
			}
			p.line(1, "%s\t%s\t%s", name, num, proto)
		}
	}
	if len(eps.Endpoints) == 0 {
		p.line(0, "Endpoints: <none>")
		return
	}
	p.line(0, "Endpoints:")
	for _, ep := range eps.Endpoints {
		p.line(1, "- Addresses:\t%s", orNone(strings.Join(ep.Addresses, ", ")))
		p.line(2, "Conditions:")
		ready := "<unset>"
		if ep.Conditions.Ready != nil {
			ready = strconv.FormatBool(*ep.Conditions.Ready)
		}
		p.line(3, "Ready:\t%s", ready)
		p.line(2, "Hostname:\t%s", orUnset(ep.Hostname))
		if ep.TargetRef != nil {
			p.line(2, "TargetRef:\t%s/%s", ep.TargetRef.Kind, ep.TargetRef.Name)
		}
		p.line(2, "NodeName:\t%s", orUnset(ep.NodeName))
		p.line(2, "Zone:\t%s", orUnset(ep.Zone))
	}
}
