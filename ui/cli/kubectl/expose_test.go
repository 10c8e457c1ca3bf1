package kubectl

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podlab/podlab/runtime/api"
)

const exposeDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {team: blue}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web, tier: front}
    spec:
      containers:
      - name: nginx
        image: nginx
        ports:
        - {name: http, containerPort: 80}
        - {containerPort: 53, protocol: UDP}
        - {containerPort: 53, protocol: TCP}
`

func TestExposeADeploymentTakesItsSelectorPortsAndLabels(t *testing.T) {
	h := newHarness(t)
	if _, errOut, code := h.Run("", "apply", "-f", h.File("d.yaml", exposeDeployment)); code != 0 {
		t.Fatal(errOut)
	}
	if out, errOut, code := h.Run("", "expose", "deployment", "web"); code != 0 || out != "service/web exposed\n" {
		t.Fatalf("expose: exit %d %q %q", code, out, errOut)
	}
	o, err := h.St.Get(api.Services, "default", "web")
	if err != nil {
		t.Fatal(err)
	}
	svc := o.(*corev1.Service)
	// Several ports are port-1, port-2; one served over two protocols is
	// one port each, port-N-proto; each targets its own number.
	want := []corev1.ServicePort{
		{Name: "port-1", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(80)},
		{Name: "port-2-udp", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromInt32(53)},
		{Name: "port-2-tcp", Port: 53, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(53)},
	}
	if !reflect.DeepEqual(svc.Spec.Ports, want) {
		t.Errorf("ports %+v\nwant %+v", svc.Spec.Ports, want)
	}
	if !reflect.DeepEqual(svc.Spec.Selector, map[string]string{"app": "web"}) || !reflect.DeepEqual(svc.Labels, map[string]string{"team": "blue"}) {
		t.Errorf("selector %v labels %v", svc.Spec.Selector, svc.Labels)
	}
	if svc.Spec.Type != corev1.ServiceTypeClusterIP || svc.Spec.ClusterIP == "" {
		t.Errorf("type %s cluster IP %q", svc.Spec.Type, svc.Spec.ClusterIP)
	}
}

func TestExposeFlagsShapeTheService(t *testing.T) {
	h := newHarness(t)
	h.RunningPod("web")
	out, errOut, code := h.Run("", "expose", "pod/web", "--port=8080", "--target-port=http", "--name=front", "--type=NodePort",
		"--protocol=TCP", "--labels=a=b", "--session-affinity=ClientIP")
	if code != 0 || out != "service/front exposed\n" {
		t.Fatalf("expose: exit %d %q %q", code, out, errOut)
	}
	o, _ := h.St.Get(api.Services, "default", "front")
	svc := o.(*corev1.Service)
	p := svc.Spec.Ports[0]
	if p.Port != 8080 || p.TargetPort != intstr.FromString("http") || p.NodePort == 0 || svc.Spec.Type != corev1.ServiceTypeNodePort ||
		svc.Spec.SessionAffinity != corev1.ServiceAffinityClientIP || svc.Labels["a"] != "b" ||
		!reflect.DeepEqual(svc.Spec.Selector, map[string]string{"app": "web", "tier": "front"}) {
		t.Errorf("service %+v", svc.Spec)
	}
	// A client dry run prints the object and stores nothing.
	out, _, code = h.Run("", "expose", "pod", "web", "--port=81", "--name=dry", "--dry-run=client", "-o", "yaml")
	if code != 0 || !strings.Contains(out, "kind: Service\n") || !strings.Contains(out, "  - port: 81\n") {
		t.Errorf("dry run printed %q", out)
	}
	if _, err := h.St.Get(api.Services, "default", "dry"); err == nil {
		t.Error("a client dry run created the service")
	}
	if out, _, _ := h.Run("", "expose", "pod", "web", "--port=82", "--name=srv", "--dry-run=server"); out != "service/srv exposed (server dry run)\n" {
		t.Errorf("server dry run printed %q", out)
	}
}

func TestExposeErrorsAreKubectls(t *testing.T) {
	h := newHarness(t)
	h.RunningPod("web") // no container ports
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n"
	h.Run("", "apply", "-f", h.File("cm.yaml", cm))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"expose", "pod", "web"}, "error: couldn't find port via --port flag or introspection\n"},
		{[]string{"expose", "configmap", "cfg", "--port=80"}, "error: cannot expose a ConfigMap\n"},
		{[]string{"expose", "pod", "web", "--port=80", "--session-affinity=Sticky"}, "error: unknown session affinity: Sticky\n"},
		{[]string{"expose", "pod", "web", "--port=80", "--selector=app"}, "error: unexpected label spec: app\n"},
	} {
		if _, errOut, code := h.Run("", c.args...); code != 1 || errOut != c.want {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, errOut, c.want)
		}
	}
	// A headless Service needs no port.
	if out, errOut, code := h.Run("", "expose", "pod", "web", "--cluster-ip=None", "--name=headless"); code != 0 || out != "service/headless exposed\n" {
		t.Errorf("headless: exit %d %q %q", code, out, errOut)
	}
}
