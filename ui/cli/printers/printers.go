// Package printers renders API objects the way kubectl does: `get` tables
// (with -o wide, -A, --show-labels, -L), `describe` pages, and yaml/json/name
// output. Pure functions from objects to text; the TUI reuses them.
package printers

import (
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"

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

// PrintTable writes objects of one resource as kubectl's table.
func PrintTable(w io.Writer, res api.Resource, objs []api.Object, opts TableOptions) error {
	panic("printers.PrintTable: not implemented yet")
}

// PodStatus is the STATUS column of `kubectl get pods` (Running,
// Init:1/2, CrashLoopBackOff, Terminating, Completed, ...).
func PodStatus(pod *corev1.Pod) string {
	panic("printers.PodStatus: not implemented yet")
}

// Describe writes kubectl describe's page for obj; events are those whose
// involvedObject is obj, related pods are used for nodes.
func Describe(w io.Writer, obj api.Object, events []corev1.Event, related []corev1.Pod, now time.Time) error {
	panic("printers.Describe: not implemented yet")
}

// PrintObject writes obj (or a list, when len(objs) != 1 or asList) as "yaml", "json" or "name".
func PrintObjects(w io.Writer, format string, res api.Resource, objs []api.Object, asList bool) error {
	panic("printers.PrintObjects: not implemented yet")
}
