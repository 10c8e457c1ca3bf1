package tui

import (
	"bytes"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
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
		return strings.Join(m.fitLines(m.renderHelpOverlay(), m.height), "\n")
	}
	var out []string
	out = append(out, m.titleLine())
	switch m.screen {
	case screenHome:
		// The chapters scroll in the rows the title and the footer leave.
		footer := m.footer()
		out = append(out, m.renderHome(m.height-len(out)-len(footer))...)
		out = append(m.fit(out, m.height-len(footer)), footer...)
		return strings.Join(m.fitLines(out, m.height), "\n")
	case screenLesson:
		footer := m.footer()
		room := m.height - len(out) - len(footer)
		if m.split() {
			out = append(out, m.renderSplit(room)...)
		} else {
			out = append(out, m.renderLesson(room)...)
		}
		out = append(m.fit(out, m.height-len(footer)), footer...)
		return strings.Join(m.fitLines(out, m.height), "\n")
	case screenNodes:
		footer := m.footer()
		out = append(out, m.nodeMapBody(m.width, m.height-len(out)-len(footer))...)
		out = append(out, footer...)
		return strings.Join(m.fitLines(out, m.height), "\n")
	case screenServices:
		footer := m.footer()
		out = append(out, m.servicesBody(m.width, m.height-len(out)-len(footer))...)
		out = append(out, footer...)
		return strings.Join(m.fitLines(out, m.height), "\n")
	}
	footer := m.footer()
	out = append(out, m.workspaceBody(m.height-len(out)-len(footer))...)
	out = append(out, footer...)
	return strings.Join(m.fitLines(out, m.height), "\n")
}

// splitWidth is the narrowest window that shows the workspace beside the
// lesson; narrower windows switch between them with w.
const splitWidth = 140

func (m Model) split() bool { return m.width >= splitWidth }

// lessonWidth is the width the lesson is rendered at: the whole window, or
// its left part beside the workspace.
func (m Model) lessonWidth() int {
	if m.split() {
		return m.width * 11 / 20
	}
	return m.width
}

// renderSplit puts the lesson and its exercise on the left and the live
// workspace (or the node map) on the right, separated by a rule.
func (m Model) renderSplit(room int) []string {
	lw := m.lessonWidth()
	left := m.renderLesson(room)
	right := m
	right.width = m.width - lw - 3
	var body []string
	if m.nodeMap.beside {
		body = right.nodeMapBody(right.width, room)
	} else {
		body = right.workspaceBody(room)
	}
	out := make([]string, room)
	for i := range out {
		var l, r string
		if i < len(left) {
			l = ansi.Truncate(left[i], lw, "…")
		}
		if i < len(body) {
			r = body[i]
		}
		out[i] = l + strings.Repeat(" ", max(0, lw-ansi.StringWidth(l))) + m.styles.Dim.Render(" │ ") + r
	}
	return out
}

// workspaceBody is the pods table, the view tabs and the selected pod's
// view, in exactly room lines of the model's width.
func (m Model) workspaceBody(room int) []string {
	out := append(m.renderTable(), m.paneTabs())
	out = append(out, m.renderPane()...)
	return m.fit(out, room)
}

func (m Model) titleLine() string {
	about := fmt.Sprintf("namespace %s · %s", m.opts.Namespace, plural(len(m.pods), "pod"))
	if m.nodeMap.listed {
		// A lab has several nodes: say how many, and how many are not Ready.
		about += " · " + nodesSummary(m.nodeMap.nodes)
	}
	if m.screen == screenNodes {
		about = fmt.Sprintf("node map · %s · pods of namespace %s", plural(len(m.nodeMap.nodes), "node"), m.opts.Namespace)
	}
	if m.screen == screenServices {
		about = fmt.Sprintf("services · namespace %s · %s", m.opts.Namespace, plural(len(m.svc.services), "service"))
	}
	left := m.styles.Title.Render("podlab") + "  " + m.styles.Dim.Render(about)
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
	objs := make([]api.Object, len(pods))
	for i, p := range pods {
		objs[i] = p
	}
	var buf bytes.Buffer
	if err := printers.PrintTable(&buf, api.Pods, objs, printers.TableOptions{Now: m.opts.Now()}); err != nil {
		return []string{m.styles.Dim.Render(err.Error())}
	}
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
		if m.restartMarked(pods[i].UID) {
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
	title := ""
	if p := m.selectedPod(); p != nil {
		title = "pod/" + p.Name + "  "
	}
	if m.showOutput {
		title = m.styles.PaneTitle.Render("[command output]") + "  "
	}
	var line string
	// The tabs spaced out, or closer together when that does not fit (beside the lesson).
	for _, pad := range []string{" ", ""} {
		var tabs []string
		for p := pane(0); p < paneCount; p++ {
			name := p.String()
			// While the command's output shows, it is the one active tab.
			if p == m.pane && !m.showOutput {
				name = m.styles.PaneTitle.Render("[" + name + "]")
			} else {
				name = m.styles.Dim.Render(pad + name + pad)
			}
			tabs = append(tabs, name)
		}
		if line = title + strings.Join(tabs, " "); ansi.StringWidth(line) <= m.width {
			break
		}
	}
	return line
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
	case paneScheduling:
		return m.scheduling(p)
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
	if (m.screen == screenLesson && !m.split()) || m.screen == screenNodes || m.screen == screenServices {
		// The lesson and the map have no detail pane: the commands' output shows here.
		lines = append(lines, m.flashLines()...)
	}
	switch {
	case m.confirmDelete != "":
		lines = append(lines, m.styles.Waiting.Render("delete pod "+m.confirmDelete+"? y/n"))
	case m.commanding:
		if m.comp != nil {
			lines = append(lines, m.candidatesLine())
		}
		lines = append(lines, m.input.View())
	case m.err != "":
		lines = append(lines, m.styles.Error.Render("error: "+oneLine(m.err)))
	case m.watchErr != "":
		lines = append(lines, m.styles.Waiting.Render("lost the lab's API, retrying: "+oneLine(m.watchErr)))
	}
	switch m.screen {
	case screenLesson:
		// The keys that matter most come first: a narrow window cuts the rest.
		hint := "A apply • h hint • S solution • w workspace • m node map • j/k scroll • R reset • n next • E edit • C copy • esc chapters"
		switch {
		case m.split() && m.nodeMap.beside:
			hint = "A apply • h hint • S solution • j/k scroll • ↑/↓ pod • ←/→ node • enter/m workspace • R reset • n next • E edit+apply • C copy • esc chapters"
		case m.split():
			hint = "A apply • h hint • S solution • j/k scroll • ↑/↓ pod • tab view • m node map • R reset • n next • E edit+apply • C copy • w workspace • esc chapters"
		}
		lines = append(lines, m.styles.Dim.Render(fitHints(hint, " • ", m.width)))
	case screenHome:
		lines = append(lines, m.styles.Dim.Render(fitHints(homeHint, " · ", m.width)))
	case screenNodes:
		lines = append(lines, m.help.ShortHelpView(keys.NodeMapHelp()))
	case screenServices:
		lines = append(lines, m.help.ShortHelpView(keys.ServicesHelp()))
	default:
		short := keys.ShortHelp()
		if m.learning() {
			short = append([]key.Binding{keys.Lesson}, short...)
		}
		lines = append(lines, m.help.ShortHelpView(short))
	}
	// The screen's own rows come first: a footer never takes the whole window.
	return lastLines(lines, max(1, m.height-1))
}

// flashMax is how many lines of a command's output the lesson screen shows.
const flashMax = 3

// flashLines are the last commands' output for the lesson screen, errors in red.
func (m Model) flashLines() []string {
	lines := m.flash
	more := 0
	if len(lines) > flashMax {
		more = len(lines) - (flashMax - 1)
		lines = lines[:flashMax-1]
	}
	var out []string
	for _, l := range lines {
		if strings.HasPrefix(l, "error") || strings.HasPrefix(l, "Error") {
			out = append(out, m.styles.Error.Render(l))
		} else {
			out = append(out, m.styles.Running.Render(l))
		}
	}
	if more > 0 {
		out = append(out, m.styles.Dim.Render(fmt.Sprintf("… %d more lines: w shows them all", more)))
	}
	return out
}

// candidatesLine lists the completions of an ambiguous word, the one on the line reversed.
func (m Model) candidatesLine() string {
	var parts []string
	for i, c := range m.comp.candidates {
		if i == m.comp.idx {
			parts = append(parts, m.styles.Selected.Render(c))
		} else {
			parts = append(parts, m.styles.Dim.Render(c))
		}
	}
	return strings.Join(parts, "  ")
}

// nodesSummary is "3 nodes", or "3 nodes, 1 NotReady" when some node's
// Ready condition is not True.
func nodesSummary(nodes map[string]*corev1.Node) string {
	notReady := 0
	for _, n := range nodes {
		ready := false
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady {
				ready = c.Status == corev1.ConditionTrue
			}
		}
		if !ready {
			notReady++
		}
	}
	s := plural(len(nodes), "node")
	if notReady > 0 {
		s += fmt.Sprintf(", %d NotReady", notReady)
	}
	return s
}

// plural is "1 pod", "2 pods".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func (m Model) renderHelp() []string {
	lines := []string{m.styles.Title.Render("podlab — keys"), ""}
	lines = append(lines, strings.Split(m.fullHelp(), "\n")...)
	if m.learning() {
		lines = append(lines, "", "In a lesson: j/k scroll · A apply its manifests · E edit them first · C copy them",
			"  h next hint · S twice for the solution · R reset the exercise · n next chapter",
			"  w workspace (and back) · m node map · esc the chapters",
			fmt.Sprintf("  in a window %d columns wide or more, the workspace shows beside the lesson (↑/↓ pod, tab view)", splitWidth))
	}
	lines = append(lines, "", "On the node map (m): ↑/↓ pod · ←/→ node · j/k scroll · n why? · m/esc back",
		"  enter shows the pod in the workspace · : command (label node, taint node…)",
		fmt.Sprintf("  kubernetes.io/* labels fold to a count; %d columns or wider show them dimmed", splitWidth))
	lines = append(lines, "", "On the Service view (v): ↑/↓ Service · ←/→ endpoint · enter pod · v/esc back",
		"  endpoints ready and not ready as their EndpointSlices say, with the connections",
		"  the lab's proxy forwarded to each (pod-to-pod by pod IP is not counted)")
	lines = append(lines, "", "In the command bar (:), type kubectl commands without \"kubectl\":",
		"  get pods -o wide · describe pod web · logs web · delete pod web",
		"  tab completes verbs, resource types and pod names (again: the next one);",
		"  ↑/↓ walk the history; esc closes it. -f manifests/… reads the open chapter's files.",
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
		// One line each, or the window would scroll and lose its first lines.
		out[i] = ansi.Truncate(oneLine(l), m.width, "…")
	}
	return out
}

func lastLines(lines []string, n int) []string {
	if len(lines) > n {
		return lines[len(lines)-n:]
	}
	return lines
}
