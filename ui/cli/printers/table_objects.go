package printers

import (
	"io"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/tables"
)

// This file prints the lab's objects as get tables: runtime/tables builds
// their metav1.Table — the one the API server sends kubectl — and
// table.go renders it.

// forResource drops the NAMESPACE column of a cluster-scoped resource, as
// kubectl get -A does.
func forResource(res api.Resource, opts TableOptions) TableOptions {
	if !res.Namespaced {
		opts.WithNamespace = false
	}
	if opts.ShowKind {
		opts.kind = KindPrefix(res)
	}
	return opts
}

// KindPrefix is how kubectl names a resource's kind before its objects'
// names: the kind in lower case, with its group unless core ("pod",
// "deployment.apps").
func KindPrefix(res api.Resource) string {
	if res.Group == "" {
		return strings.ToLower(res.Kind)
	}
	return strings.ToLower(res.Kind) + "." + res.Group
}

// PrintTable writes objects of one resource as kubectl get's table: their
// runtime/tables table, rendered by RenderTable. The caller sorts the
// objects and reports an empty list (see NoResources).
func PrintTable(w io.Writer, res api.Resource, objs []api.Object, opts TableOptions) error {
	t, err := tables.For(res, objs, opts.Now)
	if err != nil {
		return err
	}
	return RenderTable(w, t, forResource(res, opts))
}

// Headers returns a resource's header row for opts, as kubectl get prints
// it; a watch prints it once, then a Row per change.
func Headers(res api.Resource, opts TableOptions) []string {
	return TableHeaders(&metav1.Table{ColumnDefinitions: tables.Columns(res)}, forResource(res, opts))
}

// Row returns one object's cells, matching Headers(res, opts).
func Row(res api.Resource, obj api.Object, opts TableOptions) ([]string, error) {
	t, err := tables.For(res, []api.Object{obj}, opts.Now)
	if err != nil {
		return nil, err
	}
	return TableRows(t, forResource(res, opts))[0], nil
}

// PodStatus is the STATUS cell of a pod's row (see tables.PodStatus), for
// callers that colour it.
func PodStatus(p *corev1.Pod) string { return tables.PodStatus(p) }
