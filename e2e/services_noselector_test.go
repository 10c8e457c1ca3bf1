package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
)

// A Service without a selector routes to a hand-made Endpoints, as the
// classic tutorial has it: the mirroring controller copies the Endpoints
// into an EndpointSlice, which the proxy follows; deleting the Endpoints
// takes the slice, and the Service stops answering.
func TestServiceWithoutSelectorRoutesToHandMadeEndpoints(t *testing.T) {
	l := newLab(t)
	l.apply("pods.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: backend}
spec:
  containers:
  - name: web
    image: busybox
    command: ["web", "--port", "8080"]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers:
  - {name: client, image: busybox, command: ["sleep", "3600"]}
---
apiVersion: v1
kind: Service
metadata: {name: by-hand}
spec:
  ports:
  - {port: 80}
`)
	l.waitRunning("client")
	ip := l.waitRunning("backend").Status.PodIP
	if ip == "" {
		t.Fatal("backend has no IP")
	}
	l.apply("endpoints.yaml", `
apiVersion: v1
kind: Endpoints
metadata: {name: by-hand, labels: {origin: tutorial}}
subsets:
- addresses: [{ip: `+ip+`}]
  ports: [{port: 8080}]
`)

	// The mirrored slice.
	deadline := time.Now().Add(30 * time.Second)
	var slice *discoveryv1.EndpointSlice
	for slice == nil && time.Now().Before(deadline) {
		var list discoveryv1.EndpointSliceList
		if err := json.Unmarshal([]byte(l.mustRun("get", "endpointslices", "-o", "json")), &list); err != nil {
			t.Fatal(err)
		}
		for i, s := range list.Items {
			if s.Labels[discoveryv1.LabelServiceName] == "by-hand" {
				slice = &list.Items[i]
			}
		}
		if slice == nil {
			time.Sleep(200 * time.Millisecond)
		}
	}
	if slice == nil {
		t.Fatal("no EndpointSlice mirrored for by-hand")
	}
	if slice.Labels[discoveryv1.LabelManagedBy] != "endpointslicemirroring-controller.k8s.io" || slice.Labels["origin"] != "tutorial" ||
		len(slice.Endpoints) != 1 || slice.Endpoints[0].Addresses[0] != ip || *slice.Ports[0].Port != 8080 ||
		len(slice.OwnerReferences) != 1 || slice.OwnerReferences[0].Kind != "Endpoints" {
		t.Errorf("mirrored slice %+v", slice)
	}

	// The Service's name answers from the client pod (the proxy's table
	// follows the slices within a second or so).
	var out, errOut string
	code := -1
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		if out, errOut, code = l.run("exec", "client", "--", "wget", "-qO-", "-T", "3", "http://by-hand/hostname"); code == 0 {
			break
		}
	}
	if code != 0 || strings.TrimSpace(out) != "backend" {
		t.Fatalf("wget http://by-hand/hostname: exit %d: %q %s", code, out, errOut)
	}

	// Without the Endpoints there is nothing behind the Service.
	l.mustRun("delete", "endpoints", "by-hand")
	failed := false
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		if _, _, code := l.run("exec", "client", "--", "wget", "-qO-", "-T", "3", "http://by-hand/hostname"); code != 0 {
			failed = true
			break
		}
	}
	if !failed {
		t.Fatal("the Service still answered after its Endpoints were deleted")
	}
	if got := l.mustRun("get", "endpointslices", "-o", "json"); strings.Contains(got, `"kubernetes.io/service-name": "by-hand"`) {
		t.Errorf("the mirrored slice outlived its Endpoints:\n%s", got)
	}
}
