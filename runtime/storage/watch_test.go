package storage

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/utils/ptr"
)

func rvString(rv uint64) string { return strconv.FormatUint(rv, 10) }

func TestWatchStart(t *testing.T) {
	db := openTestDB(t, 16, nil)
	s := podStore(t, db, "/pods")
	a := mustCreate(t, s, "/pods/ns/a", pod("ns", "a", nil))
	b := mustCreate(t, s, "/pods/ns/b", pod("ns", "b", nil))
	mustCreate(t, s, "/pods/ns2/c", pod("ns2", "c", nil))
	now := db.ResourceVersion()

	t.Run("from 0: the state, then changes", func(t *testing.T) {
		w := mustWatch(t, s, "/pods/ns", storage.ListOptions{ResourceVersion: "0", Recursive: true})
		expectEvent(t, next(t, w), watch.Added, "a", a.ResourceVersion)
		expectEvent(t, next(t, w), watch.Added, "b", b.ResourceVersion)
		d := mustCreate(t, s, "/pods/ns/d", pod("ns", "d", nil))
		expectEvent(t, next(t, w), watch.Added, "d", d.ResourceVersion)
	})
	t.Run("from N: the changes after N", func(t *testing.T) {
		w := mustWatch(t, s, "/pods/ns", storage.ListOptions{ResourceVersion: a.ResourceVersion, Recursive: true})
		expectEvent(t, next(t, w), watch.Added, "b", b.ResourceVersion)
		expectEvent(t, next(t, w), watch.Added, "d", "")
	})
	t.Run("sendInitialEvents=false: only what comes", func(t *testing.T) {
		w := mustWatch(t, s, "/pods/ns", storage.ListOptions{Recursive: true, SendInitialEvents: ptr.To(false)})
		e := mustCreate(t, s, "/pods/ns/e", pod("ns", "e", nil))
		expectEvent(t, next(t, w), watch.Added, "e", e.ResourceVersion)
	})
	t.Run("one key", func(t *testing.T) {
		w := mustWatch(t, s, "/pods/ns/a", storage.ListOptions{ResourceVersion: rvString(now)})
		mustUpdate(t, s, "/pods/ns/b", map[string]string{"x": "y"})
		u := mustUpdate(t, s, "/pods/ns/a", map[string]string{"x": "y"})
		expectEvent(t, next(t, w), watch.Modified, "a", u.ResourceVersion)
	})
}

// A watch-list: the state as ADDED at each object's resourceVersion, then a
// BOOKMARK of an empty Pod at the current resourceVersion marked
// initial-events-end, then changes.
func TestWatchListInitialEventsBookmark(t *testing.T) {
	db := openTestDB(t, 16, nil)
	s := podStore(t, db, "/pods")
	a := mustCreate(t, s, "/pods/ns/a", pod("ns", "a", nil))
	mustCreate(t, podStore(t, db, "/nodes"), "/nodes/x", pod("", "x", nil))
	cur := rvString(db.ResourceVersion())

	opts := storage.ListOptions{Recursive: true, SendInitialEvents: ptr.To(true), ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan}
	opts.Predicate = storage.Everything
	opts.Predicate.AllowWatchBookmarks = true
	w := mustWatch(t, s, "/pods", opts)
	expectEvent(t, next(t, w), watch.Added, "a", a.ResourceVersion)
	e := next(t, w)
	bm, ok := e.Object.(*example.Pod)
	if e.Type != watch.Bookmark || !ok || bm.ResourceVersion != cur || bm.Name != "" ||
		bm.Annotations[metav1.InitialEventsAnnotationKey] != "true" {
		t.Fatalf("got %s %#v, want a bookmark at %s annotated %s", e.Type, e.Object, cur, metav1.InitialEventsAnnotationKey)
	}
	b := mustCreate(t, s, "/pods/ns/b", pod("ns", "b", nil))
	expectEvent(t, next(t, w), watch.Added, "b", b.ResourceVersion)

	// Without AllowWatchBookmarks there is no bookmark.
	w2 := mustWatch(t, s, "/pods", storage.ListOptions{Recursive: true, SendInitialEvents: ptr.To(true)})
	expectEvent(t, next(t, w2), watch.Added, "a", "")
	expectEvent(t, next(t, w2), watch.Added, "b", "")
	c := mustCreate(t, s, "/pods/ns/c", pod("ns", "c", nil))
	expectEvent(t, next(t, w2), watch.Added, "c", c.ResourceVersion)

	// A minimum resourceVersion in the future is an error event.
	opts.ResourceVersion = rvString(db.ResourceVersion() + 5)
	w3 := mustWatch(t, s, "/pods", opts)
	if e := next(t, w3); e.Type != watch.Error || !storage.IsTooLargeResourceVersion(errorFromStatus(e)) {
		t.Errorf("future watch-list: %s %#v, want a too-large error", e.Type, e.Object)
	}
}

func errorFromStatus(e watch.Event) error {
	st, ok := e.Object.(*metav1.Status)
	if !ok {
		return nil
	}
	return &statusError{*st}
}

type statusError struct{ s metav1.Status }

func (e *statusError) Error() string         { return e.s.Message }
func (e *statusError) Status() metav1.Status { return e.s }

// Too old: the request succeeds, then one ERROR event (410 with the
// cacher's message) ends the stream.
func TestWatchTooOld(t *testing.T) {
	db := openTestDB(t, 3, nil)
	s := podStore(t, db, "/pods")
	first := mustCreate(t, s, "/pods/ns/a", pod("ns", "a", nil))
	for i := 0; i < 4; i++ {
		mustUpdate(t, s, "/pods/ns/a", map[string]string{"i": strconv.Itoa(i)})
	}
	compacted := s.CompactRevision()
	if compacted == 0 {
		t.Fatal("CompactRevision = 0 after the window moved")
	}
	w := mustWatch(t, s, "/pods", storage.ListOptions{ResourceVersion: first.ResourceVersion, Recursive: true})
	e := next(t, w)
	st, ok := e.Object.(*metav1.Status)
	want := fmt.Sprintf("too old resource version: %s (%d)", first.ResourceVersion, compacted)
	if e.Type != watch.Error || !ok || st.Code != http.StatusGone || st.Reason != metav1.StatusReasonExpired || st.Message != want {
		t.Fatalf("got %s %#v, want a 410 Expired status %q", e.Type, e.Object, want)
	}
	expectClosed(t, w)
	// From the compacted resourceVersion itself the window still serves.
	w2 := mustWatch(t, s, "/pods", storage.ListOptions{ResourceVersion: rvString(uint64(compacted)), Recursive: true})
	expectEvent(t, next(t, w2), watch.Modified, "a", rvString(uint64(compacted)+1))
}

// etcd3's transitions: stop matching is DELETED (the previous state, at the
// change's resourceVersion), start matching is ADDED.
func TestWatchPredicateTransitions(t *testing.T) {
	db := openTestDB(t, 32, nil)
	s := podStore(t, db, "/pods")
	mustCreate(t, s, "/pods/ns/a", pod("ns", "a", map[string]string{"app": "web"}))
	mustCreate(t, s, "/pods/ns/b", pod("ns", "b", map[string]string{"app": "db"}))
	pred := storage.SelectionPredicate{Label: labels.SelectorFromSet(labels.Set{"app": "web"}), Field: fields.Everything(), GetAttrs: podAttrs}
	w := mustWatch(t, s, "/pods", storage.ListOptions{ResourceVersion: "0", Recursive: true, Predicate: pred})
	expectEvent(t, next(t, w), watch.Added, "a", "")

	mustUpdate(t, s, "/pods/ns/b", map[string]string{"app": "db", "v": "2"}) // never matches: nothing
	left := mustUpdate(t, s, "/pods/ns/a", map[string]string{"app": "gone"})
	p := expectEvent(t, next(t, w), watch.Deleted, "a", left.ResourceVersion)
	if p.Labels["app"] != "web" {
		t.Errorf("DELETED carries labels %v, want the last matching state", p.Labels)
	}
	joined := mustUpdate(t, s, "/pods/ns/b", map[string]string{"app": "web"})
	expectEvent(t, next(t, w), watch.Added, "b", joined.ResourceVersion)
	kept := mustUpdate(t, s, "/pods/ns/b", map[string]string{"app": "web", "v": "3"})
	expectEvent(t, next(t, w), watch.Modified, "b", kept.ResourceVersion)
	gone := mustDelete(t, s, "/pods/ns/b")
	expectEvent(t, next(t, w), watch.Deleted, "b", gone.ResourceVersion)
}

// Concurrent writers; every watcher sees every change, in resourceVersion order.
func TestWatchOrderUnderConcurrency(t *testing.T) {
	db := openTestDB(t, 1024, nil)
	s := podStore(t, db, "/pods")
	nodes := podStore(t, db, "/nodes")
	start := rvString(db.ResourceVersion())
	ws := []watch.Interface{
		mustWatch(t, s, "/pods", storage.ListOptions{ResourceVersion: start, Recursive: true}),
		mustWatch(t, s, "/pods", storage.ListOptions{ResourceVersion: start, Recursive: true}),
	}
	const writers, each = 8, 20
	var wg sync.WaitGroup
	for g := 0; g < writers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				name := fmt.Sprintf("g%d-%d", g, i)
				mustCreate(t, s, "/pods/ns/"+name, pod("ns", name, nil))
				mustCreate(t, nodes, "/nodes/"+name, pod("", name, nil))
			}
		}()
	}
	wg.Wait()
	for i, w := range ws {
		var last uint64
		for n := 0; n < writers*each; n++ {
			e := next(t, w)
			rv, _ := strconv.ParseUint(e.Object.(*example.Pod).ResourceVersion, 10, 64)
			if e.Type != watch.Added || rv <= last {
				t.Fatalf("watcher %d event %d: %s at %d after %d", i, n, e.Type, rv, last)
			}
			last = rv
		}
	}
}

func TestWatchEnds(t *testing.T) {
	db := openTestDB(t, 16, nil)
	s := podStore(t, db, "/pods")

	t.Run("Stop", func(t *testing.T) {
		w := mustWatch(t, s, "/pods", storage.ListOptions{Recursive: true})
		w.Stop()
		expectClosed(t, w)
	})
	t.Run("context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		w, err := s.Watch(ctx, "/pods", storage.ListOptions{Recursive: true, Predicate: storage.Everything})
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		expectClosed(t, w)
	})
	t.Run("too far behind", func(t *testing.T) {
		db.lagLimit = 3
		defer func() { db.lagLimit = watchLagLimit }()
		w := mustWatch(t, s, "/pods", storage.ListOptions{Recursive: true, ResourceVersion: rvString(db.ResourceVersion())})
		// More than the result buffer and the lag limit, unread.
		for i := 0; i < watchResultBuffer+10; i++ {
			mustCreate(t, s, fmt.Sprintf("/pods/lag/p%03d", i), pod("lag", fmt.Sprintf("p%03d", i), nil))
		}
		for {
			select {
			case _, ok := <-w.ResultChan():
				if !ok {
					return
				}
			case <-time.After(10 * time.Second):
				t.Fatal("a lagging watcher was not closed")
			}
		}
	})
	t.Run("Close", func(t *testing.T) {
		w := mustWatch(t, s, "/pods", storage.ListOptions{Recursive: true, ResourceVersion: rvString(db.ResourceVersion())})
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		expectClosed(t, w)
		if _, err := s.Watch(context.Background(), "/pods", storage.ListOptions{Recursive: true, Predicate: storage.Everything}); err == nil {
			t.Error("Watch on a closed DB succeeded")
		}
	})
}

// The periodic bookmark, here the one due 2s before the request deadline.
func TestWatchPeriodicBookmark(t *testing.T) {
	db := openTestDB(t, 16, nil)
	s := podStore(t, db, "/pods")
	mustCreate(t, podStore(t, db, "/nodes"), "/nodes/x", pod("", "x", nil))
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	opts := storage.ListOptions{Recursive: true, ResourceVersion: rvString(db.ResourceVersion() - 1)}
	opts.Predicate = storage.Everything
	opts.Predicate.AllowWatchBookmarks = true
	w, err := s.Watch(ctx, "/pods", opts)
	if err != nil {
		t.Fatal(err)
	}
	e := next(t, w)
	bm, ok := e.Object.(*example.Pod)
	if e.Type != watch.Bookmark || !ok || bm.ResourceVersion != rvString(db.ResourceVersion()) || bm.Annotations != nil {
		t.Fatalf("got %s %#v, want a plain bookmark at %d (the change to /nodes is progress too)", e.Type, e.Object, db.ResourceVersion())
	}
}

// The counter survives; the history does not.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s := podStore(t, db, "/pods")
	old := mustCreate(t, s, "/pods/ns/a", pod("ns", "a", nil))
	last := mustUpdate(t, s, "/pods/ns/a", map[string]string{"x": "y"})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s = podStore(t, db, "/pods")
	if rvString(db.ResourceVersion()) != last.ResourceVersion {
		t.Fatalf("reopened at %d, want %s", db.ResourceVersion(), last.ResourceVersion)
	}
	got := &example.Pod{}
	if err := s.Get(context.Background(), "/pods/ns/a", storage.GetOptions{}, got); err != nil || got.ResourceVersion != last.ResourceVersion || got.Labels["x"] != "y" {
		t.Fatalf("Get after reopen: %v %v, want the last write", got.ObjectMeta, err)
	}
	w := mustWatch(t, s, "/pods", storage.ListOptions{Recursive: true, ResourceVersion: old.ResourceVersion})
	if e := next(t, w); e.Type != watch.Error {
		t.Errorf("watch from before the reopen: %s, want ERROR (410)", e.Type)
	}
	w = mustWatch(t, s, "/pods", storage.ListOptions{Recursive: true, ResourceVersion: last.ResourceVersion})
	n := mustCreate(t, s, "/pods/ns/b", pod("ns", "b", nil))
	if rvString(db.ResourceVersion()) == last.ResourceVersion {
		t.Fatal("the counter did not move")
	}
	expectEvent(t, next(t, w), watch.Added, "b", n.ResourceVersion)
}
