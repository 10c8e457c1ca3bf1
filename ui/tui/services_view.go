package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/x/ansi"
	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/ui/cli/printers"
)

// How the Service view is drawn: the Services as `kubectl get services -o
// wide` has them (NAME, TYPE, CLUSTER-IP, PORT(S), SELECTOR; EXTERNAL-IP
// and AGE too in a window svcWideWidth wide), then the selected Service's
// endpoints under READY and NOT READY, each row its address, pod, node and
// counts (bytes and per-port counts in a wide window), and a last line
// saying what is counted.

// svcWideWidth is the narrowest window the view shows every column in.
const svcWideWidth = 110

// servicesBody is the view in exactly room lines of width.
func (m Model) servicesBody(width, room int) []string {
	if !m.svc.listed {
		return m.padTo([]string{m.styles.Dim.Render("Waiting for the namespace's Services…")}, room)
	}
	svcs := m.sortedServices()
	if len(svcs) == 0 {
		return m.padTo([]string{m.styles.Dim.Render("No Services in namespace " + m.opts.Namespace + ". Press : and type create service clusterip web --tcp=80:8080,"),
			m.styles.Dim.Render("or expose a Deployment: expose deployment web --port 80.")}, room)
	}
	wide := width >= svcWideWidth
	// The Services take up to a third of the room; the endpoints the rest.
	top := m.serviceTable(svcs, wide, max(2, room/3-1))
	foot := m.styles.Dim.Render("Counted: connections to a Service's cluster IP; pod-to-pod by pod IP is not.")
	s := m.selectedService()
	if s == nil {
		return append(m.padTo(top, room-1), foot)
	}
	head := append([]string{""}, m.serviceHead(s, width)...)
	left := room - len(top) - len(head) - 1
	body := append(append(top, head...), m.padTo(m.endpointLines(s, width, wide, left), max(0, left))...)
	return m.padTo(append(body, foot), room)
}

// padTo cuts or pads lines to n.
func (m Model) padTo(lines []string, n int) []string {
	if len(lines) > n {
		lines = lines[:n]
	}
	for len(lines) < n {
		lines = append(lines, "")
	}
	return lines
}

// serviceTable is the Services' table, at most rows rows under its header
// (scrolled to the selected one, with a line saying how many there are).
func (m Model) serviceTable(svcs []*corev1.Service, wide bool, rows int) []string {
	cols := []string{"NAME", "TYPE", "CLUSTER-IP", "PORT(S)", "SELECTOR"}
	if wide {
		cols = []string{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"}
	}
	opts := m.printOptions()
	opts.Wide = true
	cells := [][]string{cols}
	for _, s := range svcs {
		c := tableCells(api.Services, s, opts)
		row := make([]string, len(cols))
		for i, col := range cols {
			row[i] = c[col]
		}
		cells = append(cells, row)
	}
	lines := padColumns(cells)
	out := []string{m.styles.Header.Render(lines[0])}
	start := 0
	for i, s := range svcs {
		if s.Name == m.svc.selected && i >= rows {
			start = i - rows + 1
		}
	}
	for i := start; i < len(svcs) && i < start+rows; i++ {
		line := lines[i+1]
		if svcs[i].Name == m.svc.selected {
			line = m.styles.Selected.Render(line)
		}
		out = append(out, line)
	}
	if len(svcs) > rows {
		out = append(out, m.styles.Dim.Render(fmt.Sprintf("… %d services in all (↑/↓)", len(svcs))))
	}
	return out
}

// padColumns lays cells out as kubectl's tables: each column as wide as
// its widest cell, three spaces apart; no trailing blanks.
func padColumns(cells [][]string) []string {
	widths := make([]int, len(cells[0]))
	for _, row := range cells {
		for i, c := range row {
			widths[i] = max(widths[i], ansi.StringWidth(c))
		}
	}
	out := make([]string, len(cells))
	for r, row := range cells {
		var b strings.Builder
		for i, c := range row {
			b.WriteString(c)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-ansi.StringWidth(c)+3))
			}
		}
		out[r] = strings.TrimRight(b.String(), " ")
	}
	return out
}

// serviceHead names the selected Service with its endpoints' tally, and
// says what its counts are, wrapped at width.
func (m Model) serviceHead(s *corev1.Service, width int) []string {
	rows := m.endpointRows(s)
	ready := 0
	for _, r := range rows {
		if r.ready {
			ready++
		}
	}
	title := m.styles.PaneTitle.Render("service/"+s.Name) + m.styles.Dim.Render(fmt.Sprintf(" · %d ready, %d not ready", ready, len(rows)-ready))
	var counts string
	switch {
	case s.Spec.Type == corev1.ServiceTypeExternalName:
		counts = "ExternalName: a DNS name for " + s.Spec.ExternalName + "; no endpoints, nothing to count"
	case s.Spec.ClusterIP == corev1.ClusterIPNone:
		counts = "headless: DNS gives clients the pods' IPs, they connect straight: nothing is counted"
	case m.svc.trafficErr != "":
		counts = "no counts: " + m.svc.trafficErr
	case !m.svc.counted:
		counts = "asking the lab's proxy for its counts…"
	case m.svc.traffic.Since.IsZero():
		counts = "the lab's proxy has counted nothing yet"
	default:
		counts = "connections via " + s.Spec.ClusterIP + " counted by the lab's proxy for " + printers.Age(m.svc.traffic.Since, m.opts.Now())
		if n := m.serviceRefused(s); n > 0 {
			counts += fmt.Sprintf(" · %d refused (no endpoint)", n)
		}
		if s.Spec.Type == corev1.ServiceTypeNodePort || s.Spec.Type == corev1.ServiceTypeLoadBalancer {
			counts += " · node ports not counted"
		}
	}
	out := []string{title}
	for _, l := range strings.Split(ansi.Wrap(counts, max(1, width), ""), "\n") {
		out = append(out, m.styles.Dim.Render(l))
	}
	return out
}

// endpointLines are the endpoints' table in at most room lines: READY and
// NOT READY apart, the selected row reversed and kept on screen.
func (m Model) endpointLines(s *corev1.Service, width int, wide bool, room int) []string {
	if room <= 0 {
		return nil
	}
	rows := m.endpointRows(s)
	if len(rows) == 0 {
		why := "no endpoints: no pod with an IP matches the selector " + selectorText(s)
		if len(s.Spec.Selector) == 0 {
			why = "no endpoints: the Service has no selector (make its EndpointSlices by hand)"
		}
		if s.Spec.Type == corev1.ServiceTypeExternalName {
			why = ""
		}
		return []string{m.styles.Dim.Render(why)}
	}
	cols := []string{"ENDPOINT", "POD", "NODE", "CONNS", "OPEN"}
	if wide {
		cols = append(cols, "BYTES IN/OUT")
		if len(s.Spec.Ports) > 1 {
			cols = append(cols, "BY PORT")
		}
	}
	cols = append(cols, "CONDITIONS")
	cells := [][]string{cols}
	for _, r := range rows {
		conns, open := "…", "…"
		switch {
		case m.svc.trafficErr != "":
			conns, open = "?", "?"
		case m.svc.counted:
			conns, open = fmt.Sprint(r.connections), fmt.Sprint(r.active)
		}
		row := []string{r.address(), orNone(r.pod), orNone(r.node), conns, open}
		if wide {
			row = append(row, humanBytes(r.bytesIn)+" / "+humanBytes(r.bytesOut))
			if len(s.Spec.Ports) > 1 {
				row = append(row, byPortText(r.byPort))
			}
		}
		cells = append(cells, append(row, conditionsText(r)))
	}
	table := padColumns(cells)
	var lines []string
	selectedAt := 0
	lines = append(lines, m.styles.Header.Render("  "+table[0]))
	for _, ready := range []bool{true, false} {
		label, style := "READY", m.styles.Running
		if !ready {
			label, style = "NOT READY", m.styles.Waiting
		}
		n := 0
		for _, r := range rows {
			if r.ready == ready {
				n++
			}
		}
		if n == 0 {
			continue
		}
		lines = append(lines, style.Render(fmt.Sprintf("%s (%d)", label, n)))
		for i, r := range rows {
			if r.ready != ready {
				continue
			}
			line := "  " + table[i+1]
			if i == m.svc.endpoint {
				// Marked as well as reversed: the mark survives NO_COLOR.
				selectedAt = len(lines)
				line = "▸ " + table[i+1]
				line = m.styles.Selected.Render(line + strings.Repeat(" ", max(0, width-ansi.StringWidth(line))))
			}
			lines = append(lines, line)
		}
	}
	if len(lines) <= room {
		return lines
	}
	// Too many: keep the header, show a window around the selected row
	// and a last line saying where it is.
	shown := max(1, room-2)
	start := min(max(1, selectedAt-shown+1), len(lines)-shown)
	out := append([]string{lines[0]}, lines[start:start+shown]...)
	return append(out, m.styles.Dim.Render(fmt.Sprintf("lines %d–%d of %d endpoint lines · ←/→ endpoint", start, start+shown-1, len(lines)-1)))
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// selectorText is a selector as kubectl's SELECTOR column prints it.
func selectorText(s *corev1.Service) string {
	var parts []string
	for _, k := range sortedKeys(s.Spec.Selector) {
		parts = append(parts, k+"="+s.Spec.Selector[k])
	}
	return strings.Join(parts, ",")
}

// conditionsText names the endpoint's conditions as the EndpointSlice
// API has them: ready (unset reads as ready); for one not ready, whether
// it is serving (kube-proxy falls back to serving terminating endpoints);
// terminating when it is.
func conditionsText(r endpointRow) string {
	var out []string
	switch {
	case r.ready:
		out = append(out, "ready")
	case r.serving != nil && *r.serving:
		out = append(out, "serving")
	case r.serving != nil:
		out = append(out, "not serving")
	default:
		out = append(out, "not ready")
	}
	if r.terminating != nil && *r.terminating {
		out = append(out, "terminating")
	}
	return strings.Join(out, ",")
}

// byPortText is "http 3, metrics 1", the ports by name.
func byPortText(by map[string]int64) string {
	names := make([]string, 0, len(by))
	for n := range by {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %d", n, by[n]))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// humanBytes is n in B, KiB or MiB.
func humanBytes(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KiB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1024*1024))
}
