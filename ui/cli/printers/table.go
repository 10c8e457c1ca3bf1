package printers

import (
	"fmt"
	"io"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/api"
)

// Headers returns a resource's column headers for opts, as kubectl get
// prints them: NAMESPACE first with -A, one column per -L label, LABELS last.
func Headers(res api.Resource, opts TableOptions) []string {
	var h []string
	switch res.Name {
	case api.Pods.Name:
		h = podHeaders(opts)
	case api.Nodes.Name:
		h = nodeHeaders(opts)
	case api.Events.Name:
		h = eventHeaders(opts)
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
	h = append(h, labelColumnHeaders(opts.LabelColumns)...)
	if opts.ShowLabels {
		h = append(h, "LABELS")
	}
	return h
}

// labelColumnHeaders names -L columns as kubectl's formatLabelHeaders: the
// last path segment of the key, upper-cased ("app.kubernetes.io/name" → NAME).
func labelColumnHeaders(keys []string) []string {
	h := make([]string, 0, len(keys))
	for _, k := range keys {
		h = append(h, strings.ToUpper(k[strings.LastIndex(k, "/")+1:]))
	}
	return h
}

// Row returns one object's cells, matching Headers(res, opts). Cells are
// already cut to one line, as kubectl prints them.
func Row(res api.Resource, obj api.Object, opts TableOptions) []string {
	var cells []string
	switch o := obj.(type) {
	case *corev1.Pod:
		cells = PodRow(o, opts)
	case *corev1.Node:
		cells = nodeRow(o, opts)
	case *corev1.Event:
		cells = eventRow(o, opts)
	case *corev1.Namespace:
		cells = namespaceRow(o, opts)
	case *corev1.ConfigMap:
		cells = configMapRow(o, opts)
	case *corev1.Secret:
		cells = secretRow(o, opts)
	default:
		cells = []string{obj.GetName(), ageOf(obj.GetCreationTimestamp(), opts.Now)}
	}
	if opts.WithNamespace && res.Namespaced {
		cells = append([]string{obj.GetNamespace()}, cells...)
	}
	// A missing -L label is an empty cell; --show-labels prints <none>.
	for _, k := range opts.LabelColumns {
		cells = append(cells, obj.GetLabels()[k])
	}
	if opts.ShowLabels {
		cells = append(cells, FormatLabels(obj.GetLabels()))
	}
	for i, c := range cells {
		cells[i] = tableCell(c)
	}
	return cells
}

// PrintTable writes objects of one resource as kubectl get's table. The
// caller sorts the objects and handles an empty list (see NoResources).
func PrintTable(w io.Writer, res api.Resource, objs []api.Object, opts TableOptions) error {
	tw := NewTabWriter(w)
	if !opts.NoHeaders {
		fmt.Fprintln(tw, strings.Join(Headers(res, opts), "\t"))
	}
	for _, o := range objs {
		fmt.Fprintln(tw, strings.Join(Row(res, o, opts), "\t"))
	}
	return tw.Flush()
}
