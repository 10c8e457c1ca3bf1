// Package printers renders API objects the way kubectl does: `get` tables
// (with -o wide, -A, --show-labels, -L), `describe` pages, and yaml, json
// and name output. A get table's columns and cells are runtime/tables'
// metav1.Table, the very table the lab's API server sends kubectl; this
// package only lays it out as kubectl's table printer does. Every function
// is pure: objects and a caller-supplied "now" in, text out, so the CLI and
// the TUI print the same bytes. It imports only k8s.io API types,
// apimachinery helpers, runtime/api, runtime/tables and runtime/client (the
// scheduler's explanation of a decision, schedule.go).
package printers

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/tables"
)

// TableOptions mirrors kubectl get's printing flags.
type TableOptions struct {
	Wide          bool
	NoHeaders     bool
	WithNamespace bool // -A: a NAMESPACE column first (namespaced resources only)
	ShowLabels    bool
	LabelColumns  []string // -L
	// ShowKind prefixes each name with its kind (kubectl's --show-kind,
	// implied when several types are asked for): "pod/web",
	// "deployment.apps/web".
	ShowKind bool
	kind     string // the prefix, set per resource by forResource
	// Now is the instant ages are measured from; callers must set it (a zero
	// Now makes every age "<invalid>").
	Now time.Time
}

// kubectl's get tab writer (cli-runtime printers.GetNewTabWriter): minimum
// cell width 6, tab width 4, three spaces of padding.
const (
	tableMinWidth = 6
	tableTabWidth = 4
	tablePadding  = 3
)

// NewTabWriter is kubectl's tab writer for get tables.
func NewTabWriter(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, tableMinWidth, tableTabWidth, tablePadding, ' ', 0)
}

// newDescribeWriter is the tab writer of kubectl describe (its tabbedString):
// no minimum width, tab width 8, two spaces of padding.
func newDescribeWriter(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
}

// Age is kubectl's translateTimestampSince: a short human duration from t
// to now, "<unknown>" for a zero time, "<invalid>" for a time in the future
// (the ages of get tables, see tables.Age).
func Age(t time.Time, now time.Time) string { return tables.Age(t, now) }

func ageOf(t metav1.Time, now time.Time) string { return Age(t.Time, now) }

func microAgeOf(t metav1.MicroTime, now time.Time) string { return Age(t.Time, now) }

// describeTime is the time format of kubectl describe (time.RFC1123Z), in
// the time's own location. Like kubectl, a zero time is printed as is.
func describeTime(t metav1.Time) string { return t.Time.Format(time.RFC1123Z) }

// FormatLabels renders labels as kubectl does (labels.FormatLabels): sorted
// k=v pairs joined by commas, or <none>.
func FormatLabels(m map[string]string) string {
	if len(m) == 0 {
		return "<none>"
	}
	keys := sortedKeys(m)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, ",")
}

// NoResources is kubectl get's message for an empty list: it names the
// namespace unless listing across namespaces or a cluster-scoped resource.
func NoResources(namespace string, allNamespaces bool) string {
	if allNamespaces || namespace == "" {
		return "No resources found"
	}
	return fmt.Sprintf("No resources found in %s namespace.", namespace)
}

// tableCell makes a value safe for one table cell as kubectl's printRows
// does: only the text before the first line break, followed by "..." when
// cut, and terminal escapes neutralised (cli-runtime WriteEscaped).
func tableCell(s string) string {
	cut := false
	if i := strings.IndexAny(s, "\f\n\r"); i >= 0 {
		s, cut = s[:i], true
	}
	s = strings.ReplaceAll(s, "\x1b", "^[")
	if cut {
		s += "..."
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
