package tables

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	discoveryv1beta1 "k8s.io/api/discovery/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// This file holds the tables of services, endpoints and endpoint slices.

var servicePrinter = typed(
	[]metav1.TableColumnDefinition{
		nameCol(),
		col("Type", typeString, corev1.ServiceSpec{}.SwaggerDoc()["type"]),
		col("Cluster-IP", typeString, corev1.ServiceSpec{}.SwaggerDoc()["clusterIP"]),
		col("External-IP", typeString, corev1.ServiceSpec{}.SwaggerDoc()["externalIPs"]),
		col("Port(s)", typeString, corev1.ServiceSpec{}.SwaggerDoc()["ports"]),
		ageCol(),
		wide("Selector", typeString, corev1.ServiceSpec{}.SwaggerDoc()["selector"]),
	},
	func(s *corev1.Service, now time.Time) metav1.TableRow {
		clusterIP := "<none>"
		if len(s.Spec.ClusterIPs) > 0 {
			clusterIP = s.Spec.ClusterIPs[0]
		}
		return metav1.TableRow{Cells: []any{
			s.Name, string(s.Spec.Type), clusterIP, serviceExternalIP(s), orNone(servicePorts(s.Spec.Ports)),
			age(s.CreationTimestamp, now), labels.FormatLabels(s.Spec.Selector),
		}}
	},
)

// serviceExternalIP depends on the type: the external IPs of a ClusterIP or
// NodePort service (or <none>), a load balancer's ingress addresses and
// external IPs (or <pending> while it has none), an ExternalName's name.
// Upstream clips a long load-balancer list to 16 characters only in
// client-side non-wide output; a served table, like this one, never does.
func serviceExternalIP(s *corev1.Service) string {
	switch s.Spec.Type {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort:
		return orNone(strings.Join(s.Spec.ExternalIPs, ","))
	case corev1.ServiceTypeLoadBalancer:
		ips := loadBalancerAddresses(s.Status.LoadBalancer)
		ips = append(ips, s.Spec.ExternalIPs...)
		if len(ips) == 0 {
			return "<pending>"
		}
		return strings.Join(ips, ",")
	case corev1.ServiceTypeExternalName:
		return s.Spec.ExternalName
	}
	return "<unknown>"
}

// loadBalancerAddresses are the ingress points' IPs (or host names), sorted
// and without duplicates.
func loadBalancerAddresses(lb corev1.LoadBalancerStatus) []string {
	set := map[string]bool{}
	for _, in := range lb.Ingress {
		switch {
		case in.IP != "":
			set[in.IP] = true
		case in.Hostname != "":
			set[in.Hostname] = true
		}
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// servicePorts is "80/TCP", or "80:30080/TCP" with a node port, comma-joined.
func servicePorts(ports []corev1.ServicePort) string {
	parts := make([]string, len(ports))
	for i, p := range ports {
		parts[i] = fmt.Sprintf("%d/%s", p.Port, p.Protocol)
		if p.NodePort > 0 {
			parts[i] = fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, p.Protocol)
		}
	}
	return strings.Join(parts, ",")
}

var endpointsPrinter = typed(
	[]metav1.TableColumnDefinition{nameCol(), col("Endpoints", typeString, corev1.Endpoints{}.SwaggerDoc()["subsets"]), ageCol()},
	func(e *corev1.Endpoints, now time.Time) metav1.TableRow {
		return metav1.TableRow{Cells: []any{e.Name, endpointList(e), age(e.CreationTimestamp, now)}}
	},
)

// endpointList shows at most three endpoints — ip:port for every port of
// a subset, the bare IP for a subset without ports — and "+ N more..." for
// the rest; <none> without subsets.
func endpointList(e *corev1.Endpoints) string {
	if len(e.Subsets) == 0 {
		return "<none>"
	}
	const shown = 3
	var list []string
	total := 0
	add := func(s string) {
		total++
		if len(list) < shown {
			list = append(list, s)
		}
	}
	for _, ss := range e.Subsets {
		if len(ss.Ports) == 0 {
			for _, a := range ss.Addresses {
				add(a.IP)
			}
			continue
		}
		for _, p := range ss.Ports {
			for _, a := range ss.Addresses {
				add(net.JoinHostPort(a.IP, strconv.Itoa(int(p.Port))))
			}
		}
	}
	out := strings.Join(list, ",")
	if total > shown {
		out += fmt.Sprintf(" + %d more...", total-shown)
	}
	return out
}

// endpointSlicePrinter: PORTS and ENDPOINTS show at most three values and
// "+ N more...", <unset> when there are none (upstream's listWithMoreString).
var endpointSlicePrinter = typed(
	[]metav1.TableColumnDefinition{
		nameCol(),
		col("AddressType", typeString, discoveryv1beta1.EndpointSlice{}.SwaggerDoc()["addressType"]),
		col("Ports", typeString, discoveryv1beta1.EndpointSlice{}.SwaggerDoc()["ports"]),
		col("Endpoints", typeString, discoveryv1beta1.EndpointSlice{}.SwaggerDoc()["endpoints"]),
		ageCol(),
	},
	func(s *discoveryv1.EndpointSlice, now time.Time) metav1.TableRow {
		var ports, addrs []string
		for _, p := range s.Ports {
			switch {
			case p.Port != nil:
				ports = append(ports, strconv.Itoa(int(*p.Port)))
			case p.Name != nil:
				ports = append(ports, *p.Name)
			default:
				ports = append(ports, "*")
			}
		}
		for _, e := range s.Endpoints {
			addrs = append(addrs, e.Addresses...)
		}
		return metav1.TableRow{Cells: []any{s.Name, string(s.AddressType), listWithMore(ports), listWithMore(addrs), age(s.CreationTimestamp, now)}}
	},
)

// listWithMore joins the first three values, adds "+ N more..." for the
// rest, and is <unset> for none.
func listWithMore(list []string) string {
	const shown = 3
	if len(list) == 0 {
		return "<unset>"
	}
	if len(list) <= shown {
		return strings.Join(list, ",")
	}
	return fmt.Sprintf("%s + %d more...", strings.Join(list[:shown], ","), len(list)-shown)
}
