package registry_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/labclock"
)

func service(name string, typ corev1.ServiceType, ports ...int32) *corev1.Service {
	s := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       corev1.ServiceSpec{Type: typ, Selector: map[string]string{"app": name}},
	}
	for _, p := range ports {
		s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: fmt.Sprintf("p%d", p), Port: p})
	}
	if len(ports) == 1 {
		s.Spec.Ports[0].Name = ""
	}
	return s
}

func inServiceCIDR(t *testing.T, ip string) {
	t.Helper()
	a, err := netip.ParseAddr(ip)
	if err != nil || !api.ServicePrefix.Contains(a) || a == api.ServicePrefix.Masked().Addr() {
		t.Errorf("cluster IP %q is not a usable address of %s", ip, api.ServiceCIDR)
	}
}

// A ClusterIP service gets an address of the service CIDR and core/v1's
// defaults; an address asked for is honoured once; headless services get
// none; the primary cluster IP never changes; a replace that leaves the
// allocated values out keeps them; deleting gives the address back and
// takes the service's endpoints along; a dry run allocates nothing.
func TestServicesClusterIPs(t *testing.T) {
	_, c, ctx := start(t)
	svcs := c.CoreV1().Services("default")
	web := service("web", "", 80)
	web.Spec.Ports[0].TargetPort = intstr.FromString("")
	got, err := svcs.Create(ctx, web, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sp := got.Spec
	inServiceCIDR(t, sp.ClusterIP)
	if len(sp.ClusterIPs) != 1 || sp.ClusterIPs[0] != sp.ClusterIP || sp.Type != corev1.ServiceTypeClusterIP ||
		sp.SessionAffinity != corev1.ServiceAffinityNone || *sp.IPFamilyPolicy != corev1.IPFamilyPolicySingleStack ||
		len(sp.IPFamilies) != 1 || sp.IPFamilies[0] != corev1.IPv4Protocol || *sp.InternalTrafficPolicy != corev1.ServiceInternalTrafficPolicyCluster ||
		sp.ExternalTrafficPolicy != "" || sp.Ports[0].Protocol != corev1.ProtocolTCP || sp.Ports[0].TargetPort != intstr.FromInt32(80) {
		t.Errorf("service spec not defaulted and allocated as upstream: %+v", sp)
	}

	// An address asked for: taken once, refused the second time, refused
	// outside the range.
	fixed := service("fixed", "", 80)
	fixed.Spec.ClusterIP = "10.96.0.50"
	if got, err := svcs.Create(ctx, fixed, metav1.CreateOptions{}); err != nil || got.Spec.ClusterIPs[0] != "10.96.0.50" {
		t.Fatalf("asking for 10.96.0.50: %v", err)
	}
	fixed.Name = "fixed2"
	_, err = svcs.Create(ctx, fixed, metav1.CreateOptions{})
	invalid(t, "a taken IP", err, `spec.clusterIPs: Invalid value: ["10.96.0.50"]: failed to allocate IP 10.96.0.50: provided IP is already allocated`)
	fixed.Spec.ClusterIP = "10.97.0.1"
	_, err = svcs.Create(ctx, fixed, metav1.CreateOptions{})
	invalid(t, "an IP outside the range", err, "the provided IP (10.97.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/16")

	// A dry run allocates nothing.
	fixed.Spec.ClusterIP = "10.96.0.60"
	if _, err := svcs.Create(ctx, fixed, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svcs.Create(ctx, fixed, metav1.CreateOptions{}); err != nil {
		t.Fatalf("the dry run kept 10.96.0.60: %v", err)
	}

	// Headless: no address, "None" kept; without a selector, upstream's
	// RequireDualStack with both families.
	headless := service("db", "", 5432)
	headless.Spec.ClusterIP = corev1.ClusterIPNone
	if got, err := svcs.Create(ctx, headless, metav1.CreateOptions{}); err != nil || got.Spec.ClusterIP != "None" || len(got.Spec.ClusterIPs) != 1 || got.Spec.ClusterIPs[0] != "None" || *got.Spec.IPFamilyPolicy != corev1.IPFamilyPolicySingleStack {
		t.Fatalf("headless: %+v, %v", got.Spec, err)
	}
	external := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "ext"}, Spec: corev1.ServiceSpec{ClusterIP: "None"}}
	if got, err := svcs.Create(ctx, external, metav1.CreateOptions{}); err != nil || *got.Spec.IPFamilyPolicy != corev1.IPFamilyPolicyRequireDualStack || len(got.Spec.IPFamilies) != 2 {
		t.Fatalf("headless without selector: %+v, %v", got.Spec, err)
	}

	// The primary cluster IP is immutable; a replace without it keeps it.
	moved := got.DeepCopy()
	moved.Spec.ClusterIP, moved.Spec.ClusterIPs = "10.96.0.70", []string{"10.96.0.70"}
	_, err = svcs.Update(ctx, moved, metav1.UpdateOptions{})
	invalid(t, "changing the cluster IP", err, "spec.clusterIPs[0]: Invalid value: [\"10.96.0.70\"]: may not change once set")
	replaced := service("web", "", 80)
	replaced.ResourceVersion = got.ResourceVersion
	replaced.Spec.Selector = map[string]string{"app": "web", "tier": "front"}
	if got, err = svcs.Update(ctx, replaced, metav1.UpdateOptions{}); err != nil || got.Spec.ClusterIP != sp.ClusterIP {
		t.Fatalf("replace without the cluster IP: %v, clusterIP %q, want %q", err, got.Spec.ClusterIP, sp.ClusterIP)
	}

	// Deleting gives the address back, and takes the endpoints along.
	ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "fixed"}, Subsets: []corev1.EndpointSubset{{
		Addresses: []corev1.EndpointAddress{{IP: "172.18.0.5"}}, Ports: []corev1.EndpointPort{{Port: 80}},
	}}}
	if ep, err = c.CoreV1().Endpoints("default").Create(ctx, ep, metav1.CreateOptions{}); err != nil || ep.Subsets[0].Ports[0].Protocol != corev1.ProtocolTCP {
		t.Fatalf("endpoints: %v", err)
	}
	if err := svcs.Delete(ctx, "fixed", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CoreV1().Endpoints("default").Get(ctx, "fixed", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the deleted service's endpoints remain: %v", err)
	}
	again := service("again", "", 80)
	again.Spec.ClusterIP = "10.96.0.50"
	if _, err := svcs.Create(ctx, again, metav1.CreateOptions{}); err != nil {
		t.Errorf("10.96.0.50 was not given back: %v", err)
	}

	// Validation.
	_, err = svcs.Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "1st"}, Spec: corev1.ServiceSpec{Selector: map[string]string{"a": "b"}}}, metav1.CreateOptions{})
	invalid(t, "no ports, bad name", err, "spec.ports: Required value", `metadata.name: Invalid value: "1st": a DNS-1035 label must consist of lower case alphanumeric characters`)
	withNodePort := service("np", "", 80)
	withNodePort.Spec.Ports[0].NodePort = 30080
	_, err = svcs.Create(ctx, withNodePort, metav1.CreateOptions{})
	invalid(t, "node port on ClusterIP", err, "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'")
	two := service("two", "", 80, 443)
	two.Spec.Ports[1].Name = ""
	_, err = svcs.Create(ctx, two, metav1.CreateOptions{})
	invalid(t, "unnamed second port", err, "spec.ports[1].name: Required value")
	ep = &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "loop"}, Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "127.0.0.1"}}}}}
	_, err = c.CoreV1().Endpoints("default").Create(ctx, ep, metav1.CreateOptions{})
	invalid(t, "loopback endpoint", err, `subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)`)
}

// NodePort services get node ports from 30000-32767 (the one asked for,
// once), lose them when they become ClusterIP again, and give them back;
// ExternalName services get no cluster IP; /status writes the load
// balancer, not the spec.
func TestServicesNodePortsAndStatus(t *testing.T) {
	_, c, ctx := start(t)
	svcs := c.CoreV1().Services("default")
	got, err := svcs.Create(ctx, service("web", corev1.ServiceTypeNodePort, 80, 443), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range got.Spec.Ports {
		if p.NodePort < api.NodePortMin || p.NodePort > api.NodePortMax {
			t.Errorf("node port %d outside %d-%d", p.NodePort, api.NodePortMin, api.NodePortMax)
		}
	}
	if got.Spec.Ports[0].NodePort == got.Spec.Ports[1].NodePort || got.Spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyCluster {
		t.Errorf("ports %+v, externalTrafficPolicy %q", got.Spec.Ports, got.Spec.ExternalTrafficPolicy)
	}

	fixed := service("fixed", corev1.ServiceTypeNodePort, 80)
	fixed.Spec.Ports[0].NodePort = 30080
	if _, err := svcs.Create(ctx, fixed, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	fixed.Name = "fixed2"
	_, err = svcs.Create(ctx, fixed, metav1.CreateOptions{})
	invalid(t, "a taken node port", err, "spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated")
	fixed.Spec.Ports[0].NodePort = 8080
	_, err = svcs.Create(ctx, fixed, metav1.CreateOptions{})
	invalid(t, "a node port outside the range", err, "provided port is not in the valid range. The range of valid ports is 30000-32767")

	// Back to ClusterIP: the node port goes, and can be taken again.
	cur, _ := svcs.Get(ctx, "fixed", metav1.GetOptions{})
	cur.Spec.Type = corev1.ServiceTypeClusterIP
	if cur, err = svcs.Update(ctx, cur, metav1.UpdateOptions{}); err != nil || cur.Spec.Ports[0].NodePort != 0 || cur.Spec.ExternalTrafficPolicy != "" {
		t.Fatalf("to ClusterIP: %v, ports %+v", err, cur.Spec.Ports)
	}
	fixed.Spec.Ports[0].NodePort = 30080
	if _, err := svcs.Create(ctx, fixed, metav1.CreateOptions{}); err != nil {
		t.Errorf("30080 was not given back: %v", err)
	}

	// A load balancer: node ports, and its ingress through /status only.
	lb, err := svcs.Create(ctx, service("lb", corev1.ServiceTypeLoadBalancer, 80), metav1.CreateOptions{})
	if err != nil || lb.Spec.Ports[0].NodePort == 0 || !*lb.Spec.AllocateLoadBalancerNodePorts {
		t.Fatalf("load balancer: %+v, %v", lb.Spec, err)
	}
	lb.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "172.18.0.100"}}
	lb.Spec.Selector = map[string]string{"ignored": "yes"}
	if lb, err = svcs.UpdateStatus(ctx, lb, metav1.UpdateOptions{}); err != nil || lb.Status.LoadBalancer.Ingress[0].IP != "172.18.0.100" ||
		*lb.Status.LoadBalancer.Ingress[0].IPMode != corev1.LoadBalancerIPModeVIP || lb.Spec.Selector["ignored"] != "" {
		t.Fatalf("status: %+v, selector %v, %v", lb.Status, lb.Spec.Selector, err)
	}
	lb.Status = corev1.ServiceStatus{}
	if lb, err = svcs.Update(ctx, lb, metav1.UpdateOptions{}); err != nil || len(lb.Status.LoadBalancer.Ingress) != 1 {
		t.Fatalf("the main resource changed the status: %+v, %v", lb.Status, err)
	}

	ext := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "db"}, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "db.example.com"}}
	if got, err := svcs.Create(ctx, ext, metav1.CreateOptions{}); err != nil || got.Spec.ClusterIP != "" || got.Spec.IPFamilyPolicy != nil || got.Spec.InternalTrafficPolicy != nil {
		t.Fatalf("ExternalName: %+v, %v", got.Spec, err)
	}
	ext.Name, ext.Spec.ClusterIP = "db2", "10.96.0.9"
	_, err = svcs.Create(ctx, ext, metav1.CreateOptions{})
	invalid(t, "ExternalName with a cluster IP", err, "spec.clusterIP: Forbidden: may not be set for ExternalName services")
}

// The API server keeps the kubernetes Service in default: the first
// address of the range, port 443, recreated when deleted.
func TestKubernetesService(t *testing.T) {
	scale := labclock.Scale()
	labclock.SetScale(0.05) // the 10 s reconcile in half a second
	t.Cleanup(func() { labclock.SetScale(scale) })
	_, c, ctx := start(t)
	got := waitService(t, ctx, c, "kubernetes")
	if got.Spec.ClusterIP != "10.96.0.1" || len(got.Spec.Ports) != 1 || got.Spec.Ports[0].Port != 443 || got.Spec.Ports[0].Name != "https" ||
		got.Labels["component"] != "apiserver" || got.Labels["provider"] != "kubernetes" || got.Spec.Selector != nil {
		t.Fatalf("kubernetes service %+v", got)
	}
	if err := c.CoreV1().Services("default").Delete(ctx, "kubernetes", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitService(t, ctx, c, "kubernetes")
}

func waitService(t *testing.T, ctx context.Context, c kubernetes.Interface, name string) *corev1.Service {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s, err := c.CoreV1().Services("default").Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			return s
		}
		if time.Now().After(deadline) || !strings.Contains(err.Error(), "not found") {
			t.Fatalf("service %s: %v", name, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
