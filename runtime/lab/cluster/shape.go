package cluster

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Role is what a node is for.
type Role string

const (
	RoleControlPlane Role = "control-plane"
	RoleWorker       Role = "worker"
)

// Upstream's names for a control-plane node (kubeadm's mark-control-plane
// phase): it labels the node and registers it with a NoSchedule taint, so
// only pods that tolerate the taint run there.
const (
	LabelControlPlane            = "node-role.kubernetes.io/control-plane"
	LabelExcludeFromLoadBalancer = "node.kubernetes.io/exclude-from-external-load-balancers"
)

// ControlPlaneTaint is the taint kubeadm registers a control-plane node with.
var ControlPlaneTaint = corev1.Taint{Key: LabelControlPlane, Effect: corev1.TaintEffectNoSchedule}

// MaxNodes bounds a lab: every node is a kubelet in the control plane's
// process and a container on this machine.
const MaxNodes = 50

// DefaultWorkers is how many workers a lab has unless told otherwise.
const DefaultWorkers = 2

// Shape is a lab's set of virtual nodes, in the order they were given.
type Shape struct {
	Nodes []Node
}

// Node is one virtual node.
type Node struct {
	Name string
	Role Role
	// Labels and Taints are the file's own; Labels and RegisterTaints add
	// the role's.
	Labels map[string]string
	Taints []corev1.Taint
	// Capacity holds what the file set of cpu, memory and pods; the rest
	// is the machine's.
	Capacity corev1.ResourceList
}

// Default is a kubeadm-like lab: a tainted control-plane node named
// "control-plane" and workers node-1 … node-<workers>.
func Default(workers int) Shape {
	s := Shape{Nodes: []Node{{Name: "control-plane", Role: RoleControlPlane}}}
	for i := 1; i <= workers; i++ {
		s.Nodes = append(s.Nodes, Node{Name: fmt.Sprintf("node-%d", i), Role: RoleWorker})
	}
	return s
}

// SingleNode is the shape of a lab made before labs had shapes: one worker,
// node-1, with no control-plane node.
func SingleNode() Shape {
	return Shape{Nodes: []Node{{Name: "node-1", Role: RoleWorker}}}
}

// CheckWorkers validates --nodes N.
func CheckWorkers(n int) error {
	if n < 1 || n+1 > MaxNodes {
		return fmt.Errorf("--nodes %d: a lab has from 1 to %d workers besides its control-plane node", n, MaxNodes-1)
	}
	return nil
}

// Names are the nodes' names in order.
func (s Shape) Names() []string {
	out := make([]string, len(s.Nodes))
	for i, n := range s.Nodes {
		out[i] = n.Name
	}
	return out
}

// Node returns the node named name.
func (s Shape) Node(name string) (Node, bool) {
	for _, n := range s.Nodes {
		if n.Name == name {
			return n, true
		}
	}
	return Node{}, false
}

// String describes the shape for messages: "3 nodes (control-plane, node-1, node-2)".
func (s Shape) String() string {
	word := "nodes"
	if len(s.Nodes) == 1 {
		word = "node"
	}
	return fmt.Sprintf("%d %s (%s)", len(s.Nodes), word, strings.Join(s.Names(), ", "))
}

// Equal says whether two shapes describe the same lab.
func (s Shape) Equal(o Shape) bool { return string(s.body()) == string(o.body()) }

// NodeLabels are the labels the node registers with: its own and its role's.
func (n Node) NodeLabels() map[string]string {
	out := make(map[string]string, len(n.Labels)+2)
	for k, v := range n.Labels {
		out[k] = v
	}
	if n.Role == RoleControlPlane {
		out[LabelControlPlane] = ""
		out[LabelExcludeFromLoadBalancer] = ""
	}
	return out
}

// RegisterTaints are the taints the node registers with (the kubelet's
// --register-with-taints): the role's, then its own.
func (n Node) RegisterTaints() []corev1.Taint {
	var out []corev1.Taint
	if n.Role == RoleControlPlane && !hasTaint(n.Taints, ControlPlaneTaint) {
		out = append(out, ControlPlaneTaint)
	}
	return append(out, n.Taints...)
}

func hasTaint(list []corev1.Taint, t corev1.Taint) bool {
	for _, x := range list {
		if x.Key == t.Key && x.Effect == t.Effect {
			return true
		}
	}
	return false
}

// capacityKeys are the resources a cluster file may set, in the file's order.
var capacityKeys = []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourcePods}

// quantity returns the capacity's value for name, if set.
func (n Node) quantity(name corev1.ResourceName) (resource.Quantity, bool) {
	q, ok := n.Capacity[name]
	return q, ok
}
