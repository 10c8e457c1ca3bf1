package printers

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

func nodeHeaders(opts TableOptions) []string {
	h := []string{"NAME", "STATUS", "ROLES", "AGE", "VERSION"}
	if opts.Wide {
		h = append(h, "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME")
	}
	return h
}

// nodeRow follows kubectl's printNode: STATUS from the Ready condition
// (Ready, NotReady, or Unknown without one) plus SchedulingDisabled when
// cordoned; wide columns show <unknown> for missing node info.
func nodeRow(n *corev1.Node, opts TableOptions) []string {
	status := "Unknown"
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			if c.Status == corev1.ConditionTrue {
				status = "Ready"
			} else {
				status = "NotReady"
			}
			break
		}
	}
	if n.Spec.Unschedulable {
		status += ",SchedulingDisabled"
	}
	cells := []string{n.Name, status, orNone(strings.Join(nodeRoles(n), ",")), ageOf(n.CreationTimestamp, opts.Now), n.Status.NodeInfo.KubeletVersion}
	if opts.Wide {
		unknown := func(s string) string {
			if s == "" {
				return "<unknown>"
			}
			return s
		}
		info := n.Status.NodeInfo
		cells = append(cells, nodeAddress(n, corev1.NodeInternalIP), nodeAddress(n, corev1.NodeExternalIP),
			unknown(info.OSImage), unknown(info.KernelVersion), unknown(info.ContainerRuntimeVersion))
	}
	return cells
}

// nodeRoles is kubectl's findNodeRoles: the suffixes of
// node-role.kubernetes.io/<role> labels and the value of kubernetes.io/role,
// sorted and deduplicated.
func nodeRoles(n *corev1.Node) []string {
	set := map[string]bool{}
	for k, v := range n.Labels {
		if role, ok := strings.CutPrefix(k, "node-role.kubernetes.io/"); ok && role != "" {
			set[role] = true
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

// nodeAddress is the first address of a type, or <none>.
func nodeAddress(n *corev1.Node, typ corev1.NodeAddressType) string {
	for _, a := range n.Status.Addresses {
		if a.Type == typ {
			return a.Address
		}
	}
	return "<none>"
}

func eventHeaders(opts TableOptions) []string {
	if opts.Wide {
		return []string{"LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN", "COUNT", "NAME"}
	}
	return []string{"LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"}
}

// eventRow follows kubectl's printEvent: FIRST SEEN from firstTimestamp (or
// eventTime), LAST SEEN from lastTimestamp (or the first seen, or the
// series' last observation), COUNT at least 1.
func eventRow(e *corev1.Event, opts TableOptions) []string {
	first := ageOf(e.FirstTimestamp, opts.Now)
	if e.FirstTimestamp.IsZero() {
		first = microAgeOf(e.EventTime, opts.Now)
	}
	last := ageOf(e.LastTimestamp, opts.Now)
	if e.LastTimestamp.IsZero() {
		last = first
	}
	count := e.Count
	if e.Series != nil {
		last = microAgeOf(e.Series.LastObservedTime, opts.Now)
		count = e.Series.Count
	} else if count == 0 {
		count = 1 // events.k8s.io singletons carry no count
	}
	target := strings.ToLower(e.InvolvedObject.Kind)
	if e.InvolvedObject.Name != "" {
		target += "/" + e.InvolvedObject.Name
	}
	msg := strings.TrimSpace(e.Message)
	if !opts.Wide {
		return []string{last, e.Type, e.Reason, target, msg}
	}
	return []string{last, e.Type, e.Reason, target, e.InvolvedObject.FieldPath, eventSource(e), msg, first, fmt.Sprint(count), e.Name}
}

// eventSource is kubectl's formatEventSource: "component, host", each
// falling back to the reporting controller and instance.
func eventSource(e *corev1.Event) string {
	component, host := e.Source.Component, e.Source.Host
	if component == "" {
		component = e.ReportingController
	}
	if host == "" {
		host = e.ReportingInstance
	}
	if host == "" {
		return component
	}
	return component + ", " + host
}

func namespaceRow(ns *corev1.Namespace, opts TableOptions) []string {
	return []string{ns.Name, string(ns.Status.Phase), ageOf(ns.CreationTimestamp, opts.Now)}
}

// configMapRow: DATA counts data and binaryData keys, as kubectl does.
func configMapRow(cm *corev1.ConfigMap, opts TableOptions) []string {
	return []string{cm.Name, fmt.Sprint(len(cm.Data) + len(cm.BinaryData)), ageOf(cm.CreationTimestamp, opts.Now)}
}

func secretRow(s *corev1.Secret, opts TableOptions) []string {
	return []string{s.Name, string(s.Type), fmt.Sprint(len(s.Data)), ageOf(s.CreationTimestamp, opts.Now)}
}
