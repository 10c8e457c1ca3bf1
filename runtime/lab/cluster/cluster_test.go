package cluster

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

const example = `# three nodes in two zones
nodes:
- name: control-plane
  role: control-plane
- name: node-1
  labels:
    topology.kubernetes.io/zone: zone-a
    disktype: ssd
  capacity: {cpu: "2", memory: 4Gi, pods: 20}
- name: node-2
  role: worker
  labels: {topology.kubernetes.io/zone: zone-b}
  taints:
  - {key: gpu, value: "true", effect: NoSchedule}
  - key: maintenance
    effect: NoExecute
`

func TestParseValidFile(t *testing.T) {
	s, err := Parse("lab.yaml", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Names(); !reflect.DeepEqual(got, []string{"control-plane", "node-1", "node-2"}) {
		t.Fatalf("names %v", got)
	}
	cp, n1, n2 := s.Nodes[0], s.Nodes[1], s.Nodes[2]
	if cp.Role != RoleControlPlane || n1.Role != RoleWorker || n2.Role != RoleWorker {
		t.Errorf("roles %s %s %s; a node without a role is a worker", cp.Role, n1.Role, n2.Role)
	}
	if n1.Labels["disktype"] != "ssd" || n1.Labels["topology.kubernetes.io/zone"] != "zone-a" {
		t.Errorf("node-1 labels %v", n1.Labels)
	}
	want := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("4Gi"), corev1.ResourcePods: resource.MustParse("20")}
	for name, q := range want {
		if got := n1.Capacity[name]; got.Cmp(q) != 0 {
			t.Errorf("node-1 capacity %s = %s, want %s", name, got.String(), q.String())
		}
	}
	if len(n2.Capacity) != 0 {
		t.Errorf("node-2 capacity %v, want none (the machine's)", n2.Capacity)
	}
	wantTaints := []corev1.Taint{{Key: "gpu", Value: "true", Effect: corev1.TaintEffectNoSchedule}, {Key: "maintenance", Effect: corev1.TaintEffectNoExecute}}
	if !reflect.DeepEqual(n2.Taints, wantTaints) {
		t.Errorf("node-2 taints %v", n2.Taints)
	}
}

func TestControlPlaneLabelAndTaint(t *testing.T) {
	s := Default(2)
	if got := s.Names(); !reflect.DeepEqual(got, []string{"control-plane", "node-1", "node-2"}) {
		t.Fatalf("default names %v", got)
	}
	cp := s.Nodes[0]
	if v, ok := cp.NodeLabels()["node-role.kubernetes.io/control-plane"]; !ok || v != "" {
		t.Errorf("control-plane labels %v", cp.NodeLabels())
	}
	if got := cp.RegisterTaints(); !reflect.DeepEqual(got, []corev1.Taint{{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}}) {
		t.Errorf("control-plane taints %v", got)
	}
	w := s.Nodes[1]
	if len(w.NodeLabels()) != 0 || len(w.RegisterTaints()) != 0 {
		t.Errorf("a worker got the role's labels %v or taints %v", w.NodeLabels(), w.RegisterTaints())
	}
	// A file that names the taint itself does not get it twice.
	s2, err := Parse("f", []byte("nodes:\n- {name: cp, role: control-plane, taints: [{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}]}\n- {name: w}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := s2.Nodes[0].RegisterTaints(); len(got) != 1 {
		t.Errorf("taints %v", got)
	}
}

// A recorded shape reads back as the same shape.
func TestMarshalRoundTrip(t *testing.T) {
	for _, s := range []Shape{Default(2), Default(5), SingleNode()} {
		back, err := Parse("recorded", s.Marshal())
		if err != nil {
			t.Fatalf("%s: %v\n%s", s, err, s.Marshal())
		}
		if !back.Equal(s) {
			t.Errorf("round trip of %s:\n%s\nread back as %s", s, s.Marshal(), back.Marshal())
		}
	}
	s, err := Parse("lab.yaml", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("recorded", s.Marshal())
	if err != nil || !back.Equal(s) {
		t.Fatalf("round trip: %v\n%s", err, s.Marshal())
	}
	if !strings.Contains(string(s.Marshal()), "podlab reset") {
		t.Errorf("a recorded shape should say how to change it:\n%s", s.Marshal())
	}
	// Quantities compare by value, not spelling.
	a, _ := Parse("a", []byte("nodes: [{name: w, capacity: {memory: 1024Mi}}]"))
	b, _ := Parse("b", []byte("nodes: [{name: w, capacity: {memory: 1Gi}}]"))
	if !a.Equal(b) {
		t.Errorf("1024Mi and 1Gi differ:\n%s\n%s", a.Marshal(), b.Marshal())
	}
	if Default(2).Equal(Default(3)) || Default(1).Equal(SingleNode()) {
		t.Error("different shapes compare equal")
	}
}

// Each kind of problem is reported at its file, line and field.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       []string
	}{
		{"empty file", ``, []string{"lab.yaml: nodes: Required value"}},
		{"bad YAML", "nodes:\n- name: a\n  role: [\n", []string{"lab.yaml:3: invalid YAML"}},
		{"not a list", "nodes: node-1\n", []string{`lab.yaml:1: nodes: Invalid value: "node-1": expected a list of nodes`}},
		{"no nodes", "nodes: []\n", []string{"lab.yaml:1: nodes: Required value: a lab needs at least one node"}},
		{"unknown top-level field", "node:\n- name: a\n", []string{`lab.yaml:1: node: unknown field "node" (expected nodes)`}},
		{"unknown node field", "nodes:\n- name: a\n  zone: b\n", []string{`lab.yaml:3: nodes[0].zone: unknown field "zone" (expected name, role, labels, taints, capacity)`}},
		{"missing name", "nodes:\n- name: a\n- role: worker\n", []string{"lab.yaml:3: nodes[1].name: Required value: every node needs a name"}},
		{"bad name", "nodes:\n- name: Node_1\n", []string{`lab.yaml:2: nodes[0].name: Invalid value: "Node_1": a lowercase RFC 1123 subdomain`}},
		{"long name", "nodes:\n- name: " + strings.Repeat("a", 64) + "\n", []string{"lab.yaml:2: nodes[0].name: Too long: may not be more than 63 bytes"}},
		{"duplicate name", "nodes:\n- name: a\n- name: b\n- name: a\n", []string{`lab.yaml:4: nodes[2].name: Duplicate value: "a (also nodes[0])"`}},
		{"bad role", "nodes:\n- name: a\n  role: master\n", []string{`lab.yaml:3: nodes[0].role: Unsupported value: "master": supported values: "control-plane", "worker"`}},
		{"no worker", "nodes:\n- name: a\n  role: control-plane\n", []string{"lab.yaml:1: nodes: Required value: a lab needs at least one worker node"}},
		{"bad label key", "nodes:\n- name: a\n  labels:\n    ok: yes\n    bad key: x\n", []string{`lab.yaml:5: nodes[0].labels: Invalid value: "bad key": name part must consist of alphanumeric characters`}},
		{"bad label value", "nodes:\n- name: a\n  labels: {zone: \"a b\"}\n", []string{`lab.yaml:3: nodes[0].labels: Invalid value: "a b": a valid label must be`}},
		{"kubelet's label", "nodes:\n- name: a\n  labels:\n    kubernetes.io/hostname: b\n", []string{"lab.yaml:4: nodes[0].labels[kubernetes.io/hostname]: Forbidden: the kubelet sets this label itself"}},
		{"taint without effect", "nodes:\n- name: a\n  taints:\n  - key: gpu\n", []string{"lab.yaml:4: nodes[0].taints[0].effect: Required value"}},
		{"bad effect", "nodes:\n- name: a\n  taints:\n  - {key: gpu, effect: NoRun}\n", []string{`lab.yaml:4: nodes[0].taints[0].effect: Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"`}},
		{"bad taint key", "nodes:\n- name: a\n  taints:\n  - effect: NoSchedule\n    key: -gpu\n", []string{`lab.yaml:5: nodes[0].taints[0].key: Invalid value: "-gpu"`}},
		{"duplicate taint", "nodes:\n- name: a\n  taints:\n  - {key: gpu, effect: NoSchedule}\n  - {key: gpu, value: x, effect: NoSchedule}\n", []string{`lab.yaml:5: nodes[0].taints[1]: Duplicate value: "gpu:NoSchedule (also taints[0])`}},
		{"bad quantity", "nodes:\n- name: a\n  capacity:\n    cpu: two\n", []string{`lab.yaml:4: nodes[0].capacity.cpu: Invalid value: "two": must be a quantity`}},
		{"zero memory", "nodes:\n- name: a\n  capacity: {memory: 0}\n", []string{`lab.yaml:3: nodes[0].capacity.memory: Invalid value: "0": must be greater than zero`}},
		{"fractional pods", "nodes:\n- name: a\n  capacity: {pods: 1.5}\n", []string{`lab.yaml:3: nodes[0].capacity.pods: Invalid value: "1.5": must be a whole number of pods`}},
		{"unknown resource", "nodes:\n- name: a\n  capacity: {gpu: 1}\n", []string{`lab.yaml:3: nodes[0].capacity.gpu: unknown field "gpu" (expected cpu, memory, pods)`}},
		{"two documents", "nodes: [{name: a}]\n---\nnodes: [{name: b}]\n", []string{"lab.yaml:3: a cluster file is one YAML document"}},
		{"several problems at once", "nodes:\n- name: a\n  role: boss\n- name: B\n", []string{"lab.yaml:3: nodes[0].role", "lab.yaml:4: nodes[1].name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("lab.yaml", []byte(tc.file))
			if err == nil {
				t.Fatalf("no error for\n%s", tc.file)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain\n%s", err, w)
				}
			}
		})
	}
}

func TestCheckWorkers(t *testing.T) {
	for _, n := range []int{1, 2, 49} {
		if err := CheckWorkers(n); err != nil {
			t.Errorf("--nodes %d: %v", n, err)
		}
	}
	for _, n := range []int{0, -1, 50} {
		if err := CheckWorkers(n); err == nil {
			t.Errorf("--nodes %d accepted", n)
		}
	}
}
