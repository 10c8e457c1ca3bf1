package tui

import (
	"bytes"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/ui/cli/printers"
)

// View renders the whole screen at the window's size.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "podlab"
	return v
}

func (m Model) render() string {
	if m.showHelp {
		return strings.Join(m.fit(m.renderHelp(), m.height), "\n")
	}
	var out []string
	out = append(out, m.titleLine())
	switch m.screen {
	case screenHome:
		out = append(out, m.renderHome()...)
		footer := m.footer()
		out = append(m.fit(out, m.height-len(footer)), footer...)
		return strings.Join(m.fitLines(out, m.height), "\n")
	case screenLesson:
		footer := m.footer()
		out = append(out, m.renderLesson(m.height-len(out)-len(footer))...)
		out = append(m.fit(out, m.height-len(footer)), footer...)
		return strings.Join(m.fitLines(out, m.height), "\n")
	}
	table := m.renderTable()
	out = append(out, table...)
	out = append(out, m.paneTabs())
	footer := m.footer()
	room := m.height - len(out) - len(footer)
	out = append(out, m.fit(m.renderPane(), room)...)
	out = append(out, footer...)
	return strings.Join(m.fitLines(out, m.height), "\n")
}

func (m Model) titleLine() string {
	left := m.styles.Title.Render("podlab") + "  " + m.styles.Dim.Render(fmt.Sprintf("namespace %s · %d pods", m.opts.Namespace, len(m.pods)))
	right := m.styles.Dim.Render("? help  q quit")
	gap := m.width - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		return left
	}
	return left + strings.Repeat(" ", gap) + right
}

// renderTable is the pods table with kubectl's columns, the selection
// reversed, statuses coloured and a restart count that just went up marked.
func (m Model) renderTable() []string {
	pods := m.sortedPods()
	if len(pods) == 0 {
		return []string{m.styles.Dim.Render("No pods yet. Press : and type apply -f <file>, or run podlab apply in another terminal.")}
	}
	opts := printers.TableOptions{Now: m.opts.Now()}
	var buf bytes.Buffer
	tw := printers.NewTabWriter(&buf)
	fmt.Fprintln(tw, strings.Join(printers.Headers(api.Pods, opts), "\t"))
	for _, p := range pods {
		fmt.Fprintln(tw, strings.Join(printers.Row(api.Pods, p, opts), "\t"))
	}
	tw.Flush()
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	maxRows := max(3, (m.height-6)/3)
	out := []string{m.styles.Header.Render(lines[0])}
	start := 0
	for i, p := range pods {
		if p.Name == m.selected && i >= maxRows {
			start = i - maxRows + 1
		}
	}
	for i := start; i < len(pods) && i < start+maxRows; i++ {
		line := m.colourRow(lines[i+1], pods[i])
		if pods[i].Name == m.selected {
			line = m.styles.Selected.Render(lines[i+1])
		}
		if m.changed[pods[i].Name] {
			line += " " + m.styles.Changed.Render("↻ restarted")
		}
		out = append(out, line)
	}
	if len(pods) > maxRows {
		out = append(out, m.styles.Dim.Render(fmt.Sprintf("… %d pods in all (↑/↓)", len(pods))))
	}
	return out
}

func (m Model) colourRow(line string, p *corev1.Pod) string {
	status := printers.PodStatus(p)
	if i := strings.Index(line, status); i >= 0 && status != "" {
		line = line[:i] + m.styles.statusStyle(status).Render(status) + line[i+len(status):]
	}
	return line
}

func (m Model) paneTabs() string {
	var tabs []string
	for p := pane(0); p < paneCount; p++ {
		name := p.String()
		if p == m.pane {
			name = m.styles.PaneTitle.Render("[" + name + "]")
		} else {
			name = m.styles.Dim.Render(" " + name + " ")
		}
		tabs = append(tabs, name)
	}
	title := ""
	if p := m.selectedPod(); p != nil {
		title = "pod/" + p.Name + "  "
	}
	if m.showOutput {
		title = m.styles.PaneTitle.Render("[command output]") + "  "
	}
	return title + strings.Join(tabs, " ")
}

func (m Model) renderPane() []string {
	p := m.selectedPod()
	if m.showOutput {
		return strings.Split(strings.TrimRight(m.output, "\n"), "\n")
	}
	if p == nil {
		return []string{m.styles.Dim.Render("Select a pod to see it here.")}
	}
	switch m.pane {
	case paneAnatomy:
		return anatomy(p, m.styles)
	case paneEvents:
		return m.podEvents(p)
	case paneTimeline:
		return m.timeline(p)
	case paneLogs:
		which := m.logContainerName(p)
		if m.logPrevious {
			which += " (previous instance)"
		}
		head := m.styles.Dim.Render("logs of " + which + " · c next container · p previous")
		if m.logsFor != m.logsKey(p) {
			return []string{head, m.styles.Dim.Render("loading logs…")}
		}
		return append([]string{head}, lastLines(strings.Split(strings.TrimRight(m.logs, "\n"), "\n"), max(1, m.height-13))...)
	}
	var buf bytes.Buffer
	printers.Describe(&buf, p, m.eventsOf(p), nil, m.opts.Now())
	return strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
}

func (m Model) eventsOf(p *corev1.Pod) []corev1.Event {
	var out []corev1.Event
	for _, e := range m.events {
		if e.InvolvedObject.Name == p.Name && (e.InvolvedObject.UID == "" || e.InvolvedObject.UID == p.UID) {
			out = append(out, e)
		}
	}
	return out
}

// podEvents lists the pod's events, newest last (the timeline of what happened).
func (m Model) podEvents(p *corev1.Pod) []string {
	evs := m.eventsOf(p)
	if len(evs) == 0 {
		return []string{m.styles.Dim.Render("No events yet.")}
	}
	var out []string
	for _, e := range evs {
		line := fmt.Sprintf("%-8s %-7s %-16s %s", printers.Age(e.LastTimestamp.Time, m.opts.Now()), e.Type, e.Reason, e.Message)
		if e.Type == corev1.EventTypeWarning {
			line = m.styles.Error.Render(line)
		}
		out = append(out, line)
	}
	return lastLines(out, max(1, m.height-12))
}

func (m Model) footer() []string {
	var lines []string
	switch {
	case m.commanding:
		lines = append(lines, m.input.View())
	case m.err != "":
		lines = append(lines, m.styles.Error.Render("error: "+m.err))
	}
	switch m.screen {
	case screenLesson:
		lines = append(lines, m.styles.Dim.Render("j/k scroll • A apply • E edit+apply • C copy • h hint • S solution • R reset • w workspace"))
	case screenHome:
	default:
		lines = append(lines, m.help.ShortHelpView(keys.ShortHelp()))
	}
	return lines
}

func (m Model) renderHelp() []string {
	lines := []string{m.styles.Title.Render("podlab — keys"), ""}
	lines = append(lines, strings.Split(m.help.FullHelpView(keys.FullHelp()), "\n")...)
	lines = append(lines, "", "In the command bar (:), type kubectl commands without \"kubectl\":",
		"  get pods -o wide · describe pod web · logs web · delete pod web",
		"  tab completes verbs and pod names; ↑/↓ walk the history; esc closes it.",
		"", m.styles.Dim.Render("Press ? to close this help."))
	return lines
}

// fit cuts or pads lines to exactly n lines of the window's width.
func (m Model) fit(lines []string, n int) []string {
	if n <= 0 {
		return nil
	}
	if len(lines) > n {
		lines = lines[:n]
	}
	for len(lines) < n {
		lines = append(lines, "")
	}
	return m.fitLines(lines, n)
}

func (m Model) fitLines(lines []string, n int) []string {
	if len(lines) > n {
		lines = lines[:n]
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = ansi.Truncate(l, m.width, "…")
	}
	return out
}

func lastLines(lines []string, n int) []string {
	if len(lines) > n {
		return lines[len(lines)-n:]
	}
	return lines
}
