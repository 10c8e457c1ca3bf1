package servicenet

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func ep(ip string, ready, serving, terminating bool, hostname string) discoveryv1.Endpoint {
	e := discoveryv1.Endpoint{Addresses: []string{ip}, Conditions: discoveryv1.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &terminating}}
	if hostname != "" {
		e.Hostname = &hostname
	}
	return e
}

func slice(svc string, port int32, eps ...discoveryv1.Endpoint) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: "default", Labels: map[string]string{discoveryv1.LabelServiceName: svc}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: new("http"), Port: new(port), Protocol: new(corev1.ProtocolTCP)}},
		Endpoints:   eps,
	}
}

func TestBuild(t *testing.T) {
	web := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: corev1.ServiceSpec{
		ClusterIP: "10.96.1.2", Type: corev1.ServiceTypeNodePort, SessionAffinity: corev1.ServiceAffinityClientIP,
		SessionAffinityConfig: &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: new(int32(600))}},
		Ports:                 []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, NodePort: 30080}},
	}}
	old := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "old", Namespace: "default"}, Spec: corev1.ServiceSpec{
		ClusterIP: "10.96.1.3", Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}},
	}}
	db := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "default"}, Spec: corev1.ServiceSpec{
		ClusterIP: corev1.ClusterIPNone, Ports: []corev1.ServicePort{{Name: "http", Port: 5432, Protocol: corev1.ProtocolTCP}},
	}}
	table, nodePorts := Build([]*corev1.Service{web, old, db}, map[string][]*discoveryv1.EndpointSlice{
		"default/web": {slice("web", 8080, ep("172.18.0.5", true, true, false, ""), ep("172.18.0.4", true, true, false, ""), ep("172.18.0.6", false, false, false, ""))},
		// Only terminating serving endpoints left: they are used.
		"default/old": {slice("old", 8080, ep("172.18.0.7", false, true, true, ""), ep("172.18.0.8", false, false, true, ""))},
		"default/db":  {slice("db", 5432, ep("172.18.0.9", true, true, false, "db-0"), ep("172.18.0.10", false, false, false, ""))},
	})
	want := []string{"172.18.0.4:8080", "172.18.0.5:8080"}
	var gotWeb, gotOld []string
	for _, s := range table.Services {
		switch s.IP {
		case "10.96.1.2":
			gotWeb = s.Endpoints
			if !s.ClientIP || s.Port != 80 || s.ClientIPTimeout != 600 {
				t.Errorf("web: %+v", s)
			}
		case "10.96.1.3":
			gotOld = s.Endpoints
			if s.ClientIP || s.ClientIPTimeout != 0 {
				t.Errorf("old (no affinity): %+v", s)
			}
		}
	}
	if !reflect.DeepEqual(gotWeb, want) || !reflect.DeepEqual(gotOld, []string{"172.18.0.7:8080"}) {
		t.Errorf("endpoints web %v old %v", gotWeb, gotOld)
	}
	if len(table.Services) != 2 {
		t.Errorf("headless Service proxied: %+v", table.Services)
	}
	wantNames := map[string][]string{
		"web.default.svc.cluster.local":     {"10.96.1.2"},
		"old.default.svc.cluster.local":     {"10.96.1.3"},
		"db.default.svc.cluster.local":      {"172.18.0.9"},
		"db-0.db.default.svc.cluster.local": {"172.18.0.9"},
	}
	if !reflect.DeepEqual(table.Names, wantNames) {
		t.Errorf("names %v", table.Names)
	}
	if np, ok := nodePorts[30080]; !ok || !reflect.DeepEqual(np.Endpoints, want) {
		t.Errorf("node ports %v", nodePorts)
	}
}
