// Package tables is the one source of the columns `get` prints: for every
// resource it builds the metav1.Table that kube-apiserver's printers build —
// column definitions (name, type, format, priority, description) and one row
// of cells per object, with the object itself in Row.Object — so the lab's
// API server answers kubectl's `as=Table` requests (Convertor) and podlab's
// own get renders the very same table client-side.
//
// Cells are always the full, wide set, as the API server sends them; which
// columns a reader sees (-o wide, -A, -L, --show-labels) is the renderer's
// business, not this package's. Ages are measured from a caller-supplied
// instant, so a table is a pure function of its objects and "now".
//
// It imports runtime/api and k8s.io types only.
package tables
