package cmdenv

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// PrintWarnings prints the API server's warnings as kubectl does.
func (e *Env) PrintWarnings(ws []string) {
	for _, w := range ws {
		fmt.Fprintf(e.Stderr, "Warning: %s\n", w)
	}
}

// NewTabWriter lines up the columns of the commands' own listings
// (api-resources, status, pack list).
func NewTabWriter(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 8, 3, ' ', 0) }
