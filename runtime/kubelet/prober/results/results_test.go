package results

import "testing"

func TestSetAnnouncesOnlyChanges(t *testing.T) {
	m := NewManager()
	m.Set("c1", Success, "pod")
	m.Set("c1", Success, "pod") // no change: no update
	m.Set("c1", Failure, "pod")
	if got := len(m.Updates()); got != 2 {
		t.Fatalf("%d updates queued, want 2", got)
	}
	if u := <-m.Updates(); u != (Update{ContainerID: "c1", Result: Success, PodUID: "pod"}) {
		t.Fatalf("first update %+v", u)
	}
	if u := <-m.Updates(); u.Result != Failure {
		t.Fatalf("second update %+v", u)
	}
	if r, ok := m.Get("c1"); !ok || r != Failure {
		t.Fatalf("Get = %v %v", r, ok)
	}
	m.Remove("c1")
	if _, ok := m.Get("c1"); ok {
		t.Fatal("a removed container still has a result")
	}
	// A container seen again starts afresh: its first result is a change.
	m.Set("c1", Failure, "pod")
	if len(m.Updates()) != 1 {
		t.Fatal("the first result after Remove was not announced")
	}
}
