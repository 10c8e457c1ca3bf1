package podspec

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestResolvConf(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop"}}
	dns := []string{"10.96.0.10"}
	want := "nameserver 10.96.0.10\nsearch shop.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n"
	if got := string(ResolvConf(pod, dns, "cluster.local")); got != want {
		t.Errorf("ClusterFirst:\n%s", got)
	}
	pod.Spec.HostNetwork = true
	if got := ResolvConf(pod, dns, "cluster.local"); got != nil {
		t.Errorf("ClusterFirst on the host network: %q, want the engine's", got)
	}
	pod.Spec.DNSPolicy = corev1.DNSClusterFirstWithHostNet
	if got := string(ResolvConf(pod, dns, "cluster.local")); got != want {
		t.Errorf("ClusterFirstWithHostNet:\n%s", got)
	}
	pod.Spec.HostNetwork = false
	pod.Spec.DNSPolicy = corev1.DNSNone
	two := "2"
	pod.Spec.DNSConfig = &corev1.PodDNSConfig{Nameservers: []string{"192.0.2.1"}, Searches: []string{"example.test"}, Options: []corev1.PodDNSConfigOption{{Name: "ndots", Value: &two}, {Name: "edns0"}}}
	if got := string(ResolvConf(pod, dns, "cluster.local")); got != "nameserver 192.0.2.1\nsearch example.test\noptions ndots:2 edns0\n" {
		t.Errorf("None:\n%s", got)
	}
	pod.Spec.DNSPolicy = corev1.DNSClusterFirst
	if got := string(ResolvConf(pod, dns, "cluster.local")); got != "nameserver 10.96.0.10\nnameserver 192.0.2.1\nsearch shop.svc.cluster.local svc.cluster.local cluster.local example.test\noptions ndots:2 edns0\n" {
		t.Errorf("ClusterFirst with dnsConfig:\n%s", got)
	}
}

func TestServiceEnv(t *testing.T) {
	svc := func(ns, name, ip string, ports ...corev1.ServicePort) *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: corev1.ServiceSpec{ClusterIP: ip, Ports: ports}}
	}
	kube := svc("default", "kubernetes", "10.96.0.1", corev1.ServicePort{Name: "https", Port: 443, Protocol: corev1.ProtocolTCP})
	web := svc("shop", "my-web", "10.96.3.4", corev1.ServicePort{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}, corev1.ServicePort{Port: 53, Protocol: corev1.ProtocolUDP})
	headless := svc("shop", "db", corev1.ClusterIPNone, corev1.ServicePort{Port: 5432})
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop"}}
	got := map[string]string{}
	for _, kv := range ServiceEnv(pod, []*corev1.Service{web, headless}, []*corev1.Service{kube}) {
		got[kv[0]] = kv[1]
	}
	want := map[string]string{
		"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443", "KUBERNETES_SERVICE_PORT_HTTPS": "443",
		"KUBERNETES_PORT": "tcp://10.96.0.1:443", "KUBERNETES_PORT_443_TCP": "tcp://10.96.0.1:443",
		"KUBERNETES_PORT_443_TCP_PROTO": "tcp", "KUBERNETES_PORT_443_TCP_PORT": "443", "KUBERNETES_PORT_443_TCP_ADDR": "10.96.0.1",
		"MY_WEB_SERVICE_HOST": "10.96.3.4", "MY_WEB_SERVICE_PORT": "80", "MY_WEB_SERVICE_PORT_HTTP": "80",
		"MY_WEB_PORT": "tcp://10.96.3.4:80", "MY_WEB_PORT_80_TCP": "tcp://10.96.3.4:80",
		"MY_WEB_PORT_80_TCP_PROTO": "tcp", "MY_WEB_PORT_80_TCP_PORT": "80", "MY_WEB_PORT_80_TCP_ADDR": "10.96.3.4",
		"MY_WEB_PORT_53_UDP": "udp://10.96.3.4:53", "MY_WEB_PORT_53_UDP_PROTO": "udp", "MY_WEB_PORT_53_UDP_PORT": "53", "MY_WEB_PORT_53_UDP_ADDR": "10.96.3.4",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v", got)
	}
	// enableServiceLinks: false keeps only the kubernetes Service's.
	pod.Spec.EnableServiceLinks = new(false)
	for _, kv := range ServiceEnv(pod, []*corev1.Service{web}, []*corev1.Service{kube}) {
		if kv[0][:4] != "KUBE" {
			t.Errorf("with enableServiceLinks false: %s", kv[0])
		}
	}
}
