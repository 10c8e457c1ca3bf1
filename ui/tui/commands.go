package tui

import (
	"context"
	"io"
	"os"
	"os/exec"
	"strings"

	tea "charm.land/bubbletea/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/store"
)

// Messages carrying the lab's state back to the update loop. Each carries
// the command that waits for the next change, so a watch is a chain of
// commands and the update loop never blocks.
type (
	podsListedMsg struct {
		pods []corev1.Pod
		next tea.Cmd
	}
	podEventMsg struct {
		pod     *corev1.Pod
		deleted bool
		next    tea.Cmd
	}
	eventsMsg struct {
		events []corev1.Event
		next   tea.Cmd
	}
	logsMsg struct {
		pod, text string
	}
	commandDoneMsg struct{ output string }
	errMsg         struct{ err error }
)

// watchPods lists the namespace's pods, then follows their changes.
func watchPods(cl client.Interface, ns string) tea.Cmd {
	return func() tea.Msg {
		ctx := context.Background()
		objs, rv, err := cl.List(ctx, api.Pods, ns, store.ListOptions{})
		if err != nil {
			return errMsg{err}
		}
		ch, err := cl.Watch(ctx, api.Pods, ns, store.ListOptions{}, rv)
		if err != nil {
			return errMsg{err}
		}
		pods := make([]corev1.Pod, 0, len(objs))
		for _, o := range objs {
			pods = append(pods, *o.(*corev1.Pod))
		}
		return podsListedMsg{pods: pods, next: nextPodEvent(cl, ns, ch)}
	}
}

func nextPodEvent(cl client.Interface, ns string, ch <-chan store.WatchEvent) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return watchPods(cl, ns)() // the watch ended: list and watch again
		}
		return podEventMsg{pod: ev.Object.(*corev1.Pod), deleted: ev.Type == watch.Deleted, next: nextPodEvent(cl, ns, ch)}
	}
}

// watchEvents streams the namespace's events (current ones first).
func watchEvents(cl client.Interface, ns string) tea.Cmd {
	return func() tea.Msg {
		ctx := context.Background()
		objs, rv, err := cl.List(ctx, api.Events, ns, store.ListOptions{})
		if err != nil {
			return errMsg{err}
		}
		ch, err := cl.Watch(ctx, api.Events, ns, store.ListOptions{}, rv)
		if err != nil {
			return errMsg{err}
		}
		evs := make([]corev1.Event, 0, len(objs))
		for _, o := range objs {
			evs = append(evs, *o.(*corev1.Event))
		}
		return eventsMsg{events: evs, next: nextEvent(ch)}
	}
}

func nextEvent(ch <-chan store.WatchEvent) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return nil
		}
		return eventsMsg{events: []corev1.Event{*ev.Object.(*corev1.Event)}, next: nextEvent(ch)}
	}
}

// fetchLogs reads the last lines of a container's log (or of its previous instance).
func fetchLogs(cl client.Interface, p *corev1.Pod, container string, previous bool, key string) tea.Cmd {
	name, ns := p.Name, p.Namespace
	return func() tea.Msg {
		tail := int64(200)
		rc, err := cl.Logs(context.Background(), ns, name, client.LogOptions{Container: container, TailLines: &tail, Previous: previous})
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
