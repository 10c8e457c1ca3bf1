package printers

import (
	"io"
	"strings"
	"unicode/utf8"
)

// StreamTable writes a table whose rows arrive over time, as kubectl get
// -w does with its tab writer's RememberWidths: column widths persist
// across flushes, so later rows line up under the header, and a wider cell
// widens its column from then on. Widths follow NewTabWriter's rules.
type StreamTable struct {
	w      io.Writer
	widths []int
	rows   [][]string
}

// NewStreamTable writes to w.
func NewStreamTable(w io.Writer) *StreamTable { return &StreamTable{w: w} }

// Row adds a row; it is written at the next Flush.
func (t *StreamTable) Row(cells []string) { t.rows = append(t.rows, cells) }

// Flush writes the rows added since the last Flush.
func (t *StreamTable) Flush() error {
	for _, r := range t.rows {
		for i := 0; i < len(r)-1; i++ { // the last cell ends the line and sets no width
			if i == len(t.widths) {
				t.widths = append(t.widths, tableMinWidth)
			}
			t.widths[i] = max(t.widths[i], utf8.RuneCountInString(r[i])+tablePadding)
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", t.widths[i]-utf8.RuneCountInString(c)))
			}
		}
		b.WriteByte('\n')
	}
	t.rows = t.rows[:0]
	_, err := io.WriteString(t.w, b.String())
	return err
}
