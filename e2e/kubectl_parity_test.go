package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/podlab/podlab/internal/clientbin"
)

// Where podlab's CLI and kubectl disagree, kubectl is right: the read
// commands of Pod tutorials print the same page from both, once what time
// moves (ages, timestamps, lease renewals) is set aside.

// parityCommands are read verbs over the shared pods and the lab's nodes.
var parityCommands = [][]string{
	{"get", "pods"},
	{"get", "pods", "-o", "wide"},
	{"get", "pods", "--show-labels"},
	{"get", "nodes"},
	{"get", "nodes", "-o", "wide"},
	{"get", "nodes", "--show-labels"},
	{"describe", "node", "node-1"},
	{"describe", "node", "control-plane"},
	{"describe", "pod", "stuck"},
	{"describe", "pod", "web"},
	{"describe", "pod", "done"},
	{"get", "pods", "-A"},
	{"get", "namespaces"},
	{"get", "all"},
	{"get", "pods,nodes"},
	{"get", "pod", "web", "-o", "jsonpath={.spec.nodeName} {.status.hostIP}"},
}

var (
	// An RFC 1123 time, as describe prints them.
	parityTime = regexp.MustCompile(`[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}`)
	// A kubectl age or event interval: 5s, 3m12s, 2d4h, <invalid>.
	parityAge = regexp.MustCompile(`\b\d+[smhd](\d+[smh])?\b|<invalid>`)
	// Runs of spaces: the columns' widths follow the ages' lengths.
	paritySpace = regexp.MustCompile(` {2,}`)
)

// normaliseForParity sets aside what differs between two runs a moment apart.
func normaliseForParity(s string) string {
	s = parityTime.ReplaceAllString(s, "TIME")
	s = parityAge.ReplaceAllString(s, "AGE")
	return paritySpace.ReplaceAllString(s, "  ")
}

func kubectlParity(t *testing.T, l *lab, k *kubectl) {
	for _, args := range parityCommands {
		name := strings.Join(args, " ")
		t.Run(name, func(t *testing.T) {
			// A pod or node may change between the two runs (a lease is
			// renewed, a condition moves): the pages must agree on one of
			// a few tries.
			var ours, theirs string
			for try := 0; try < 3; try++ {
				out, errOut, code := l.run(args...)
				if code != 0 {
					t.Fatalf("podlab %s: exit %d\n%s", name, code, errOut)
				}
				ours, theirs = normaliseForParity(out), normaliseForParity(k.ok(t, args...))
				if ours == theirs {
					return
				}
			}
			t.Errorf("podlab %s and kubectl disagree (kubectl is right):\n--- podlab\n%s\n--- kubectl\n%s", name, ours, theirs)
		})
	}
}

// parityWorkloads is a Deployment of two nginx behind a NodePort Service
// with a named target port: the objects of the workload pages below.
const parityWorkloads = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx
        ports:
        - name: http
          containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - name: http
    port: 80
    targetPort: http
`

// parityWorkloadCommands are the describe pages of Services and workloads.
var parityWorkloadCommands = [][]string{
	{"describe", "svc", "web"},
	{"describe", "deploy", "web"},
	{"describe", "rs"},
	{"describe", "endpoints", "web"},
	{"describe", "endpointslices"},
}

// TestKubectlParityWorkloads: podlab's describe of a Service, its
// endpoints and a rolled-out Deployment with its ReplicaSet print what
// kubectl 1.37's describers print against the same lab.
func TestKubectlParityWorkloads(t *testing.T) {
	bin := clientbin.Kubectl(t)
	l := newLab(t)
	k := newKubectl(t, l, bin)
	l.apply("workloads.yaml", parityWorkloads)
	l.waitRolledOut("web")
	// The endpoints follow readiness: wait until both pods are listed.
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(k.jsonpath(t, "{.subsets[*].addresses[*].ip}", "endpoints", "web"), " ") {
		if time.Now().After(deadline) {
			t.Fatal("the Service's endpoints never listed both pods")
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, args := range parityWorkloadCommands {
		name := strings.Join(args, " ")
		t.Run(name, func(t *testing.T) {
			out, errOut, code := l.run(args...)
			if code != 0 {
				t.Fatalf("podlab %s: exit %d\n%s", name, code, errOut)
			}
			ours, theirs := normaliseForParity(out), normaliseForParity(k.ok(t, args...))
			if ours != theirs {
				t.Errorf("podlab %s and kubectl disagree (kubectl is right):\n--- podlab\n%s\n--- kubectl\n%s", name, ours, theirs)
			}
			for _, want := range []string{"Name:", "web"} {
				if !strings.Contains(ours, want) {
					t.Errorf("podlab %s printed no %q:\n%s", name, want, ours)
				}
			}
		})
	}
}
