package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
)

// recorder counts the syncs of each key and answers with the errors given.
type recorder struct {
	mu      sync.Mutex
	calls   map[string]int
	answers map[string][]error
}

func newRecorder(answers map[string][]error) *recorder {
	return &recorder{calls: map[string]int{}, answers: answers}
}

func (r *recorder) sync(_ context.Context, key string) error {
	r.mu.Lock()
	n := r.calls[key]
	r.calls[key]++
	var err error
	if a := r.answers[key]; n < len(a) {
		err = a[n]
	}
	r.mu.Unlock()
	return err
}

// await waits until key has been synced n times.
func (r *recorder) await(t *testing.T, key string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.mu.Lock()
		got := r.calls[key]
		r.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s synced %d times, want %d", key, got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func run(t *testing.T, q *Queue[string], r *recorder, synced ...func() bool) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		var s []func() bool
		s = append(s, synced...)
		done <- q.Run(ctx, 2, r.sync, toSynced(s)...)
	}()
	return func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after its context ended")
		}
	}
}

func TestFailedSyncsAreRetriedUntilTheySucceed(t *testing.T) {
	conflict := apierrors.NewConflict(schema.GroupResource{Resource: "pods"}, "web", errors.New("changed"))
	r := newRecorder(map[string][]error{
		"default/broken":   {errors.New("boom"), errors.New("boom")},
		"default/conflict": {conflict},
		"default/stale":    {fmt.Errorf("slices: %w", ErrStale)},
	})
	q := NewQueue[string]("test")
	stop := run(t, q, r)
	defer stop()
	for _, k := range []string{"default/ok", "default/broken", "default/conflict", "default/stale"} {
		q.Add(k)
	}
	r.await(t, "default/broken", 3)
	r.await(t, "default/conflict", 2)
	r.await(t, "default/stale", 2)
	// A success is forgotten: its key is not synced again unless added.
	time.Sleep(50 * time.Millisecond)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls["default/ok"] != 1 || r.calls["default/broken"] != 3 {
		t.Errorf("calls %v", r.calls)
	}
	if q.NumRequeues("default/broken") != 0 {
		t.Errorf("a key that finally synced keeps %d requeues", q.NumRequeues("default/broken"))
	}
}

func TestRequeueAfterLooksAgainWithoutCountingAFailure(t *testing.T) {
	r := newRecorder(map[string][]error{"ns": {RequeueAfter(20 * time.Millisecond)}})
	q := NewQueue[string]("test")
	stop := run(t, q, r)
	defer stop()
	q.Add("ns")
	r.await(t, "ns", 2)
	if n := q.NumRequeues("ns"); n != 0 {
		t.Errorf("requeues %d, want 0", n)
	}
}

func TestNothingSyncsBeforeTheCachesHaveSynced(t *testing.T) {
	var mu sync.Mutex
	ready := false
	r := newRecorder(nil)
	q := NewQueue[string]("test")
	q.Add("a")
	stop := run(t, q, r, func() bool { mu.Lock(); defer mu.Unlock(); return ready })
	defer stop()
	time.Sleep(300 * time.Millisecond)
	r.mu.Lock()
	early := r.calls["a"]
	r.mu.Unlock()
	if early != 0 {
		t.Fatal("synced a key before the caches had synced")
	}
	mu.Lock()
	ready = true
	mu.Unlock()
	r.await(t, "a", 1)
}

func toSynced(fs []func() bool) []cache.InformerSynced {
	out := make([]cache.InformerSynced, len(fs))
	for i, f := range fs {
		out[i] = f
	}
	return out
}
