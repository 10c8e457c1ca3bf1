package tui

import (
	"context"
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
	nodesListedMsg struct {
		nodes []corev1.Node
		next  tea.Cmd
	}
	nodeEventMsg struct {
		node    *corev1.Node
		deleted bool
		next    tea.Cmd
	}
	// watchFailedMsg says a list or watch failed; retry starts it again after a pause.
	watchFailedMsg struct {
		err   error
		retry tea.Cmd
	}
)

// watchPods lists the namespace's pods, then follows their changes.
func watchPods(cl client.Interface, ns string) tea.Cmd {
	return follow[corev1.Pod](cl, api.Pods, ns,
		func(pods []corev1.Pod, next tea.Cmd) tea.Msg { return podsListedMsg{pods: pods, next: next} },
		func(p *corev1.Pod, deleted bool, next tea.Cmd) tea.Msg {
			return podEventMsg{pod: p, deleted: deleted, next: next}
		})
}

// watchEvents streams the namespace's events, the current ones first (and
// again, replacing what was shown, whenever the watch is listed anew).
func watchEvents(cl client.Interface, ns string) tea.Cmd {
	return follow[corev1.Event](cl, api.Events, ns,
		func(evs []corev1.Event, next tea.Cmd) tea.Msg {
			return eventsMsg{events: evs, listed: true, next: next}
		},
		func(e *corev1.Event, _ bool, next tea.Cmd) tea.Msg {
			return eventsMsg{events: []corev1.Event{*e}, next: next}
		})
}

// watchNodes lists the lab's nodes, then follows their changes (labels,
// taints, cordons, readiness).
func watchNodes(cl client.Interface) tea.Cmd {
	return follow[corev1.Node](cl, api.Nodes, "",
		func(nodes []corev1.Node, next tea.Cmd) tea.Msg { return nodesListedMsg{nodes: nodes, next: next} },
		func(n *corev1.Node, deleted bool, next tea.Cmd) tea.Msg {
			return nodeEventMsg{node: n, deleted: deleted, next: next}
		})
}

// follow is the one list-then-watch loop of the app: it lists res in ns
// (all of a cluster-scoped resource), then watches from the list's
// resourceVersion. listed makes the message of the whole list, changed
// that of one change; both are given the command that waits for the next.
// A watch the server ends is listed and watched again; a failure (the
// control plane restarting, say) is retried after a growing pause, so the
// view always comes back.
func follow[T any, P interface {
	*T
	api.Object
}](cl client.Interface, res api.Resource, ns string, listed func([]T, tea.Cmd) tea.Msg, changed func(P, bool, tea.Cmd) tea.Msg) tea.Cmd {
	var start func(attempt int) tea.Cmd
	var next func(ch <-chan watch.Event) tea.Cmd
	start = func(attempt int) tea.Cmd {
		return func() tea.Msg {
			ctx := context.Background()
			objs, rv, err := cl.List(ctx, res, ns, metav1.ListOptions{})
			var ch <-chan watch.Event
			if err == nil {
				ch, err = cl.Watch(ctx, res, ns, client.ResumeFrom(metav1.ListOptions{}, rv))
			}
			if err != nil {
				return watchFailed(err, attempt, start)
			}
			items := make([]T, 0, len(objs))
			for _, o := range objs {
				if p, ok := o.(P); ok {
					items = append(items, *p)
				}
			}
			return listed(items, next(ch))
		}
	}
	next = func(ch <-chan watch.Event) tea.Cmd {
		return func() tea.Msg {
			for ev := range ch {
				if p, ok := ev.Object.(P); ok {
					return changed(p, ev.Type == watch.Deleted, next(ch))
				}
			}
			return start(0)() // the watch ended: list and watch again
		}
	}
	return start(0)
}

// watchFailed retries again(attempt+1) after 1 s, doubling up to 30 s.
func watchFailed(err error, attempt int, again func(attempt int) tea.Cmd) tea.Msg {
	delay := time.Second << min(attempt, 5)
	if delay > 30*time.Second {
		delay = 30 * time.Second
	}
	return watchFailedMsg{err: err, retry: tea.Tick(delay, func(time.Time) tea.Msg { return again(attempt + 1)() })}
}
