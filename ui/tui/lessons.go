package tui

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/glamour/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/podlab/podlab/exercises"
	"github.com/podlab/podlab/lessons"
)

// screen is which of the app's screens is shown.
type screen int

const (
	screenHome screen = iota
	screenLesson
	screenWorkspace
	// screenNodes is the node map, full screen.
	screenNodes
	// screenServices is the Service view, full screen.
	screenServices
)

// objectiveState is one objective's latest evaluation.
type objectiveState struct {
	met bool
	why string
}

type (
	// evaluatedMsg carries the objectives' states of a chapter.
	evaluatedMsg struct {
		chapter string
		seq     int
		states  []objectiveState
	}
	evalTickMsg struct{}
)

// Learning is the lesson side of the app: the pack, the open chapter, the
// exercise's live objectives, the hints shown so far.
type Learning struct {
	// Packs are the packs on the home screen, side by side; Pack is the one
	// whose chapter is open (the first one until a chapter is opened).
	Packs    []*lessons.Pack
	Pack     *lessons.Pack
	Lang     string
	Progress lessons.Progress
	// SaveProgress persists progress (nil: not saved).
	SaveProgress func(lessons.Progress)
}

// checkTimeout bounds each objective's check on its own, so a slow one
// (an exec in a busy lab) does not use up the time of the others.
var checkTimeout = 30 * time.Second

// evaluate checks a chapter's objectives off the update loop.
func evaluate(ev *exercises.Evaluator, ch *lessons.Chapter, seq int) tea.Cmd {
	return func() tea.Msg {
		states := make([]objectiveState, len(ch.Exercise.Objectives))
		for i, o := range ch.Exercise.Objectives {
			ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
			ok, why := ev.Eval(ctx, ch.Dir+"/"+o.ID, o.Check)
			cancel()
			states[i] = objectiveState{met: ok, why: readableWhy(why)}
		}
		return evaluatedMsg{chapter: ch.Dir, seq: seq, states: states}
	}
}

// readableWhy says a check's timeout in the learner's words.
func readableWhy(why string) string {
	if strings.Contains(why, context.DeadlineExceeded.Error()) {
		return "the command did not answer in time (the lab may be busy)"
	}
	return why
}

// evalTick re-evaluates on a timer too, for checks that must hold "for" a
// while and for logs and exec checks, which no watch announces.
func evalTick() tea.Cmd {
	return tea.Tick(3*time.Second, func(time.Time) tea.Msg { return evalTickMsg{} })
}

// renderMarkdown renders a lesson for the terminal at width.
func renderMarkdown(md string, width int) []string {
	style := "dark"
	if os.Getenv("NO_COLOR") != "" {
		style = "notty"
	}
	r, err := glamour.NewTermRenderer(glamour.WithStandardStyle(style), glamour.WithWordWrap(max(20, width-4)))
	if err != nil {
		return strings.Split(md, "\n")
	}
	out, err := r.Render(md)
	if err != nil {
		return strings.Split(md, "\n")
	}
	return strings.Split(strings.TrimRight(out, "\n"), "\n")
}

// renderLesson shows the lesson text (scrolled) above the exercise panel.
func (m Model) renderLesson(room int) []string {
	ch := m.chapter()
	panel := m.renderExercise()
	textRoom := max(3, room-len(panel)-1)
	lesson := m.lessonLines
	start := min(m.scroll, max(0, len(lesson)-textRoom))
	end := min(len(lesson), start+textRoom)
	out := append([]string{}, lesson[start:end]...)
	for len(out) < textRoom {
		out = append(out, "")
	}
	title := m.styles.PaneTitle.Render(fmt.Sprintf("exercise · %s", ch.Exercise.Title))
	return append(append(out, title), panel...)
}

// renderExercise is the checklist that ticks itself, the hints asked for,
// and the solution once asked for twice.
func (m Model) renderExercise() []string {
	ch := m.chapter()
	var lines []string
	done, whyShown := 0, false
	for i, o := range ch.Exercise.Objectives {
		st := objectiveState{}
		if i < len(m.objectives) {
			st = m.objectives[i]
		}
		mark := m.styles.Dim.Render("[ ]")
		if st.met {
			mark = m.styles.Running.Render("[✓]")
			done++
		}
		lines = append(lines, fmt.Sprintf(" %s %s", mark, o.Text))
		if !st.met && st.why != "" && !whyShown {
			// Why the first unmet objective is not met yet, on one line.
			whyShown = true
			why, _, _ := strings.Cut(st.why, "\n")
			lines = append(lines, m.styles.Dim.Render(ansi.Truncate("     ↳ "+why, m.lessonWidth()-1, "…")))
		}
		if !st.met && o.Hint != "" && m.hintsShown > 0 {
			lines = append(lines, m.styles.Dim.Render("     hint: "+o.Hint))
		}
	}
	if done == len(ch.Exercise.Objectives) && len(m.objectives) > 0 {
		next := "n: next chapter"
		if m.chapterIdx+1 >= len(m.opts.Learning.Pack.Chapters) {
			next = "last chapter — esc for the chapters"
		}
		lines = append(lines, m.styles.Running.Render(" Exercise complete. "+next))
	}
	for i := 0; i < m.hintsShown && i < len(ch.Exercise.Hints); i++ {
		lines = append(lines, m.styles.Waiting.Render(fmt.Sprintf(" hint %d: %s", i+1, ch.Exercise.Hints[i])))
	}
	switch m.solutionAsks {
	case 1:
		lines = append(lines, m.styles.Waiting.Render(" Press S again to see the solution."))
	case 2:
		for _, mf := range ch.Exercise.Solution.Manifests {
			lines = append(lines, " solution: podlab apply -f "+ch.Dir+"/"+mf)
		}
		for _, c := range ch.Exercise.Solution.Commands {
			lines = append(lines, " solution: podlab "+strings.Join(c, " "))
		}
	}
	return lines
}
