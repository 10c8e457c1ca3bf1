package tui

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"
	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/ui/cli/printers"
)

// The node map: one box per node — its name and roles in the top border,
// its STATUS, its labels (the learner's own first; the kubernetes.io ones
// folded to a count, or dimmed in full in a window splitWidth wide), its
// taints — and under a rule the pods bound to it. Boxes sit side by side
// as the width allows, nodeBoxMinWidth each at least; the pods no node was
// chosen for follow in a box as wide as the map, each with the first line
// of the scheduler's reason.

// nodeBoxMinWidth is the narrowest a node's box is drawn.
const nodeBoxMinWidth = 38

// nodeMapLayout is the whole map at one width, taller than the screen
// maybe: its lines and the lines each pod's rows are on.
type nodeMapLayout struct {
	lines []string
	podAt map[string]rowSpan
}

// rowSpan is the lines of a pod's rows: its own, then its scheduler's reason.
type rowSpan struct{ first, n int }

// nodeMapBody is the map in exactly room lines of width, scrolled, with a
// last line saying which lines show when it does not fit.
func (m Model) nodeMapBody(width, room int) []string {
	lay := m.layoutNodeMap(width)
	total := len(lay.lines)
	shown := mapRowsShown(total, room)
	start := clampScroll(m.nodeMap.scroll, total, room)
	out := append([]string{}, lay.lines[start:start+shown]...)
	if shown < total {
		out = append(out, m.styles.Dim.Render(fmt.Sprintf("lines %d–%d of %d · j/k scroll", start+1, start+shown, total)))
	}
	for len(out) < room {
		out = append(out, "")
	}
	return out
}

// layoutNodeMap lays the boxes out at width.
func (m Model) layoutNodeMap(width int) nodeMapLayout {
	lay := nodeMapLayout{podAt: map[string]rowSpan{}}
	if !m.nodeMap.listed {
		lay.lines = []string{m.styles.Dim.Render("Waiting for the lab's nodes…")}
		return lay
	}
	var nodes []nodeGroup
	var pending *nodeGroup
	for _, g := range m.nodeGroups() {
		if g.pending {
			pending = &g
		} else {
			nodes = append(nodes, g)
		}
	}
	if len(nodes) == 0 {
		lay.lines = append(lay.lines, m.styles.Dim.Render("The lab lists no nodes."))
	}
	cols := max(1, min(width/nodeBoxMinWidth, len(nodes)))
	boxWidth := width / cols
	wide := width >= splitWidth
	for row := 0; row < len(nodes); row += cols {
		var boxes []nodeBox
		height := 0
		for _, g := range nodes[row:min(row+cols, len(nodes))] {
			b := m.nodeBox(g, boxWidth, wide)
			boxes = append(boxes, b)
			height = max(height, b.height())
		}
		lay.add(boxes, height, boxWidth)
	}
	if pending != nil {
		b := m.pendingBox(*pending, width, wide)
		lay.add([]nodeBox{b}, b.height(), width)
	}
	return lay
}

// add appends a row of boxes, each drawn height lines tall and width wide.
func (lay *nodeMapLayout) add(boxes []nodeBox, height, width int) {
	drawn := make([][]string, len(boxes))
	for i, b := range boxes {
		drawn[i] = b.draw(width, height)
		for name, at := range b.podAt {
			lay.podAt[name] = rowSpan{len(lay.lines) + at.first, at.n}
		}
	}
	for l := 0; l < height; l++ {
		var line strings.Builder
		for _, d := range drawn {
			line.WriteString(d[l])
		}
		lay.lines = append(lay.lines, line.String())
	}
}

// nodeBox is one box before it is drawn: head above the rule, body below
// (the rule is left out when head is empty); podAt says which lines of
// the drawn box each pod's rows are.
type nodeBox struct {
	title      string
	head, body []string
	podAt      map[string]rowSpan
	styles     styles
}

func (b nodeBox) height() int {
	h := 2 + len(b.body)
	if len(b.head) > 0 {
		h += len(b.head) + 1
	}
	return h
}

// draw frames the box, width wide and height tall (blank lines at the
// bottom of a box shorter than its row).
func (b nodeBox) draw(width, height int) []string {
	inner := width - 4
	border := b.styles.Border.Render
	row := func(s string) string {
		s = ansi.Truncate(s, inner, "…")
		return border("│") + " " + s + strings.Repeat(" ", max(0, inner-ansi.StringWidth(s))) + " " + border("│")
	}
	title := ansi.Truncate(b.title, max(0, width-6), "…")
	out := []string{border("╭─ ") + title + " " + border(strings.Repeat("─", max(0, width-5-ansi.StringWidth(title)))+"╮")}
	for _, l := range b.head {
		out = append(out, row(l))
	}
	if len(b.head) > 0 {
		out = append(out, border("├"+strings.Repeat("─", max(0, width-2))+"┤"))
	}
	for _, l := range b.body {
		out = append(out, row(l))
	}
	for len(out) < height-1 {
		out = append(out, row(""))
	}
	return append(out, border("╰"+strings.Repeat("─", max(0, width-2))+"╯"))
}

// nodeBox describes a node and its pods for a box width wide.
func (m Model) nodeBox(g nodeGroup, width int, wide bool) nodeBox {
	inner := width - 4
	b := nodeBox{styles: m.styles, title: m.styles.Header.Render(g.name)}
	count := m.styles.Dim.Render(plural(len(g.pods), "pod"))
	if g.node == nil {
		b.head = []string{spread(m.styles.Failed.Render("not in the lab's nodes"), count, inner)}
	} else {
		cells := tableCells(api.Nodes, g.node, m.printOptions())
		if roles := cells["ROLES"]; roles != "" && roles != "<none>" {
			b.title += " " + m.styles.Dim.Render("("+roles+")")
		}
		status := cells["STATUS"]
		b.head = append(b.head, spread(m.styles.nodeStatusStyle(status).Render(status), count, inner))
		b.head = append(b.head, m.nodeLabels(g.node, inner, wide)...)
		b.head = append(b.head, m.nodeTaints(g.node, inner)...)
	}
	b.body, b.podAt = m.podRows(g.pods, inner, false, false)
	if len(g.pods) == 0 {
		b.body = []string{m.styles.Dim.Render("no pods")}
	}
	for name, at := range b.podAt {
		at.first += 2 + len(b.head) // under the top border, the head and the rule
		b.podAt[name] = at
	}
	return b
}

// pendingBox lists the pods no node was chosen for, each with the first
// line of what the scheduler said: cut to a line, or whole when wide.
func (m Model) pendingBox(g nodeGroup, width int, wide bool) nodeBox {
	inner := width - 4
	b := nodeBox{styles: m.styles, title: m.styles.Waiting.Render("Pending") + " " + m.styles.Dim.Render("· no node · "+plural(len(g.pods), "pod"))}
	b.body, b.podAt = m.podRows(g.pods, inner, true, wide)
	for name, at := range b.podAt {
		at.first++ // under the top border
		b.podAt[name] = at
	}
	return b
}

// podRows are the pods' rows as the pods table shows them — name, STATUS
// coloured, RESTARTS when any, the restart mark — the selected one
// reversed; withReason adds the scheduler's reason under a pod it has one
// for, wrapped when wrapReason, else cut to a row. It returns the rows and
// the rows each pod is on.
func (m Model) podRows(pods []*corev1.Pod, inner int, withReason, wrapReason bool) ([]string, map[string]rowSpan) {
	nameWidth, statusWidth, restartsWidth := 0, 0, 0
	restarts := map[string]string{}
	for _, p := range pods {
		nameWidth = max(nameWidth, len(p.Name))
		statusWidth = max(statusWidth, len(printers.PodStatus(p)))
		if r := tableCells(api.Pods, p, m.printOptions())["RESTARTS"]; r != "" && r != "0" {
			restarts[p.Name] = r
			restartsWidth = max(restartsWidth, len(r))
		}
	}
	nameWidth = min(nameWidth, max(8, inner/2))
	// Two spaces between the columns, as the pods table, one when a narrow box needs it.
	gap := "  "
	if nameWidth+statusWidth+restartsWidth+2*len(gap) > inner {
		gap = " "
	}
	var rows []string
	at := map[string]rowSpan{}
	for _, p := range pods {
		status := printers.PodStatus(p)
		name := fmt.Sprintf("%-*s", nameWidth, ansi.Truncate(p.Name, nameWidth, "…")) + gap
		pad := strings.Repeat(" ", statusWidth-len(status))
		extra := ""
		if r := restarts[p.Name]; r != "" {
			extra = gap + r
		}
		line := name + m.styles.statusStyle(status).Render(status) + pad + extra
		if p.Name == m.selected {
			full := name + status + pad + extra
			line = m.styles.Selected.Render(full + strings.Repeat(" ", max(0, inner-ansi.StringWidth(full))))
		}
		if m.restartMarked(p.UID) {
			line += " " + m.styles.Changed.Render("↻ restarted")
		}
		first := len(rows)
		rows = append(rows, line)
		if why := schedulingReason(p); withReason && why != "" {
			const lead = "  ↳ "
			if !wrapReason {
				rows = append(rows, m.styles.Dim.Render(lead+why))
			} else {
				for i, part := range strings.Split(ansi.Wrap(why, max(1, inner-4), ""), "\n") {
					if i > 0 {
						part = "    " + part
					} else {
						part = lead + part
					}
					rows = append(rows, m.styles.Dim.Render(part))
				}
			}
		}
		at[p.Name] = rowSpan{first, len(rows) - first}
	}
	return rows, at
}

// schedulingReason is the first line of a pod's PodScheduled=False
// message (its reason when it has no message).
func schedulingReason(p *corev1.Pod) string {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			if c.Message == "" {
				return c.Reason
			}
			first, _, _ := strings.Cut(c.Message, "\n")
			return first
		}
	}
	return ""
}

// nodeLabels are a node's labels as key=value, the learner's own first,
// packed into lines inner wide; the kubernetes.io ones follow dimmed when
// wide, else folded to a count.
func (m Model) nodeLabels(n *corev1.Node, inner int, wide bool) []string {
	var own, builtin []string
	for _, k := range sortedKeys(n.Labels) {
		if builtinLabel(k) {
			builtin = append(builtin, k+"="+n.Labels[k])
		} else {
			own = append(own, k+"="+n.Labels[k])
		}
	}
	lines := packWords(own, inner)
	switch {
	case len(builtin) == 0:
	case wide:
		for _, l := range packWords(builtin, inner) {
			lines = append(lines, m.styles.Dim.Render(l))
		}
	default:
		lines = append(lines, m.styles.Dim.Render("+"+plural(len(builtin), "kubernetes.io/* label")))
	}
	return lines
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// builtinLabel says whether a label key is one of Kubernetes' own
// (kubernetes.io/…, node-role.kubernetes.io/…, k8s.io/…).
func builtinLabel(key string) bool {
	prefix, _, ok := strings.Cut(key, "/")
	if !ok {
		return false
	}
	for _, d := range []string{"kubernetes.io", "k8s.io"} {
		if prefix == d || strings.HasSuffix(prefix, "."+d) {
			return true
		}
	}
	return false
}

// nodeTaints are a node's taints as key=value:Effect, one a line, a long
// one wrapped at its / = and :.
func (m Model) nodeTaints(n *corev1.Node, inner int) []string {
	var lines []string
	const lead = "taint "
	for _, t := range n.Spec.Taints {
		for i, part := range strings.Split(ansi.Wrap(t.ToString(), max(1, inner-len(lead)), "/=:"), "\n") {
			prefix := m.styles.Dim.Render(lead)
			if i > 0 {
				prefix = strings.Repeat(" ", len(lead))
			}
			lines = append(lines, prefix+m.styles.Taint.Render(part))
		}
	}
	return lines
}

// packWords puts words on lines of width, two spaces apart; a word longer
// than a line is wrapped at its / and =.
func packWords(words []string, width int) []string {
	var lines []string
	cur := ""
	for _, w := range words {
		if ansi.StringWidth(w) > width {
			if cur != "" {
				lines, cur = append(lines, cur), ""
			}
			lines = append(lines, strings.Split(ansi.Wrap(w, width, "/="), "\n")...)
			continue
		}
		switch {
		case cur == "":
			cur = w
		case ansi.StringWidth(cur)+2+ansi.StringWidth(w) <= width:
			cur += "  " + w
		default:
			lines, cur = append(lines, cur), w
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// spread puts left and right at the two ends of a line width wide.
func spread(left, right string, width int) string {
	gap := width - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		return left
	}
	return left + strings.Repeat(" ", gap) + right
}

// tableCells are an object's cells of kubectl get's table, by column.
func tableCells(res api.Resource, obj api.Object, opts printers.TableOptions) map[string]string {
	row, err := printers.Row(res, obj, opts)
	if err != nil {
		return map[string]string{}
	}
	out := map[string]string{}
	for i, h := range printers.Headers(res, opts) {
		if i < len(row) {
			out[h] = row[i]
		}
	}
	return out
}

func (m Model) printOptions() printers.TableOptions {
	return printers.TableOptions{Now: m.opts.Now()}
}
