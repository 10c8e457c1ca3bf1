package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// The help overlay is taller than a small window: it shows in a bubbles
// viewport over all but the last line, which keeps its keys and says
// which lines show, as the node map does.

// newHelpViewport is the overlay's viewport: the pager keys of bubbles'
// viewport, without sideways scrolling (its lines are wrapped to fit).
func newHelpViewport() viewport.Model {
	vp := viewport.New()
	vp.KeyMap.Left.SetEnabled(false)
	vp.KeyMap.Right.SetEnabled(false)
	return vp
}

// helpViewport is the overlay's viewport at the window's size, holding the
// help's lines, at the place last scrolled to.
func (m Model) helpViewport() viewport.Model {
	vp := m.helpView
	vp.SetWidth(m.width)
	vp.SetHeight(max(1, m.height-1))
	vp.SetContentLines(wrapHanging(m.renderHelp(), m.width))
	return vp
}

// updateHelp scrolls the overlay; ? or esc closes it (at the top again next
// time), q quits as everywhere.
func (m Model) updateHelp(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	vp := m.helpViewport()
	switch {
	case key.Matches(msg, keys.Quit):
		return m, tea.Quit
	case key.Matches(msg, keys.HelpClose):
		m.showHelp = false
		vp.GotoTop()
	case key.Matches(msg, keys.First):
		vp.GotoTop()
	case key.Matches(msg, keys.Last):
		vp.GotoBottom()
	default:
		vp, _ = vp.Update(msg)
	}
	m.helpView = vp
	return m, nil
}

// renderHelpOverlay is the overlay in the window's lines.
func (m Model) renderHelpOverlay() []string {
	vp := m.helpViewport()
	body := m.fit(strings.Split(vp.View(), "\n"), m.height-1)
	return append(body, m.helpFooter(vp))
}

// helpFooter is the overlay's keys, and "lines 1–23 of 34" when it scrolls.
func (m Model) helpFooter(vp viewport.Model) string {
	total := vp.TotalLineCount()
	if total <= vp.Height() {
		return m.help.ShortHelpView([]key.Binding{keys.HelpClose, keys.Quit})
	}
	first := vp.YOffset() + 1
	last := min(total, vp.YOffset()+vp.Height())
	where := m.styles.Dim.Render(fmt.Sprintf("lines %d–%d of %d", first, last, total))
	h := m.help
	h.SetWidth(max(0, m.width-lipgloss.Width(where)-2))
	return spread(h.ShortHelpView([]key.Binding{keys.HelpScroll, keys.PageDown, keys.HelpClose, keys.Quit}), where, m.width)
}

// fullHelp is the keymap's columns side by side, or in rows of fewer
// columns when they do not all fit the width (bubbles' help would drop the
// columns that do not fit).
func (m Model) fullHelp() string {
	groups := keys.FullHelp()
	h := m.help
	h.SetWidth(0) // measured whole
	for per := len(groups); ; per-- {
		var rows []string
		fits := true
		for i := 0; i < len(groups); i += per {
			row := h.FullHelpView(groups[i:min(i+per, len(groups))])
			fits = fits && lipgloss.Width(row) <= m.width
			rows = append(rows, row)
		}
		if fits || per == 1 {
			return strings.Join(rows, "\n\n")
		}
	}
}

// wrapHanging wraps the lines wider than width at spaces, the following
// lines indented two more than the first.
func wrapHanging(lines []string, width int) []string {
	var out []string
	for _, l := range lines {
		if ansi.StringWidth(l) <= width {
			out = append(out, l)
			continue
		}
		body := strings.TrimLeft(l, " ")
		indent := len(l) - len(body)
		limit := width - indent - 2
		if limit < 10 {
			out = append(out, l) // too narrow to wrap well: it is cut instead
			continue
		}
		for i, w := range strings.Split(ansi.Wrap(body, limit, ""), "\n") {
			pad := indent + 2
			if i == 0 {
				pad = indent
			}
			out = append(out, strings.Repeat(" ", pad)+strings.TrimRight(w, " "))
		}
	}
	return out
}
