package printers

import (
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// This file renders a metav1.Table the way kubectl's table printer does
// (cli-runtime's HumanReadablePrinter): the columns come from the table and
// the options only choose and decorate them. table_objects.go builds the
// table of the lab's own objects with runtime/tables.

// column is one printed column: its header and how a row fills its cell.
type column struct {
	header string
	cell   func(row metav1.TableRow) any
}

// layout is kubectl's decorated table: NAMESPACE first with WithNamespace,
// then the table's columns (those of priority above 0 only with Wide), one
// column per -L label, LABELS last. Namespace and labels come from each
// row's object; a row without one gets empty cells there.
func layout(t *metav1.Table, opts TableOptions) []column {
	var cols []column
	if opts.WithNamespace {
		cols = append(cols, column{"NAMESPACE", func(r metav1.TableRow) any {
			if m := rowMeta(r); m != nil {
				return m.GetNamespace()
			}
			return nil
		}})
	}
	for i, def := range t.ColumnDefinitions {
		if def.Priority != 0 && !opts.Wide {
			continue
		}
		prefix := ""
		if i == 0 && def.Name == "Name" && opts.kind != "" {
			prefix = opts.kind + "/"
		}
		cols = append(cols, column{strings.ToUpper(def.Name), func(r metav1.TableRow) any {
			if i < len(r.Cells) {
				if prefix != "" {
					return prefix + cellText(r.Cells[i])
				}
				return r.Cells[i]
			}
			return nil
		}})
	}
	for _, key := range opts.LabelColumns {
		// kubectl names a label column by the key's last path segment:
		// "app.kubernetes.io/name" → NAME. A missing label is an empty cell.
		cols = append(cols, column{strings.ToUpper(key[strings.LastIndex(key, "/")+1:]), func(r metav1.TableRow) any {
			if m := rowMeta(r); m != nil {
				return m.GetLabels()[key]
			}
			return nil
		}})
	}
	if opts.ShowLabels {
		cols = append(cols, column{"LABELS", func(r metav1.TableRow) any {
			if m := rowMeta(r); m != nil {
				return FormatLabels(m.GetLabels())
			}
			return nil
		}})
	}
	return cols
}

func rowMeta(r metav1.TableRow) metav1.Object {
	if r.Object.Object == nil {
		return nil
	}
	m, err := meta.Accessor(r.Object.Object)
	if err != nil {
		return nil
	}
	return m
}

// cellText prints a cell as kubectl does: nothing for nil, a string cut to
// one line and escaped (see tableCell), anything else through fmt.
func cellText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return tableCell(v)
	default:
		return tableCell(fmt.Sprint(v))
	}
}

// TableHeaders is the header row kubectl prints for t under opts.
func TableHeaders(t *metav1.Table, opts TableOptions) []string {
	cols := layout(t, opts)
	h := make([]string, len(cols))
	for i, c := range cols {
		h[i] = c.header
	}
	return h
}

// TableRows are t's rows as kubectl prints them under opts, cell by cell.
func TableRows(t *metav1.Table, opts TableOptions) [][]string {
	cols := layout(t, opts)
	rows := make([][]string, len(t.Rows))
	for i, r := range t.Rows {
		cells := make([]string, len(cols))
		for j, c := range cols {
			cells[j] = cellText(c.cell(r))
		}
		rows[i] = cells
	}
	return rows
}

// RenderTable writes t as kubectl get's table, aligned by kubectl's tab
// writer: the headers (unless NoHeaders), then a line per row. Like
// kubectl, a table without rows prints nothing at all.
func RenderTable(w io.Writer, t *metav1.Table, opts TableOptions) error {
	if len(t.Rows) == 0 {
		return nil
	}
	tw := NewTabWriter(w)
	if !opts.NoHeaders {
		fmt.Fprintln(tw, strings.Join(TableHeaders(t, opts), "\t"))
	}
	for _, cells := range TableRows(t, opts) {
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}
