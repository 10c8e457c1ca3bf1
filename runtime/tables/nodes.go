package tables

import (
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var nodePrinter = typed(
	[]metav1.TableColumnDefinition{
		nameCol(),
		col("Status", typeString, "The status of the node"),
		col("Roles", typeString, "The roles of the node"),
		ageCol(),
		col("Version", typeString, corev1.NodeSystemInfo{}.SwaggerDoc()["kubeletVersion"]),
		wide("Internal-IP", typeString, corev1.NodeStatus{}.SwaggerDoc()["addresses"]),
		wide("External-IP", typeString, corev1.NodeStatus{}.SwaggerDoc()["addresses"]),
		wide("OS-Image", typeString, corev1.NodeSystemInfo{}.SwaggerDoc()["osImage"]),
		wide("Kernel-Version", typeString, corev1.NodeSystemInfo{}.SwaggerDoc()["kernelVersion"]),
		wide("Container-Runtime", typeString, corev1.NodeSystemInfo{}.SwaggerDoc()["containerRuntimeVersion"]),
	},
	nodeRow,
)

// nodeRow: STATUS from the Ready condition (Ready, NotReady, or Unknown
// without one) plus SchedulingDisabled when cordoned; missing node info is
// <unknown> in the wide cells.
func nodeRow(n *corev1.Node, now time.Time) metav1.TableRow {
	status := "Unknown"
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			status = "NotReady"
			if c.Status == corev1.ConditionTrue {
				status = "Ready"
			}
			break
		}
	}
	if n.Spec.Unschedulable {
		status += ",SchedulingDisabled"
	}
	unknown := func(s string) string {
		if s == "" {
			return "<unknown>"
		}
		return s
	}
	info := n.Status.NodeInfo
	return metav1.TableRow{Cells: []any{
		n.Name, status, orNone(strings.Join(NodeRoles(n), ",")), age(n.CreationTimestamp, now), info.KubeletVersion,
		nodeAddress(n, corev1.NodeInternalIP), nodeAddress(n, corev1.NodeExternalIP),
		unknown(info.OSImage), unknown(info.KernelVersion), unknown(info.ContainerRuntimeVersion),
	}}
}

// NodeRoles is a node's ROLES: the suffixes of its
// node-role.kubernetes.io/<role> labels and the value of a
// kubernetes.io/role label, sorted, without duplicates.
func NodeRoles(n *corev1.Node) []string {
	set := map[string]bool{}
	for k, v := range n.Labels {
		if role, ok := strings.CutPrefix(k, "node-role.kubernetes.io/"); ok {
			if role != "" {
				set[role] = true
			}
		} else if k == "kubernetes.io/role" && v != "" {
			set[v] = true
		}
	}
	roles := make([]string, 0, len(set))
	for r := range set {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	return roles
}

// nodeAddress is the node's first address of a type, or <none>.
func nodeAddress(n *corev1.Node, typ corev1.NodeAddressType) string {
	for _, a := range n.Status.Addresses {
		if a.Type == typ {
			return a.Address
		}
	}
	return "<none>"
}
