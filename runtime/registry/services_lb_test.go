package registry_test

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A LoadBalancer Service gets its node ports and a warning that the lab has
// no load balancer, naming where to reach it; its status stays empty
// (EXTERNAL-IP <pending>). A NodePort Service, or an update of a Service
// already of the type, gets no such warning.
func TestLoadBalancerServicesWarnOfTheLab(t *testing.T) {
	s, _, ctx := start(t)
	c, w := warningClient(t, s)
	svcs := c.CoreV1().Services("default")
	got, err := svcs.Create(ctx, service("lb", corev1.ServiceTypeLoadBalancer, 80), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	np := got.Spec.Ports[0].NodePort
	if np == 0 || len(got.Status.LoadBalancer.Ingress) != 0 {
		t.Fatalf("ports %+v, status %+v", got.Spec.Ports, got.Status)
	}
	want := fmt.Sprintf("podlab: no load balancer in the lab; EXTERNAL-IP stays <pending>; reach this Service on its NodePort at http://127.0.0.1:%d", np)
	if ws := w.take(); len(ws) != 1 || ws[0] != want {
		t.Errorf("warnings %q, want %q", ws, want)
	}
	got.Labels = map[string]string{"x": "y"}
	if _, err := svcs.Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if ws := w.take(); len(ws) != 0 {
		t.Errorf("an update of a LoadBalancer Service warned %q", ws)
	}
	np2, err := svcs.Create(ctx, service("np", corev1.ServiceTypeNodePort, 80), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ws := w.take(); len(ws) != 0 {
		t.Errorf("a NodePort Service warned %q", ws)
	}
	np2.Spec.Type = corev1.ServiceTypeLoadBalancer
	up, err := svcs.Update(ctx, np2, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want = fmt.Sprintf("podlab: no load balancer in the lab; EXTERNAL-IP stays <pending>; reach this Service on its NodePort at http://127.0.0.1:%d", up.Spec.Ports[0].NodePort)
	if ws := w.take(); len(ws) != 1 || ws[0] != want {
		t.Errorf("becoming a LoadBalancer: warnings %q, want %q", ws, want)
	}
}
