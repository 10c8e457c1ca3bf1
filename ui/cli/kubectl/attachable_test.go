package kubectl

import (
	"fmt"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestServicePortsTranslateToTheTargetedContainerPorts(t *testing.T) {
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{
		{Name: "http", Port: 80, TargetPort: intstr.FromString("web")},
		{Name: "admin", Port: 9000, TargetPort: intstr.FromInt32(9090)},
		{Name: "plain", Port: 7000},
	}}}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-1"}, Spec: corev1.PodSpec{Containers: []corev1.Container{
		{Name: "nginx", Ports: []corev1.ContainerPort{{Name: "web", ContainerPort: 8080}}}}}}
	got, err := servicePortsToTargets([]string{"80", "8888:http", "http", "9000", ":9000", "7000"}, svc, pod)
	// kubectl: the local port is the service port asked for (by number, or
	// the named port's number), the remote the container port it targets.
	want := []string{"80:8080", "8888:8080", "80:8080", "9000:9090", ":9090", "7000"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("servicePortsToTargets = %v, %v; want %v", got, err, want)
	}
	if _, err := servicePortsToTargets([]string{"81"}, svc, pod); err == nil || err.Error() != "Service web does not have a service port 81" {
		t.Errorf("unknown port: %v", err)
	}
	if _, err := servicePortsToTargets([]string{"metrics"}, svc, pod); err == nil || err.Error() != "Service 'web' does not have a named port 'metrics'" {
		t.Errorf("unknown name: %v", err)
	}
	headless := svc.DeepCopy()
	headless.Spec.ClusterIP = corev1.ClusterIPNone
	if got, err := servicePortsToTargets([]string{"80"}, headless, pod); err != nil || !reflect.DeepEqual(got, []string{"80"}) {
		t.Errorf("headless: %v, %v", got, err)
	}
	udp := &corev1.Service{Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP}}}}
	if err := checkUDPPorts([]string{"dns"}, udp); err == nil || err.Error() != "UDP protocol is not supported for dns" {
		t.Errorf("udp: %v", err)
	}
}

func TestTheMostActivePodIsPicked(t *testing.T) {
	now := time.Now()
	ready := func(since time.Time) []corev1.PodCondition {
		return []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(since)}}
	}
	pod := func(name, node string, phase corev1.PodPhase, conds []corev1.PodCondition) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{NodeName: node}, Status: corev1.PodStatus{Phase: phase, Conditions: conds}}
	}
	unassigned := pod("unassigned", "", corev1.PodPending, nil)
	pending := pod("pending", "n1", corev1.PodPending, nil)
	notReady := pod("not-ready", "n1", corev1.PodRunning, nil)
	newlyReady := pod("newly-ready", "n1", corev1.PodRunning, ready(now))
	longReady := pod("long-ready", "n1", corev1.PodRunning, ready(now.Add(-time.Hour)))
	order := []*corev1.Pod{unassigned, pending, notReady, newlyReady, longReady}
	for i := range order {
		for j := range order {
			if got := activeLess(order[i], order[j]); got != (i < j) {
				t.Errorf("activeLess(%s, %s) = %v", order[i].Name, order[j].Name, got)
			}
		}
	}
}

// A Service forwards to the pod its selector picks, on the container port
// its named targetPort names.
func TestPortForwardToAServiceReachesItsTargetPort(t *testing.T) {
	h := newHarness(t)
	h.RunningPod("web")
	svc := `apiVersion: v1
kind: Service
metadata: {name: websvc}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 8080, targetPort: 80}
`
	if _, errOut, code := h.Run("", "apply", "-f", h.File("svc.yaml", svc)); code != 0 {
		t.Fatal(errOut)
	}
	for _, args := range [][]string{{"svc/websvc", ":http"}, {"service/websvc", ":8080"}} {
		out, errOut, stop := h.Start(append([]string{"port-forward", "--address", "127.0.0.1"}, args...)...)
		line := forwardingLine(t, out)
		var port int
		if _, err := fmt.Sscanf(line, "Forwarding from 127.0.0.1:%d -> 80", &port); err != nil {
			stop()
			t.Fatalf("%v: forwarding line %q (stderr %q)", args, line, errOut.String())
		}
		conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(conn, "hi")
		conn.(*net.TCPConn).CloseWrite()
		answer, _ := io.ReadAll(conn)
		conn.Close()
		stop()
		if want := "web:80 got hi"; string(answer) != want {
			t.Errorf("%v answered %q, want %q", args, answer, want)
		}
	}
	if _, errOut, code := h.Run("", "port-forward", "svc/websvc", "9999"); code != 1 || !strings.Contains(errOut, "Service websvc does not have a service port 9999") {
		t.Errorf("unknown service port: exit %d, %q", code, errOut)
	}
	noSel := "apiVersion: v1\nkind: Service\nmetadata: {name: bare}\nspec:\n  ports:\n  - {port: 80}\n"
	h.Run("", "apply", "-f", h.File("bare.yaml", noSel))
	if _, errOut, code := h.Run("", "port-forward", "svc/bare", "80"); code != 1 || !strings.Contains(errOut, "cannot attach to *v1.Service: invalid service 'bare': Service is defined without a selector") {
		t.Errorf("no selector: exit %d, %q", code, errOut)
	}
}
