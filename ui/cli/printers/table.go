// Package printers renders API objects the way kubectl does: `get` tables
// (with -o wide, -A, --show-labels, -L), `describe` pages, and yaml/json/name
// output. Pure functions from objects to text; the TUI reuses them.
package printers

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/podlab/podlab/runtime/api"
)

// TableOptions mirrors kubectl get's printing flags.
type TableOptions struct {
	Wide          bool
	NoHeaders     bool
	WithNamespace bool // -A: a NAMESPACE column first
	ShowLabels    bool
	LabelColumns  []string // -L
	Now           time.Time
}

// NewTabWriter is kubectl's tab writer: columns padded by three spaces.
func NewTabWriter(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 8, 3, ' ', 0) }

// Age is kubectl's age column: a short human duration, "<unknown>" for none.
func Age(t time.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t))
}

// Headers returns the column headers for a resource.
func Headers(res api.Resource, opts TableOptions) []string {
	var h []string
	switch res.Name {
	case api.Pods.Name:
		h = []string{"NAME", "READY", "STATUS", "RESTARTS", "AGE"}
		if opts.Wide {
			h = append(h, "IP", "NODE", "NOMINATED NODE", "READINESS GATES")
		}
	case api.Nodes.Name:
		h = []string{"NAME", "STATUS", "ROLES", "AGE", "VERSION"}
		if opts.Wide {
			h = append(h, "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME")
		}
	case api.Events.Name:
		h = []string{"LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"}
		if opts.Wide {
			h = []string{"LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN", "COUNT", "NAME"}
		}
	case api.Namespaces.Name:
		h = []string{"NAME", "STATUS", "AGE"}
	case api.ConfigMaps.Name:
		h = []string{"NAME", "DATA", "AGE"}
	case api.Secrets.Name:
		h = []string{"NAME", "TYPE", "DATA", "AGE"}
	default:
		h = []string{"NAME", "AGE"}
	}
	if opts.WithNamespace && res.Namespaced {
		h = append([]string{"NAMESPACE"}, h...)
	}
	for _, l := range opts.LabelColumns {
		h = append(h, strings.ToUpper(l))
	}
	if opts.ShowLabels {
		h = append(h, "LABELS")
	}
	return h
}

// Row returns one object's cells, matching Headers.
func Row(res api.Resource, obj api.Object, opts TableOptions) []string {
	var cells []string
	switch o := obj.(type) {
	case *corev1.Pod:
		cells = podRow(o, opts)
	case *corev1.Node:
		cells = nodeRow(o, opts)
	case *corev1.Event:
		cells = eventRow(o, opts)
	case *corev1.Namespace:
		cells = []string{o.Name, string(o.Status.Phase), Age(o.CreationTimestamp.Time, opts.Now)}
	case *corev1.ConfigMap:
		cells = []string{o.Name, fmt.Sprint(len(o.Data) + len(o.BinaryData)), Age(o.CreationTimestamp.Time, opts.Now)}
	case *corev1.Secret:
		cells = []string{o.Name, string(o.Type), fmt.Sprint(len(o.Data)), Age(o.CreationTimestamp.Time, opts.Now)}
	default:
		cells = []string{obj.GetName(), Age(obj.GetCreationTimestamp().Time, opts.Now)}
	}
	if opts.WithNamespace && res.Namespaced {
		cells = append([]string{obj.GetNamespace()}, cells...)
	}
	for _, l := range opts.LabelColumns {
		cells = append(cells, obj.GetLabels()[l])
	}
	if opts.ShowLabels {
		cells = append(cells, FormatLabels(obj.GetLabels()))
	}
	return cells
}

// FormatLabels renders labels as kubectl does: sorted k=v pairs, or <none>.
func FormatLabels(m map[string]string) string {
	if len(m) == 0 {
		return "<none>"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, ",")
}

// PrintTable writes objects of one resource as kubectl's table.
func PrintTable(w io.Writer, res api.Resource, objs []api.Object, opts TableOptions) error {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	tw := NewTabWriter(w)
	if !opts.NoHeaders {
		fmt.Fprintln(tw, strings.Join(Headers(res, opts), "\t"))
	}
	for _, o := range objs {
		fmt.Fprintln(tw, strings.Join(Row(res, o, opts), "\t"))
	}
	return tw.Flush()
}

// NoResources is kubectl's message for an empty list.
func NoResources(namespace string, allNamespaces bool) string {
	if allNamespaces || namespace == "" {
		return "No resources found"
	}
	return fmt.Sprintf("No resources found in %s namespace.", namespace)
}

func nodeRow(n *corev1.Node, opts TableOptions) []string {
	status := "Unknown"
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			if c.Status == corev1.ConditionTrue {
				status = "Ready"
			} else {
				status = "NotReady"
			}
		}
	}
	if n.Spec.Unschedulable {
		status += ",SchedulingDisabled"
	}
	var roles []string
	for k := range n.Labels {
		if r, ok := strings.CutPrefix(k, "node-role.kubernetes.io/"); ok && r != "" {
			roles = append(roles, r)
		}
	}
	sort.Strings(roles)
	role := "<none>"
	if len(roles) > 0 {
		role = strings.Join(roles, ",")
	}
	cells := []string{n.Name, status, role, Age(n.CreationTimestamp.Time, opts.Now), n.Status.NodeInfo.KubeletVersion}
	if opts.Wide {
		internal, external := "<none>", "<none>"
		for _, a := range n.Status.Addresses {
			switch a.Type {
			case corev1.NodeInternalIP:
				internal = a.Address
			case corev1.NodeExternalIP:
				external = a.Address
			}
		}
		cells = append(cells, internal, external, n.Status.NodeInfo.OSImage, n.Status.NodeInfo.KernelVersion, n.Status.NodeInfo.ContainerRuntimeVersion)
	}
	return cells
}

func eventRow(e *corev1.Event, opts TableOptions) []string {
	last := e.LastTimestamp.Time
	if last.IsZero() {
		last = e.EventTime.Time
	}
	obj := strings.ToLower(e.InvolvedObject.Kind) + "/" + e.InvolvedObject.Name
	if !opts.Wide {
		return []string{Age(last, opts.Now), e.Type, e.Reason, obj, strings.TrimSpace(e.Message)}
	}
	source := e.Source.Component
	if e.Source.Host != "" {
		source += ", " + e.Source.Host
	}
	return []string{Age(last, opts.Now), e.Type, e.Reason, obj, e.InvolvedObject.FieldPath, source, strings.TrimSpace(e.Message),
		Age(e.FirstTimestamp.Time, opts.Now), fmt.Sprint(e.Count), e.Name}
}
