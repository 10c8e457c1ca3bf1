package tui

import (
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
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
		// listed: the events are the whole current list, not one change.
		listed bool
		next   tea.Cmd
	}
	logsMsg struct {
		pod, text string
	}
	commandDoneMsg struct{ output string }
	errMsg         struct{ err error }
)

// watchPods lists the namespace's pods, then follows their changes. A watch
// the server ends is listed and watched again; a failure (the control plane
// restarting, say) is retried after a growing pause, so the view always
// comes back.
func watchPods(cl client.Interface, ns string, attempt int) tea.Cmd {
	return func() tea.Msg {
		ctx := context.Background()
		objs, rv, err := cl.List(ctx, api.Pods, ns, metav1.ListOptions{})
		if err != nil {
			return watchFailed(err, attempt, func(n int) tea.Cmd { return watchPods(cl, ns, n) })
		}
		ch, err := cl.Watch(ctx, api.Pods, ns, metav1.ListOptions{ResourceVersion: rv})
		if err != nil {
			return watchFailed(err, attempt, func(n int) tea.Cmd { return watchPods(cl, ns, n) })
		}
		pods := make([]corev1.Pod, 0, len(objs))
		for _, o := range objs {
			pods = append(pods, *o.(*corev1.Pod))
		}
		return podsListedMsg{pods: pods, next: nextPodEvent(cl, ns, ch)}
	}
}

func nextPodEvent(cl client.Interface, ns string, ch <-chan watch.Event) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return watchPods(cl, ns, 0)() // the watch ended: list and watch again
		}
		return podEventMsg{pod: ev.Object.(*corev1.Pod), deleted: ev.Type == watch.Deleted, next: nextPodEvent(cl, ns, ch)}
	}
}

// watchEvents streams the namespace's events, the current ones first (and
// again, replacing what was shown, whenever the watch is listed anew).
func watchEvents(cl client.Interface, ns string, attempt int) tea.Cmd {
	return func() tea.Msg {
		ctx := context.Background()
		objs, rv, err := cl.List(ctx, api.Events, ns, metav1.ListOptions{})
		if err != nil {
			return watchFailed(err, attempt, func(n int) tea.Cmd { return watchEvents(cl, ns, n) })
		}
		ch, err := cl.Watch(ctx, api.Events, ns, metav1.ListOptions{ResourceVersion: rv})
		if err != nil {
			return watchFailed(err, attempt, func(n int) tea.Cmd { return watchEvents(cl, ns, n) })
		}
		evs := make([]corev1.Event, 0, len(objs))
		for _, o := range objs {
			evs = append(evs, *o.(*corev1.Event))
		}
		return eventsMsg{events: evs, listed: true, next: nextEvent(cl, ns, ch)}
	}
}

func nextEvent(cl client.Interface, ns string, ch <-chan watch.Event) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return watchEvents(cl, ns, 0)()
		}
		return eventsMsg{events: []corev1.Event{*ev.Object.(*corev1.Event)}, next: nextEvent(cl, ns, ch)}
	}
}

// watchFailedMsg says a list or watch failed; retry starts it again after a pause.
type watchFailedMsg struct {
	err   error
	retry tea.Cmd
}

// watchFailed retries again(attempt+1) after 1 s, doubling up to 30 s.
func watchFailed(err error, attempt int, again func(attempt int) tea.Cmd) tea.Msg {
	delay := time.Second << min(attempt, 5)
	if delay > 30*time.Second {
		delay = 30 * time.Second
	}
	return watchFailedMsg{err: err, retry: tea.Tick(delay, func(time.Time) tea.Msg { return again(attempt + 1)() })}
}

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
