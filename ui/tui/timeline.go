package tui

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/ui/cli/printers"
)

// timelineMarks are the glyphs of the timeline, by event reason.
var timelineMarks = []struct {
	reason, mark, meaning string
}{
	{"Scheduled", "S", "scheduled"},
	{"Pulled", "↓", "image ready"},
	{"Created", "+", "created"},
	{"Started", "▶", "started"},
	{"Unhealthy", "!", "probe failed"},
	{"ProbeWarning", "?", "probe warning"},
	{"Killing", "✖", "killed"},
	{"BackOff", "⏸", "backoff wait"},
	{"FailedPostStartHook", "H", "hook failed"},
	{"FailedPreStopHook", "H", "hook failed"},
	{"Failed", "✗", "failed"},
	{"StandInImage", "↓", "image ready"},
}

func markOf(reason string) string {
	for _, m := range timelineMarks {
		if m.reason == reason {
			return m.mark
		}
	}
	return "·"
}

var containerField = regexp.MustCompile(`^spec\.(?:initContainers|containers)\{(.+)\}$`)

// timeline draws, per container, what happened to it along a time axis from
// the pod's creation to now: starts, probe failures, kills, backoff waits.
func (m Model) timeline(p *corev1.Pod) []string {
	now := m.opts.Now()
	start := p.CreationTimestamp.Time
	if start.IsZero() || now.Sub(start) < time.Minute {
		start = now.Add(-time.Minute)
	}
	width := max(20, m.width-16)
	pos := func(t time.Time) int {
		if t.Before(start) {
			t = start
		}
		return min(width-1, int(float64(width-1)*t.Sub(start).Seconds()/now.Sub(start).Seconds()))
	}
	rows := map[string][]rune{}
	var order []string
	row := func(name string) []rune {
		if r, ok := rows[name]; ok {
			return r
		}
		r := []rune(strings.Repeat("─", width))
		rows[name] = r
		order = append(order, name)
		return r
	}
	row("pod")
	for _, c := range p.Spec.InitContainers {
		row(c.Name)
	}
	for _, c := range p.Spec.Containers {
		row(c.Name)
	}
	for _, e := range m.eventsOf(p) {
		name := "pod"
		if sub := containerField.FindStringSubmatch(e.InvolvedObject.FieldPath); sub != nil {
			name = sub[1]
		}
		r := row(name)
		mark := []rune(markOf(e.Reason))[0]
		for _, t := range []time.Time{e.FirstTimestamp.Time, e.LastTimestamp.Time} {
			if !t.IsZero() {
				r[pos(t)] = mark
			}
		}
	}
	out := []string{m.styles.Dim.Render(fmt.Sprintf("%-12s %s", "", axis(width, now.Sub(start))))}
	for _, name := range order {
		label := name
		if len(label) > 12 {
			label = label[:12]
		}
		out = append(out, fmt.Sprintf("%-12s %s", label, string(rows[name])))
	}
	seen := map[string]bool{}
	var legend []string
	for _, mk := range timelineMarks {
		if !seen[mk.mark] {
			seen[mk.mark] = true
			legend = append(legend, mk.mark+" "+mk.meaning)
		}
	}
	out = append(out, m.styles.Dim.Render(strings.Join(legend, "  ")))
	return out
}

// axis labels the time axis: the span ago on the left, now on the right.
func axis(width int, span time.Duration) string {
	left := "-" + printers.Age(time.Now().Add(-span), time.Now())
	right := "now"
	gap := max(1, width-len(left)-len(right))
	return left + strings.Repeat(" ", gap) + right
}
