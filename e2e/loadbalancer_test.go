package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestLoadBalancerServiceIsReachedOnItsNodePort: the lab has no cloud load
// balancer. A LoadBalancer Service is created with a warning that says so
// and where to reach it; it keeps EXTERNAL-IP <pending>, as on a cluster
// without a cloud provider, and answers on its node port on the loopback.
// One made by podlab expose does the same.
func TestLoadBalancerServiceIsReachedOnItsNodePort(t *testing.T) {
	l := newLab(t)
	path := l.t.TempDir() + "/lb.yaml"
	writeFile(t, path, `
apiVersion: v1
kind: Service
metadata: {name: web-lb}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
---
apiVersion: v1
kind: Pod
metadata: {name: web-a, labels: {app: web}}
spec:
  containers:
  - name: web
    image: busybox
    command: ["web", "--port", "8080"]
    ports: [{name: http, containerPort: 8080}]
`)
	out, errOut, code := l.run("apply", "-f", path)
	if code != 0 || out != "service/web-lb created\npod/web-a created\n" {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errOut)
	}
	var svc corev1.Service
	if err := json.Unmarshal([]byte(l.mustRun("get", "service", "web-lb", "-o", "json")), &svc); err != nil {
		t.Fatal(err)
	}
	np := svc.Spec.Ports[0].NodePort
	want := fmt.Sprintf("Warning: podlab: no load balancer in the lab; EXTERNAL-IP stays <pending>; reach this Service on its NodePort at http://127.0.0.1:%d\n", np)
	if np == 0 || !strings.Contains(errOut, want) {
		t.Errorf("node port %d; apply's stderr\n%s\nwant the line\n%s", np, errOut, want)
	}
	if len(svc.Status.LoadBalancer.Ingress) != 0 {
		t.Errorf("a load balancer ingress appeared: %+v", svc.Status.LoadBalancer)
	}
	row := parseTable(t, l.mustRun("get", "svc", "web-lb")).row("web-lb")
	if row["TYPE"] != "LoadBalancer" || row["EXTERNAL-IP"] != "<pending>" || row["PORT(S)"] != fmt.Sprintf("80:%d/TCP", np) {
		t.Errorf("get svc row %v", row)
	}
	l.waitEndpoints("web-lb", []string{l.waitRunning("web-a").Status.PodIP})
	url := fmt.Sprintf("http://127.0.0.1:%d/hostname", np)
	if got := fetchAll(t, url, 3); strings.Join(got, ",") != "web-a" {
		t.Errorf("the node port %s reached %v, want web-a", url, got)
	}

	// podlab expose makes the same kind of Service from the pod: its
	// labels as the selector, the named target port.
	out, errOut, code = l.run("expose", "pod", "web-a", "--name=web-exp", "--type=LoadBalancer", "--port=80", "--target-port=http")
	if code != 0 || out != "service/web-exp exposed\n" || !strings.Contains(errOut, "Warning: podlab: no load balancer in the lab;") {
		t.Fatalf("expose: exit %d\n%s%s", code, out, errOut)
	}
	var exp corev1.Service
	if err := json.Unmarshal([]byte(l.mustRun("get", "service", "web-exp", "-o", "json")), &exp); err != nil {
		t.Fatal(err)
	}
	l.waitEndpoints("web-exp", []string{l.pod("web-a").Status.PodIP})
	url = fmt.Sprintf("http://127.0.0.1:%d/hostname", exp.Spec.Ports[0].NodePort)
	if got := fetchAll(t, url, 3); strings.Join(got, ",") != "web-a" {
		t.Errorf("the exposed Service's node port %s reached %v, want web-a", url, got)
	}
}
