package tui

import (
	"context"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
)

// openCommandBar focuses the command bar, optionally with a command started.
func (m Model) openCommandBar(start string) (Model, tea.Cmd) {
	m.commanding = true
	m.histPos = len(m.history)
	m.comp = nil
	if start != "" {
		m.input.SetValue(start)
		m.input.CursorEnd()
	}
	return m, m.input.Focus()
}

func (m Model) updateCommand(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	s := msg.String()
	if s != "tab" && s != "shift+tab" {
		m.comp = nil
	}
	switch s {
	case "esc":
		m.commanding = false
		m.input.Blur()
		m.input.SetValue("")
		return m, nil
	case "enter":
		line := strings.TrimSpace(m.input.Value())
		m.commanding = false
		m.input.Blur()
		m.input.SetValue("")
		if line == "" {
			return m, nil
		}
		m.history = append(m.history, line)
		args := strings.Fields(line)
		if args[0] == "kubectl" || args[0] == "podlab" {
			args = args[1:]
		}
		return m, m.runLine(args)
	case "up":
		if m.histPos > 0 {
			m.histPos--
			m.input.SetValue(m.history[m.histPos])
			m.input.CursorEnd()
		}
		return m, nil
	case "down":
		if m.histPos < len(m.history)-1 {
			m.histPos++
			m.input.SetValue(m.history[m.histPos])
		} else {
			m.histPos = len(m.history)
			m.input.SetValue("")
		}
		return m, nil
	case "tab", "shift+tab":
		data := completionData{pods: m.sortedPods(), files: m.openChapterFiles().paths()}
		line, comp := nextCompletion(m.input.Value(), m.comp, data, s == "shift+tab")
		m.input.SetValue(line)
		m.input.CursorEnd()
		m.comp = comp
		return m, nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

// openChapterFiles are the files of the chapter open in the app, if any.
func (m Model) openChapterFiles() chapterFiles {
	if !m.learning() || m.lessonLines == nil {
		return chapterFiles{}
	}
	return chapterFiles{pack: m.opts.Learning.Pack, chapter: m.chapter()}
}

// runLine runs a command typed in the command bar; -f paths naming the open
// chapter's manifests are read from the pack.
func (m Model) runLine(args []string) tea.Cmd {
	files, run := m.openChapterFiles(), m.opts.Run
	return func() tea.Msg {
		args, stdin := files.resolve(args)
		return runNow(run, args, stdin)
	}
}

func (m Model) runCommand(args []string) tea.Cmd { return m.runCommandStdin(args, nil) }

func (m Model) runCommandStdin(args []string, stdin []byte) tea.Cmd {
	run := m.opts.Run
	return func() tea.Msg { return runNow(run, args, stdin) }
}

func runNow(run func(context.Context, []string, []byte) string, args []string, stdin []byte) tea.Msg {
	if run == nil {
		return commandDoneMsg{output: "commands are not available here"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return commandDoneMsg{output: run(ctx, args, stdin)}
}

// updateConfirmDelete answers "delete pod X? y/n": y deletes, any other key does not.
func (m Model) updateConfirmDelete(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	name := m.confirmDelete
	m.confirmDelete = ""
	p, ok := m.pods[name]
	if msg.String() != "y" || !ok {
		return m, nil
	}
	return m, m.runCommand([]string{"delete", "pod", p.Name, "-n", p.Namespace, "--wait=false"})
}
