package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Fitting lines into the window: one line each, cut at whole key hints.

// oneLine joins a multi-line text (an error from the API, say) into one
// line, its lines separated by " · ", so a footer never grows.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	var parts []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, " · ")
}

// fitHints keeps as many whole hints of a line of hints separated by sep as
// fit in width, then " …", the way bubbles' help cuts a short help view.
func fitHints(line, sep string, width int) string {
	if ansi.StringWidth(line) <= width {
		return line
	}
	const tail = " …"
	hints := strings.Split(line, sep)
	out := ""
	for i, h := range hints {
		next := h
		if i > 0 {
			next = out + sep + h
		}
		if ansi.StringWidth(next)+ansi.StringWidth(tail) > width {
			break
		}
		out = next
	}
	if out == "" {
		return ansi.Truncate(line, width, "…")
	}
	return out + tail
}
