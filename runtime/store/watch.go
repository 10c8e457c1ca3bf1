package store

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/podlab/podlab/runtime/api"
)

// historySize is how many past changes a watch can resume from.
const historySize = 2048

// watcherBuffer is how far a watcher may fall behind before it is closed
// (it then lists again, as a Kubernetes client does after a closed watch).
const watcherBuffer = 1024

type change struct {
	rv  uint64
	res string
	ev  WatchEvent
}

// hub fans committed changes out to watchers and keeps a window of history.
type hub struct {
	mu       sync.Mutex
	history  []change // ring, oldest first once full
	size     int
	start    uint64 // resourceVersions at or below start are not in history
	watchers map[*watcher]struct{}
}

type watcher struct {
	res       api.Resource
	namespace string
	opts      ListOptions
	// since is the resourceVersion the watch starts after: a change committed
	// before the watch began but published after it must not be sent twice.
	since uint64
	ch    chan WatchEvent
	done  bool
}

func newHub(size int) *hub { return &hub{size: size, watchers: map[*watcher]struct{}{}} }

func (h *hub) setStart(rv uint64) {
	h.mu.Lock()
	h.start = rv
	h.mu.Unlock()
}

func (w *watcher) wants(rv uint64, res string, ev WatchEvent) bool {
	if rv <= w.since || res != w.res.Name {
		return false
	}
	if w.namespace != "" && ev.Object.GetNamespace() != w.namespace {
		return false
	}
	return matches(w.res, ev.Object, w.opts)
}

func (w *watcher) send(ev WatchEvent) {
	select {
	case w.ch <- WatchEvent{Type: ev.Type, Object: copyObject(ev.Object)}:
	default:
		w.close() // too slow: end the watch rather than block writers
	}
}

func (w *watcher) close() {
	if !w.done {
		w.done = true
		close(w.ch)
	}
}

func (h *hub) publish(rv uint64, res api.Resource, ev WatchEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.history = append(h.history, change{rv: rv, res: res.Name, ev: ev})
	if len(h.history) > h.size {
		h.start = h.history[0].rv
		h.history = h.history[1:]
	}
	for w := range h.watchers {
		if w.wants(rv, res.Name, ev) {
			w.send(ev)
			if w.done {
				delete(h.watchers, w)
			}
		}
	}
}

func (h *hub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for w := range h.watchers {
		w.close()
		delete(h.watchers, w)
	}
}

// Watch delivers the changes after sinceRV until ctx ends.
func (s *Store) Watch(ctx context.Context, res api.Resource, namespace string, opts ListOptions, sinceRV string) (<-chan WatchEvent, error) {
	if !res.Namespaced {
		namespace = ""
	}
	w := &watcher{res: res, namespace: namespace, opts: opts, ch: make(chan WatchEvent, watcherBuffer)}
	h := s.hub
	h.mu.Lock()
	if sinceRV != "" && sinceRV != "0" {
		since, err := strconv.ParseUint(sinceRV, 10, 64)
		if err != nil {
			h.mu.Unlock()
			return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid resourceVersion %q", sinceRV))
		}
		if since < h.start {
			h.mu.Unlock()
			return nil, apierrors.NewResourceExpired(fmt.Sprintf("too old resource version: %d (%d)", since, h.start))
		}
		w.since = since
		for _, c := range h.history {
			if w.wants(c.rv, c.res, c.ev) {
				w.send(c.ev)
			}
		}
	}
	if w.done {
		h.mu.Unlock()
		return nil, apierrors.NewResourceExpired("too many changes to replay; list again")
	}
	h.watchers[w] = struct{}{}
	h.mu.Unlock()

	go func() {
		<-ctx.Done()
		h.mu.Lock()
		if _, ok := h.watchers[w]; ok {
			delete(h.watchers, w)
			w.close()
		}
		h.mu.Unlock()
	}()
	return w.ch, nil
}
