package storage

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// event is one committed change: what an etcd watch event with its previous
// key-value carries. value is nil for a deletion and prevValue nil for a
// creation; both are stored bytes (still transformed).
type event struct {
	key       string
	rev       uint64
	value     []byte
	prevValue []byte
	prevRev   uint64 // mod revision of prevValue
}

// history is the in-memory window of the latest changes, the part of etcd's
// MVCC this package keeps. Every change takes exactly one resourceVersion,
// so the window is the contiguous range base+1 .. base+n and an event's
// position is its resourceVersion minus base+1. It is guarded by DB.mu.
type history struct {
	ring  []*event
	start int    // index in ring of the oldest event
	n     int    // events held
	base  uint64 // newest resourceVersion whose change is not held
}

// init starts an empty window at rev: the changes up to rev happened
// before this Open and are not in memory.
func (h *history) init(size int, rev uint64) {
	h.ring = make([]*event, size)
	h.start, h.n, h.base = 0, 0, rev
}

// compacted is the newest resourceVersion that can no longer be served from
// history, 0 if none: a new file's first resourceVersion (1) has no change
// before it to miss.
func (h *history) compacted() uint64 {
	if h.base <= 1 {
		return 0
	}
	return h.base
}

func (h *history) add(ev *event) {
	if h.n == len(h.ring) {
		h.base = h.ring[h.start].rev
		h.ring[h.start] = nil
		h.start = (h.start + 1) % len(h.ring)
		h.n--
	}
	h.ring[(h.start+h.n)%len(h.ring)] = ev
	h.n++
}

// since returns the held events newer than rev, oldest first, or false if
// some of them are no longer held.
func (h *history) since(rev uint64) ([]*event, bool) {
	if rev < h.base {
		return nil, false
	}
	skip := int(rev - h.base) // events at or below rev
	if skip >= h.n {
		return nil, true
	}
	out := make([]*event, 0, h.n-skip)
	for i := skip; i < h.n; i++ {
		out = append(out, h.ring[(h.start+i)%len(h.ring)])
	}
	return out, true
}

// tooOldWatchError is the cacher's answer to a watch from before the window:
// 410 Gone with "too old resource version: <requested> (<compacted>)".
func tooOldWatchError(rev, compacted uint64) error {
	return apierrors.NewResourceExpired(fmt.Sprintf("too old resource version: %d (%d)", rev, compacted))
}
