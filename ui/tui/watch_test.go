package tui

import (
	"context"
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

// watchLab lists the fixture's nodes and hands out one watch channel per
// list; fail makes the list fail.
type watchLab struct {
	client.Interface
	fail    error
	lists   int
	watches []chan watch.Event
	seen    []metav1.ListOptions
}

func (l *watchLab) List(_ context.Context, res api.Resource, ns string, _ metav1.ListOptions) ([]api.Object, string, error) {
	if l.fail != nil {
		return nil, "", l.fail
	}
	l.lists++
	var out []api.Object
	for _, n := range fixtureNodes() {
		out = append(out, &n)
	}
	return out, "42", nil
}

func (l *watchLab) Watch(_ context.Context, _ api.Resource, _ string, opts metav1.ListOptions) (<-chan watch.Event, error) {
	ch := make(chan watch.Event, 4)
	l.watches = append(l.watches, ch)
	l.seen = append(l.seen, opts)
	return ch, nil
}

func TestNodesWatchListsFollowsAndRelists(t *testing.T) {
	lab := &watchLab{}
	listed, ok := watchNodes(lab)().(nodesListedMsg)
	if !ok || len(listed.nodes) != 3 || lab.seen[0].ResourceVersion != "42" {
		t.Fatalf("first message %#v, watch options %+v", listed, lab.seen)
	}
	n := fixtureNodes()[2]
	n.Labels["disk"] = "nvme"
	lab.watches[0] <- watch.Event{Type: watch.Modified, Object: &n}
	ev, ok := listed.next().(nodeEventMsg)
	if !ok || ev.deleted || ev.node.Labels["disk"] != "nvme" {
		t.Fatalf("after a change: %#v", ev)
	}
	lab.watches[0] <- watch.Event{Type: watch.Deleted, Object: &n}
	if ev, ok = ev.next().(nodeEventMsg); !ok || !ev.deleted {
		t.Fatalf("after a delete: %#v", ev)
	}
	// The server ends the watch: list and watch again.
	close(lab.watches[0])
	if again, ok := ev.next().(nodesListedMsg); !ok || lab.lists != 2 || len(lab.watches) != 2 || len(again.nodes) != 3 {
		t.Fatalf("after the watch ended: %#v (lists %d)", again, lab.lists)
	}
	// A failed list is retried after a pause.
	lab.fail = errors.New("connection refused")
	if failed, ok := watchNodes(lab)().(watchFailedMsg); !ok || failed.err != lab.fail || failed.retry == nil {
		t.Fatalf("a failed list: %#v", failed)
	}
}

func TestNodesListedReplaceTheNodes(t *testing.T) {
	m := nodeMapModel(t)
	m = step(t, m, watchFailedMsg{err: errors.New("connection refused")})
	if m.watchErr == "" {
		t.Fatal("no watch error")
	}
	m = step(t, m, nodesListedMsg{nodes: []corev1.Node{fixtureNodes()[2]}})
	if len(m.nodeMap.nodes) != 1 || m.watchErr != "" || m.nodeMap.nodes["node-1"] == nil {
		t.Fatalf("after a new list: %v, watch error %q", m.nodeMap.nodes, m.watchErr)
	}
}
