package storage

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/features"
	"k8s.io/apiserver/pkg/storage"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	utilflowcontrol "k8s.io/apiserver/pkg/util/flowcontrol"
)

const (
	// watchResultBuffer is the result channel's size, etcd3's outgoingBufSize.
	watchResultBuffer = 100
	// watchLagLimit is how many changes a watcher may have queued and not
	// yet delivered before it is closed as too slow; its client watches
	// again from the last resourceVersion it saw, or lists again.
	watchLagLimit = 4096
	// bookmarkFrequency is how often an idle watcher that allows bookmarks
	// gets one, the cacher's frequency.
	bookmarkFrequency = time.Minute
)

// Watch implements storage.Interface with etcd3's and the cacher's rules:
//   - ResourceVersion "" or "0" (SendInitialEvents unset): an ADDED event
//     for each object now, then every change.
//   - ResourceVersion "N": every change after N, from the history window;
//     N older than the window gives a single ERROR event, 410 Gone.
//   - SendInitialEvents true (watch-list): the objects now as ADDED, then,
//     with AllowWatchBookmarks, a BOOKMARK at the current resourceVersion
//     annotated k8s.io/initial-events-end; N, if set, is a minimum.
//     SendInitialEvents false: only the changes from now on.
//
// With a predicate, a change that makes an object stop matching is sent as
// DELETED (of the previous state) and one that makes it start as ADDED.
func (s *store) Watch(ctx context.Context, key string, opts storage.ListOptions) (watch.Interface, error) {
	key, err := s.prepareKey(key, opts.Recursive)
	if err != nil {
		return nil, err
	}
	rev, err := s.versioner.ParseResourceVersion(opts.ResourceVersion)
	if err != nil {
		return nil, err
	}
	watchList := utilfeature.DefaultFeatureGate.Enabled(features.WatchList)
	explicitInitial := watchList && opts.SendInitialEvents != nil && *opts.SendInitialEvents
	initial := explicitInitial || (opts.SendInitialEvents == nil && rev == 0)
	endBookmark := explicitInitial && opts.Predicate.AllowWatchBookmarks

	w := &watcher{
		s:         s,
		key:       key,
		recursive: opts.Recursive,
		pred:      opts.Predicate,
		bookmarks: opts.Predicate.AllowWatchBookmarks && s.newFunc != nil,
		result:    make(chan watch.Event, watchResultBuffer),
		wake:      make(chan struct{}, 1),
	}
	if w.pred.Empty() {
		w.pred = storage.Everything
	}
	w.acceptAll = w.pred.Empty()
	w.ctx, w.cancel = context.WithCancel(ctx)
	wi, err := s.db.startWatch(w, rev, initial, endBookmark)
	if err != nil {
		w.cancel()
		return nil, err
	}
	// The watch is set up; a watch-list's initial events are queued, which
	// is what priority and fairness waits for (etcd3 signals at once).
	utilflowcontrol.WatchInitialized(ctx)
	return wi, nil
}

// qitem is one thing queued for a watcher: a change (or, at start, an
// object's current state as a creation) or a bookmark.
type qitem struct {
	ev         *event
	live       bool // published after the watch started; counts toward the lag limit
	bookmark   bool
	initialEnd bool
	rev        uint64 // a bookmark's resourceVersion
}

// watcher is one Watch: the DB queues what concerns it (unbounded, but
// closed past the DB's lagLimit) and its goroutine decodes, filters and sends.
type watcher struct {
	s         *store
	key       string
	recursive bool
	pred      storage.SelectionPredicate
	acceptAll bool
	bookmarks bool
	ctx       context.Context
	cancel    context.CancelFunc
	result    chan watch.Event
	wake      chan struct{}

	mu       sync.Mutex
	startRev uint64 // changes at or before it are not for this watcher
	queue    []qitem
	live     int    // live items in queue
	progress uint64 // every change up to it that concerns the watcher is queued
	lagging  bool
}

func (w *watcher) ResultChan() <-chan watch.Event { return w.result }

func (w *watcher) Stop() { w.cancel() }

// startWatch registers w at a point consistent with the history: nothing
// committed in between is lost or seen twice.
func (db *DB) startWatch(w *watcher, rev uint64, initial, endBookmark bool) (watch.Interface, error) {
	db.mu.RLock()
	if db.isClosed() {
		db.mu.RUnlock()
		return nil, errClosed
	}
	cur := db.rev.Load()
	var snapshot *bolt.Tx
	switch {
	case initial:
		if rev > cur {
			db.mu.RUnlock()
			// etcd3: the minimum resourceVersion of a watch-list is in the future.
			return errorWatch(storage.NewTooLargeResourceVersionError(rev, cur, int(wait.Jitter(time.Second, 3).Seconds()))), nil
		}
		tx, err := db.bolt.Begin(false)
		if err != nil {
			db.mu.RUnlock()
			return nil, err
		}
		snapshot = tx
		w.startRev, w.progress = cur, cur
	case rev == 0:
		w.startRev, w.progress = cur, cur
	default:
		changes, ok := db.history.since(rev)
		if !ok {
			compacted := db.history.compacted()
			db.mu.RUnlock()
			return errorWatch(tooOldWatchError(rev, compacted)), nil
		}
		w.startRev, w.progress = rev, max(rev, cur)
		for _, ev := range changes {
			if inRange(ev.key, w.key, w.recursive) {
				w.queue = append(w.queue, qitem{ev: ev})
			}
		}
	}
	db.watchersMu.Lock()
	db.watchers[w] = struct{}{}
	db.watchersMu.Unlock()
	db.mu.RUnlock()

	if snapshot != nil {
		// Read outside the lock: the snapshot is fixed at cur, and what is
		// published meanwhile queues behind the initial state.
		items, err := initialItems(snapshot, w.key, w.recursive)
		_ = snapshot.Rollback()
		if err != nil {
			db.unregister(w)
			return nil, err
		}
		if endBookmark {
			items = append(items, qitem{bookmark: true, initialEnd: true, rev: cur})
		}
		w.mu.Lock()
		w.queue = append(items, w.queue...)
		w.mu.Unlock()
	}
	go w.run()
	return w, nil
}

// initialItems lists the current state of the watched keys as creations,
// each at its own mod revision.
func initialItems(tx *bolt.Tx, key string, recursive bool) ([]qitem, error) {
	var items []qitem
	c := tx.Bucket(objectsBucket).Cursor()
	for k, v := c.Seek([]byte(key)); k != nil && inRange(string(k), key, recursive); k, v = c.Next() {
		r, err := decodeRecord(v)
		if err != nil {
			return nil, fmt.Errorf("storage: key %q: %w", k, err)
		}
		items = append(items, qitem{ev: &event{key: string(k), rev: r.rev, value: r.data}})
	}
	return items, nil
}

func (db *DB) unregister(w *watcher) {
	db.watchersMu.Lock()
	delete(db.watchers, w)
	db.watchersMu.Unlock()
}

// publish hands a committed change to every watcher; the caller holds
// db.mu exclusively, so changes arrive in resourceVersion order.
func (db *DB) publish(ev *event) {
	db.watchersMu.Lock()
	defer db.watchersMu.Unlock()
	for w := range db.watchers {
		w.offer(ev)
	}
}

func (w *watcher) offer(ev *event) {
	w.mu.Lock()
	w.progress = max(w.progress, ev.rev)
	if ev.rev <= w.startRev || w.lagging || !inRange(ev.key, w.key, w.recursive) {
		w.mu.Unlock()
		return
	}
	if w.live >= w.s.db.lagLimit {
		w.lagging = true
	} else {
		w.queue = append(w.queue, qitem{ev: ev, live: true})
		w.live++
	}
	w.mu.Unlock()
	w.signal()
}

func (w *watcher) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// pop takes the next queued item; stop reports a watcher closed for lag.
func (w *watcher) pop() (it qitem, ok, stop bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.lagging {
		return qitem{}, false, true
	}
	if len(w.queue) == 0 {
		return qitem{}, false, false
	}
	it = w.queue[0]
	w.queue[0] = qitem{}
	w.queue = w.queue[1:]
	if len(w.queue) == 0 {
		w.queue = nil
	}
	if it.live {
		w.live--
	}
	return it, true, false
}

// idleProgress is the resourceVersion a periodic bookmark may carry: only
// with nothing queued is everything up to progress delivered.
func (w *watcher) idleProgress() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.queue) > 0 {
		return 0
	}
	return w.progress
}

// nextBookmark is when the next periodic bookmark is due: every
// bookmarkFrequency, and, like the cacher, about 2s before the request's
// deadline so the client resumes from a fresh resourceVersion.
func (w *watcher) nextBookmark() time.Duration {
	d := bookmarkFrequency
	if deadline, ok := w.ctx.Deadline(); ok {
		if until := time.Until(deadline) - 2*time.Second; until > 0 && until < d {
			d = until
		}
	}
	return d
}

func (w *watcher) run() {
	defer close(w.result)
	defer w.s.db.unregister(w)
	defer w.cancel()
	var timer *time.Timer
	if w.bookmarks {
		timer = time.NewTimer(w.nextBookmark())
		defer timer.Stop()
	}
	for w.step(timer) {
	}
}

// step delivers one item, or waits for one (sending a periodic bookmark if
// the timer fires while idle); it reports whether to go on.
func (w *watcher) step(timer *time.Timer) bool {
	it, ok, stop := w.pop()
	if stop {
		return false
	}
	if !ok {
		var tick <-chan time.Time
		if timer != nil {
			tick = timer.C
		}
		select {
		case <-w.wake:
			return true
		case <-w.ctx.Done():
			return false
		case <-tick:
			timer.Reset(w.nextBookmark())
			rev := w.idleProgress()
			if rev == 0 {
				return true
			}
			it = qitem{bookmark: true, rev: rev}
		}
	}
	e, err := w.transform(it)
	if err != nil {
		e = errorEvent(err)
	}
	if e != nil {
		select {
		case w.result <- *e:
		case <-w.ctx.Done():
			return false
		}
	}
	return err == nil
}

// transform turns a queued item into what the client sees (nil: nothing),
// with etcd3's predicate transitions.
func (w *watcher) transform(it qitem) (*watch.Event, error) {
	if it.bookmark {
		obj := w.s.newFunc()
		if err := w.s.versioner.UpdateObject(obj, it.rev); err != nil {
			return nil, fmt.Errorf("failed to propagate object resource version: %w", err)
		}
		if it.initialEnd {
			if err := storage.AnnotateInitialEventsEndBookmark(obj); err != nil {
				return nil, err
			}
		}
		return &watch.Event{Type: watch.Bookmark, Object: obj}, nil
	}
	ev := it.ev
	var cur, prev runtime.Object
	var err error
	if ev.value != nil {
		if cur, err = w.decode(ev.key, ev.value, ev.rev); err != nil {
			return nil, err
		}
	}
	// The previous state is needed for a deletion, or to see a transition.
	// It carries the change's resourceVersion, as in etcd3 and the cacher.
	if ev.prevValue != nil && (ev.value == nil || !w.acceptAll) {
		if prev, err = w.decode(ev.key, ev.prevValue, ev.rev); err != nil {
			if ev.value == nil && (w.s.reportCorrupt || storage.IsCorruptObject(err)) {
				// etcd3: the unsafe deletion of an unreadable object.
				return nil, &apierrors.StatusError{ErrStatus: metav1.Status{
					Status:  metav1.StatusFailure,
					Code:    http.StatusInternalServerError,
					Reason:  metav1.StatusReasonStoreReadError,
					Message: fmt.Sprintf("saw a DELETED event, but object data is corrupt - %v", err),
				}}
			}
			return nil, err
		}
	}
	switch {
	case ev.value == nil:
		if !w.matches(prev) {
			return nil, nil
		}
		return &watch.Event{Type: watch.Deleted, Object: prev}, nil
	case ev.prevValue == nil:
		if !w.matches(cur) {
			return nil, nil
		}
		return &watch.Event{Type: watch.Added, Object: cur}, nil
	case w.acceptAll:
		return &watch.Event{Type: watch.Modified, Object: cur}, nil
	}
	curOK, prevOK := w.matches(cur), w.matches(prev)
	switch {
	case curOK && prevOK:
		return &watch.Event{Type: watch.Modified, Object: cur}, nil
	case curOK:
		return &watch.Event{Type: watch.Added, Object: cur}, nil
	case prevOK:
		return &watch.Event{Type: watch.Deleted, Object: prev}, nil
	}
	return nil, nil
}

func (w *watcher) matches(obj runtime.Object) bool {
	if w.acceptAll {
		return true
	}
	ok, err := w.pred.Matches(obj)
	return err == nil && ok
}

func (w *watcher) decode(key string, stored []byte, rev uint64) (runtime.Object, error) {
	data, _, err := w.s.transformer.TransformFromStorage(w.ctx, stored, keyContext(key))
	if err != nil {
		return nil, err
	}
	// Into the resource's own type, as Get and GetList decode: a codec
	// whose internal version is the external one needs it.
	var into runtime.Object
	if w.s.newFunc != nil {
		into = w.s.newFunc()
	}
	obj, _, err := w.s.codec.Decode(data, nil, into)
	if err != nil {
		return nil, err
	}
	if err := w.s.versioner.UpdateObject(obj, rev); err != nil {
		return nil, fmt.Errorf("failure to version api object (%d): %w", rev, err)
	}
	return obj, nil
}

// errorEvent is an ERROR event carrying err as a metav1.Status.
func errorEvent(err error) *watch.Event {
	if _, ok := err.(apierrors.APIStatus); !ok {
		err = apierrors.NewInternalError(err)
	}
	status := err.(apierrors.APIStatus).Status()
	return &watch.Event{Type: watch.Error, Object: &status}
}

// errWatch is a watch that only reports an error, as etcd3 and the cacher
// answer a watch they cannot serve: the request succeeds, then one ERROR
// event ends the stream.
type errWatch struct{ ch chan watch.Event }

func errorWatch(err error) watch.Interface {
	ch := make(chan watch.Event, 1)
	ch <- *errorEvent(err)
	close(ch)
	return errWatch{ch}
}

func (e errWatch) ResultChan() <-chan watch.Event { return e.ch }
func (errWatch) Stop()                            {}
