package tables

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestServiceRows(t *testing.T) {
	svcMeta := metav1.ObjectMeta{Name: "web", Namespace: "default", CreationTimestamp: ago(10 * time.Minute)}
	svc := func(typ corev1.ServiceType, mutate func(*corev1.Service)) *corev1.Service {
		s := &corev1.Service{ObjectMeta: svcMeta, Spec: corev1.ServiceSpec{Type: typ, ClusterIP: "10.96.0.10", ClusterIPs: []string{"10.96.0.10"},
			Ports: []corev1.ServicePort{{Port: 80, Protocol: corev1.ProtocolTCP}}, Selector: map[string]string{"app": "web"}}}
		if mutate != nil {
			mutate(s)
		}
		return s
	}
	cases := []struct {
		name string
		svc  *corev1.Service
		want []any
	}{
		{"ClusterIP", svc(corev1.ServiceTypeClusterIP, nil), []any{"web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP", "10m", "app=web"}},
		{"headless, no ports, no selector", svc(corev1.ServiceTypeClusterIP, func(s *corev1.Service) {
			s.Spec.ClusterIPs, s.Spec.Ports, s.Spec.Selector = []string{"None"}, nil, nil
		}), []any{"web", "ClusterIP", "None", "<none>", "<none>", "10m", "<none>"}},
		{"NodePort with external IPs", svc(corev1.ServiceTypeNodePort, func(s *corev1.Service) {
			s.Spec.Ports = []corev1.ServicePort{{Port: 80, NodePort: 30080, Protocol: corev1.ProtocolTCP}, {Port: 53, NodePort: 30053, Protocol: corev1.ProtocolUDP}}
			s.Spec.ExternalIPs = []string{"198.51.100.1", "198.51.100.2"}
		}), []any{"web", "NodePort", "10.96.0.10", "198.51.100.1,198.51.100.2", "80:30080/TCP,53:30053/UDP", "10m", "app=web"}},
		{"LoadBalancer pending", svc(corev1.ServiceTypeLoadBalancer, nil), []any{"web", "LoadBalancer", "10.96.0.10", "<pending>", "80/TCP", "10m", "app=web"}},
		{"LoadBalancer with ingress", svc(corev1.ServiceTypeLoadBalancer, func(s *corev1.Service) {
			s.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{Hostname: "lb.example.com"}, {IP: "203.0.113.7"}, {IP: "203.0.113.7"}}
			s.Spec.ExternalIPs = []string{"198.51.100.1"}
		}), []any{"web", "LoadBalancer", "10.96.0.10", "203.0.113.7,lb.example.com,198.51.100.1", "80/TCP", "10m", "app=web"}},
		{"ExternalName", svc(corev1.ServiceTypeExternalName, func(s *corev1.Service) {
			s.Spec.ClusterIPs, s.Spec.ExternalName, s.Spec.Ports = nil, "db.example.com", nil
		}), []any{"web", "ExternalName", "<none>", "db.example.com", "<none>", "10m", "app=web"}},
	}
	for _, c := range cases {
		wantCells(t, c.name, cells(t, services, c.svc), c.want...)
	}
}

func TestEndpointsRows(t *testing.T) {
	addrs := func(ips ...string) []corev1.EndpointAddress {
		var out []corev1.EndpointAddress
		for _, ip := range ips {
			out = append(out, corev1.EndpointAddress{IP: ip})
		}
		return out
	}
	cases := []struct {
		name    string
		subsets []corev1.EndpointSubset
		want    string
	}{
		{"none", nil, "<none>"},
		{"two", []corev1.EndpointSubset{{Addresses: addrs("10.244.0.5", "10.244.0.6"), Ports: []corev1.EndpointPort{{Port: 8080}}}}, "10.244.0.5:8080,10.244.0.6:8080"},
		{"headless without ports", []corev1.EndpointSubset{{Addresses: addrs("10.244.0.5")}}, "10.244.0.5"},
		{"IPv6", []corev1.EndpointSubset{{Addresses: addrs("fd00::5"), Ports: []corev1.EndpointPort{{Port: 80}}}}, "[fd00::5]:80"},
		{"more than three", []corev1.EndpointSubset{
			{Addresses: addrs("10.0.0.1", "10.0.0.2"), Ports: []corev1.EndpointPort{{Port: 80}, {Port: 443}}},
			{Addresses: addrs("10.0.0.3")},
		}, "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 2 more..."},
	}
	for _, c := range cases {
		e := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "web", CreationTimestamp: ago(time.Minute)}, Subsets: c.subsets}
		wantCells(t, c.name, cells(t, endpoints, e), "web", c.want, "60s")
	}
}
