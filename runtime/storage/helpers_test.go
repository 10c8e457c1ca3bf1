package storage

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/apitesting"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	examplev1 "k8s.io/apiserver/pkg/apis/example/v1"
	"k8s.io/apiserver/pkg/storage"
)

// fakeClock is a settable clock for TTLs.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Step(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// openTestDB opens a new file with the given history size and clock.
func openTestDB(t testing.TB, historySize int, clock *fakeClock) *DB {
	t.Helper()
	now := time.Now
	if clock != nil {
		now = clock.Now
	}
	db, err := open(filepath.Join(t.TempDir(), "state.db"), historySize, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// podStore is a store of example.Pod under prefix, JSON-encoded as
// example/v1, with no transformer.
func podStore(t testing.TB, db *DB, prefix string) *store {
	t.Helper()
	s, err := db.newStore(apitesting.TestCodec(exampleCodecs, examplev1.SchemeGroupVersion), nil,
		func() runtime.Object { return &example.Pod{} },
		func() runtime.Object { return &example.PodList{} }, prefix)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func pod(ns, name string, labels map[string]string) *example.Pod {
	return &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels}}
}

func mustCreate(t testing.TB, s *store, key string, obj *example.Pod) *example.Pod {
	t.Helper()
	out := &example.Pod{}
	if err := s.Create(context.Background(), key, obj, out, 0); err != nil {
		t.Fatalf("Create %s: %v", key, err)
	}
	return out
}

// mustUpdate sets labels through GuaranteedUpdate.
func mustUpdate(t testing.TB, s *store, key string, labels map[string]string) *example.Pod {
	t.Helper()
	out := &example.Pod{}
	err := s.GuaranteedUpdate(context.Background(), key, out, false, nil, storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
		p := obj.(*example.Pod)
		p.Labels = labels
		return p, nil
	}), nil)
	if err != nil {
		t.Fatalf("GuaranteedUpdate %s: %v", key, err)
	}
	return out
}

func mustDelete(t testing.TB, s *store, key string) *example.Pod {
	t.Helper()
	out := &example.Pod{}
	if err := s.Delete(context.Background(), key, out, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}); err != nil {
		t.Fatalf("Delete %s: %v", key, err)
	}
	return out
}

func mustWatch(t testing.TB, s *store, key string, opts storage.ListOptions) watch.Interface {
	t.Helper()
	if opts.Predicate.Label == nil {
		opts.Predicate = storage.Everything
	}
	w, err := s.Watch(context.Background(), key, opts)
	if err != nil {
		t.Fatalf("Watch %s: %v", key, err)
	}
	t.Cleanup(w.Stop)
	return w
}

// next waits for the next event; it fails the test after 10s or if the
// channel closes.
func next(t testing.TB, w watch.Interface) watch.Event {
	t.Helper()
	select {
	case e, ok := <-w.ResultChan():
		if !ok {
			t.Fatal("watch closed, want an event")
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no watch event in 10s")
	}
	return watch.Event{}
}

// expectClosed waits for the result channel to close, with no event first.
func expectClosed(t testing.TB, w watch.Interface) {
	t.Helper()
	select {
	case e, ok := <-w.ResultChan():
		if ok {
			t.Fatalf("got %s event %#v, want the watch closed", e.Type, e.Object)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("watch not closed in 10s")
	}
}

// expectEvent checks an event's type, pod name and resourceVersion.
func expectEvent(t testing.TB, e watch.Event, typ watch.EventType, name, rv string) *example.Pod {
	t.Helper()
	p, ok := e.Object.(*example.Pod)
	if e.Type != typ || !ok || p.Name != name || (rv != "" && p.ResourceVersion != rv) {
		t.Fatalf("got %s %#v, want %s of %q at resourceVersion %q", e.Type, e.Object, typ, name, rv)
	}
	return p
}
