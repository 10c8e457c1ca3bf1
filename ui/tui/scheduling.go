package tui

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/ui/cli/printers"
)

// The scheduling view: why the selected pod is on its node, or on none —
// the scheduler's explanation (podlab explain-schedule) as a table of the
// nodes in the order it evaluated them, each chosen, feasible with its
// scores, or rejected by a filter plugin and why. It is asked for when the
// view shows, and again when the pod, the nodes or the scheduler's events
// about the pod change.

// schedState is the scheduling view's explanation and what it is of.
type schedState struct {
	// asked is the key of the last question asked.
	asked string
	// pod is the pod (name and UID) the answer is about.
	pod string
	e   client.ScheduleExplanation
	err string
}

// scheduleMsg is the scheduler's answer for the question key.
type scheduleMsg struct {
	key, pod string
	e        client.ScheduleExplanation
	err      error
}

// schedPod names a pod, UID included: a pod re-created under its name is another.
func schedPod(p *corev1.Pod) string { return p.Name + "/" + string(p.UID) }

// schedKey is what the explanation of p depends on as the app sees it:
// the pod, the nodes, and the scheduler's events about the pod (one on
// every attempt to place it).
func (m Model) schedKey(p *corev1.Pod) string {
	attempts, last := 0, ""
	for _, e := range m.eventsOf(p) {
		if e.Reason == "FailedScheduling" || e.Reason == "Scheduled" {
			attempts++
			last = fmt.Sprintf("%s.%d", e.ResourceVersion, e.Count)
		}
	}
	return fmt.Sprintf("%s/%s/nodes %d/events %d %s", schedPod(p), p.ResourceVersion, m.nodeMap.changes, attempts, last)
}

// schedulingShown says whether the scheduling view is on screen.
func (m Model) schedulingShown() bool {
	return m.workspaceShown() && !(m.screen == screenLesson && m.nodeMap.beside) && m.pane == paneScheduling && !m.showOutput
}

// askScheduler asks for the selected pod's explanation when the view shows
// and what it depends on changed since it was last asked.
func (m Model) askScheduler() (Model, tea.Cmd) {
	p := m.selectedPod()
	if p == nil || m.opts.Client == nil || !m.schedulingShown() {
		return m, nil
	}
	k := m.schedKey(p)
	if k == m.sched.asked {
		return m, nil
	}
	m.sched.asked = k
	cl, ns, name, pod := m.opts.Client, p.Namespace, p.Name, schedPod(p)
	return m, func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		e, err := cl.ExplainSchedule(ctx, ns, name)
		return scheduleMsg{key: k, pod: pod, e: e, err: err}
	}
}

// noteSchedule keeps the answer to the last question (an earlier one's
// answer is dropped: the later one is on its way).
func (m *Model) noteSchedule(msg scheduleMsg) {
	if msg.key != m.sched.asked {
		return
	}
	m.sched.pod, m.sched.e, m.sched.err = msg.pod, msg.e, ""
	if msg.err != nil {
		m.sched.e, m.sched.err = client.ScheduleExplanation{}, msg.err.Error()
	}
}

// scheduling renders the view for p: the outcome, the notes that qualify
// it, and a row per node with its reasons or scores wrapped under the
// verdict. The last answer about p shows while a newer one is asked for.
func (m Model) scheduling(p *corev1.Pod) []string {
	if m.sched.pod != schedPod(p) {
		return []string{m.styles.Dim.Render("Asking the scheduler why pod/" + p.Name + " is where it is…")}
	}
	if m.sched.err != "" {
		return []string{
			m.styles.Error.Render("The scheduler can't explain pod/" + p.Name + ": " + m.sched.err),
			m.styles.Dim.Render("It is asked again when the pod or the nodes change."),
		}
	}
	e := m.sched.e
	width := max(20, m.width)
	var out []string
	wrap := func(s string, indent int, style func(...string) string) {
		for _, l := range strings.Split(ansi.Wrap(s, max(10, width-indent), ""), "\n") {
			out = append(out, strings.Repeat(" ", indent)+style(l))
		}
	}
	outcome := upperFirst(printers.ScheduleOutcome(e, m.opts.Now()))
	if e.Chosen != "" {
		wrap(outcome, 0, m.styles.Header.Render)
	} else {
		wrap(outcome, 0, m.styles.Waiting.Render)
		if e.Message != "" {
			wrap(e.Message, 2, m.styles.Dim.Render)
		}
	}
	if e.Recomputed {
		wrap("No decision is recorded for this pod: this is the one the scheduler would make now, against the current cluster.", 0, m.styles.Dim.Render)
	}
	if e.RunsOn != "" && e.RunsOn != e.Chosen {
		wrap("The pod runs on "+e.RunsOn+".", 0, m.styles.Dim.Render)
	}
	if e.Chosen != "" && !e.Scored {
		wrap("Only one node fits, so it is taken without scoring.", 0, m.styles.Dim.Render)
	}
	verdicts := printers.ScheduleVerdicts(e)
	if len(verdicts) == 0 {
		return append(out, m.styles.Dim.Render("The scheduler saw no nodes."))
	}
	// NODE and VERDICT side by side; the reasons or scores under the verdict.
	nameWidth := len("NODE")
	for _, v := range verdicts {
		nameWidth = max(nameWidth, len(v.Node))
	}
	nameWidth = min(nameWidth, max(8, width/3))
	indent := nameWidth + 2
	out = append(out, m.styles.Header.Render(fmt.Sprintf("%-*s  %s", nameWidth, "NODE", "VERDICT (in the order the scheduler evaluated the nodes)")))
	chosen := m.styles.Running.Bold(true)
	for _, v := range verdicts {
		name := fmt.Sprintf("%-*s", nameWidth, ansi.Truncate(v.Node, nameWidth, "…"))
		switch {
		case v.Chosen:
			out = append(out, chosen.Render(name+"  "+fmt.Sprintf("chosen, total %d", v.Total)))
		case v.Feasible:
			out = append(out, name+"  "+v.Verdict)
		default:
			out = append(out, name+"  "+m.styles.Error.Render(v.Verdict))
		}
		if v.Why != "" {
			wrap(v.Why, indent, m.styles.Dim.Render)
		}
	}
	for _, v := range verdicts {
		if v.Feasible {
			cmd := "podlab explain-schedule " + p.Name
			if p.Namespace != "" && p.Namespace != corev1.NamespaceDefault {
				cmd += " -n " + p.Namespace
			}
			wrap("Scores are normalised to 0-100 × the plugin's weight (- nothing to score); "+cmd+" shows them raw.", 0, m.styles.Dim.Render)
			break
		}
	}
	return out
}

// upperFirst capitalises a sentence.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
