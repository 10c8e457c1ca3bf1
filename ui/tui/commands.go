package tui

import (
	"context"
	"io"
	"os"
	"os/exec"
	"strings"

	tea "charm.land/bubbletea/v2"
	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/client"
)

// Messages of one-off commands; the watches' messages are in watch.go.
type (
	logsMsg struct {
		pod, text string
	}
	commandDoneMsg struct{ output string }
	errMsg         struct{ err error }
)

// fetchLogs reads the last lines of a container's log (or of its previous instance).
func fetchLogs(cl client.Interface, p *corev1.Pod, container string, previous bool, key string) tea.Cmd {
	name, ns := p.Name, p.Namespace
	return func() tea.Msg {
		tail := int64(200)
		rc, err := cl.Logs(context.Background(), ns, name, &corev1.PodLogOptions{Container: container, TailLines: &tail, Previous: previous})
		if err != nil {
			return logsMsg{pod: key, text: err.Error()}
		}
		defer rc.Close()
		b, _ := io.ReadAll(io.LimitReader(rc, 64<<10))
		return logsMsg{pod: key, text: string(b)}
	}
}

// runInTerminal suspends the app and runs podlab itself on the real terminal
// (exec -it, edit), resuming when it ends.
func runInTerminal(program string, args ...string) tea.Cmd {
	return tea.ExecProcess(exec.Command(program, args...), func(err error) tea.Msg {
		if err != nil {
			return commandDoneMsg{output: "podlab " + strings.Join(args, " ") + ": " + err.Error()}
		}
		return nil
	})
}

// editedMsg says the learner closed the editor on a manifest file.
type editedMsg struct {
	path string
	err  error
}

// editThenApply writes manifests to a file, opens it in $KUBE_EDITOR or
// $EDITOR (the app suspends), and reports the file for applying.
func editThenApply(manifests string) tea.Cmd {
	f, err := os.CreateTemp("", "podlab-lesson-*.yaml")
	if err != nil {
		return func() tea.Msg { return editedMsg{err: err} }
	}
	f.WriteString(manifests)
	f.Close()
	editor := os.Getenv("KUBE_EDITOR")
	if editor == "" {
		editor = os.Getenv("EDITOR")
	}
	if editor == "" {
		editor = "vi"
	}
	parts := strings.Fields(editor)
	return tea.ExecProcess(exec.Command(parts[0], append(parts[1:], f.Name())...), func(err error) tea.Msg {
		return editedMsg{path: f.Name(), err: err}
	})
}
