package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apiserver/pkg/storage"
)

// etcd3's messages for a list at a compacted resourceVersion.
const (
	listExpired     = "The resourceVersion for the provided list is too old."
	continueExpired = "The provided continue parameter is too old to display a consistent list result. " +
		"You can start a new list without the continue parameter."
	inconsistentContinue = "The provided continue parameter is too old to display a consistent list result. " +
		"You can start a new list without the continue parameter, or use the continue token in this response to " +
		"retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - " +
		"objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list."
)

var errCompacted = errors.New("storage: required revision is no longer in history")

// maxListChunk caps how many records a list copies out of bbolt at once,
// etcd3's maxLimit.
const maxListChunk = 10000

// chunk is a run of records copied out of one read.
type chunk struct {
	items []chunkItem
	more  bool   // the range goes on after the last item
	rev   uint64 // the resourceVersion read at
	count int64  // with countAll: keys from the start to the range's end
}

type chunkItem struct {
	key    string
	stored []byte
	rev    uint64
}

// readRange copies up to limit records (0: all) of the range from start, at
// rev (0: the latest), closing the read before returning.
func (db *DB) readRange(prefix string, recursive bool, start string, rev uint64, limit int, countAll bool) (chunk, error) {
	vw, err := db.viewAt(prefix, recursive, rev)
	if err != nil {
		return chunk{}, err
	}
	defer vw.close()
	ch := chunk{rev: vw.rev}
	cur := vw.cursor(prefix, recursive, start)
	for {
		k, stored, r, ok := cur.next()
		if !ok {
			break
		}
		if limit > 0 && len(ch.items) == limit {
			ch.more = true
			if !countAll {
				break
			}
			ch.count++
			continue
		}
		ch.count++
		ch.items = append(ch.items, chunkItem{key: string(k), stored: stored, rev: r})
	}
	return ch, cur.err
}

// GetList implements storage.Interface: a recursive key lists every key
// under it (key "/pods/a" lists "/pods/a/…", never "/pods/ab/…"), sorted by
// key like etcd; a non-recursive key lists that one key. A read at an older
// resourceVersion (ResourceVersionMatch Exact, a legacy paged read, a
// continue token) is served from the history window: the current file with
// the changes since undone. Older than the window it is 410 Gone, like a
// read at a compacted etcd revision.
func (s *store) GetList(ctx context.Context, key string, opts storage.ListOptions, listObj runtime.Object) error {
	keyPrefix, err := s.prepareKey(key, opts.Recursive)
	if err != nil {
		return err
	}
	listPtr, err := meta.GetItemsPtr(listObj)
	if err != nil {
		return err
	}
	v, err := conversion.EnforcePtr(listPtr)
	if err != nil || v.Kind() != reflect.Slice {
		return fmt.Errorf("need ptr to slice: %v", err)
	}
	withRev, continueKey, err := storage.ValidateListOptions(keyPrefix, s.versioner, opts)
	if err != nil {
		return err
	}
	newItem := newItemFunc(listObj, v)
	pred := opts.Predicate
	paging := pred.Limit > 0
	start := keyPrefix
	if continueKey != "" {
		start = continueKey
	}
	// The range is read in chunks copied out of bbolt, so no transformer or
	// codec runs inside a transaction (a write from one would deadlock on
	// bbolt's remap); later chunks read at the first one's resourceVersion.
	// A filtered page doubles its chunk while it is not full, like etcd3.
	chunkSize := 0 // everything
	if paging {
		chunkSize = int(min(pred.Limit+1, maxListChunk))
	}
	rev := uint64(withRev)
	first := true
	var lastKey string
	var count int64 // etcd's count: keys from this page's start to the range's end
	hasMore := false
chunks:
	for {
		ch, err := s.db.readRange(keyPrefix, opts.Recursive, start, rev, chunkSize, first && paging && pred.Empty())
		switch {
		case errors.Is(err, errCompacted):
			if len(opts.Predicate.Continue) > 0 {
				return compactedContinueError(continueKey, keyPrefix)
			}
			return apierrors.NewResourceExpired(listExpired)
		case err != nil:
			return err
		}
		if first {
			if withRev == 0 {
				if err := s.checkMinimumRV(opts.ResourceVersion, ch.rev); err != nil {
					return err
				}
				withRev = int64(ch.rev)
			}
			rev, count, first = ch.rev, ch.count, false
		}
		for _, it := range ch.items {
			if paging && int64(v.Len()) >= pred.Limit {
				hasMore = true
				break chunks
			}
			lastKey = it.key
			if err := ctx.Err(); err != nil {
				return storage.NewTimeoutError(lastKey, "request did not complete within requested timeout")
			}
			data, _, err := s.transformer.TransformFromStorage(ctx, it.stored, keyContext(lastKey))
			if err != nil {
				return s.transformError(lastKey, fmt.Errorf("unable to transform key %q: %w", lastKey, err))
			}
			obj, _, err := s.codec.Decode(data, nil, newItem())
			if err != nil {
				return s.decodeError(lastKey, err)
			}
			if err := s.versioner.UpdateObject(obj, it.rev); err != nil {
				return err
			}
			if matched, err := pred.Matches(obj); err == nil && matched {
				v.Set(reflect.Append(v, reflect.ValueOf(obj).Elem()))
			}
		}
		if !ch.more {
			break
		}
		if paging && int64(v.Len()) >= pred.Limit {
			hasMore = true
			break
		}
		start = lastKey + "\x00"
		chunkSize = min(chunkSize*2, maxListChunk)
	}
	continueValue, remaining, err := storage.PrepareContinueToken(lastKey, keyPrefix, withRev, count, hasMore, opts)
	if err != nil {
		return err
	}
	if v.IsNil() {
		v.Set(reflect.MakeSlice(v.Type(), 0, 0)) // never a nil Items
	}
	return s.versioner.UpdateList(listObj, uint64(withRev), continueValue, remaining)
}

// compactedContinueError is etcd3's answer to a continue token whose
// resourceVersion is gone: 410 with a token to go on at the latest state
// (resourceVersion -1), inconsistently.
func compactedContinueError(continueKey, keyPrefix string) error {
	token, err := storage.EncodeContinue(continueKey, keyPrefix, -1)
	if err != nil {
		utilruntime.HandleError(err)
		return apierrors.NewResourceExpired(continueExpired)
	}
	e := apierrors.NewResourceExpired(inconsistentContinue)
	e.ErrStatus.ListMeta.Continue = token
	return e
}

// newItemFunc makes empty list items; unstructured lists keep their
// apiVersion on the items, as etcd3 does.
func newItemFunc(listObj runtime.Object, v reflect.Value) func() runtime.Object {
	if u, ok := listObj.(*unstructured.UnstructuredList); ok {
		if apiVersion := u.GetAPIVersion(); apiVersion != "" {
			return func() runtime.Object {
				return &unstructured.Unstructured{Object: map[string]interface{}{"apiVersion": apiVersion}}
			}
		}
	}
	elem := v.Type().Elem()
	return func() runtime.Object { return reflect.New(elem).Interface().(runtime.Object) }
}

// Stats implements storage.Interface: the number of objects under the
// resource prefix and, once size estimation is enabled, their average
// stored size.
func (s *store) Stats(context.Context) (storage.Stats, error) {
	prefix, err := s.prepareKey(s.resourcePrefix, true)
	if err != nil {
		return storage.Stats{}, err
	}
	var st storage.Stats
	var size int64
	err = s.db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(objectsBucket).Cursor()
		p := []byte(prefix)
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			st.ObjectCount++
			size += int64(len(v) - recordHeader)
		}
		return nil
	})
	if err != nil {
		return storage.Stats{}, err
	}
	if s.estimateSize.Load() && st.ObjectCount > 0 {
		st.EstimatedAverageObjectSizeBytes = size / st.ObjectCount
	}
	return st, nil
}

// view is a read of a key range at one resourceVersion: a bbolt snapshot
// of the latest state plus, for an older resourceVersion, the stored state
// at that version of the keys changed since (absent: a nil record).
type view struct {
	tx      *bolt.Tx
	rev     uint64
	overlay map[string]*record
	keys    []string // overlay's keys, sorted
}

// viewAt opens a view of the keys under prefix (or the one key) at rev,
// 0 meaning the latest.
func (db *DB) viewAt(prefix string, recursive bool, rev uint64) (*view, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.isClosed() {
		return nil, errClosed
	}
	cur := db.rev.Load()
	if rev > cur {
		return nil, storage.NewTooLargeResourceVersionError(rev, cur, 0)
	}
	var changed []*event
	if rev != 0 && rev != cur {
		var ok bool
		if changed, ok = db.history.since(rev); !ok {
			return nil, errCompacted
		}
	}
	// Under mu the snapshot is exactly the state at cur.
	tx, err := db.bolt.Begin(false)
	if err != nil {
		return nil, err
	}
	vw := &view{tx: tx, rev: cur}
	if rev == 0 || rev == cur {
		return vw, nil
	}
	vw.rev = rev
	vw.overlay = map[string]*record{}
	// Newest first, so the oldest change after rev leaves its previous state.
	for i := len(changed) - 1; i >= 0; i-- {
		ev := changed[i]
		if !inRange(ev.key, prefix, recursive) {
			continue
		}
		if ev.prevValue == nil {
			vw.overlay[ev.key] = nil
		} else {
			vw.overlay[ev.key] = &record{rev: ev.prevRev, data: ev.prevValue}
		}
	}
	for k := range vw.overlay {
		vw.keys = append(vw.keys, k)
	}
	slices.Sort(vw.keys)
	return vw, nil
}

func (vw *view) close() { _ = vw.tx.Rollback() }

func inRange(key, prefix string, recursive bool) bool {
	if recursive {
		return strings.HasPrefix(key, prefix)
	}
	return key == prefix
}

// viewCursor walks a view's keys in order from a start key, merging the
// snapshot with the overlay.
type viewCursor struct {
	vw        *view
	c         *bolt.Cursor
	bk, bv    []byte // the snapshot's next key in range, nil when done
	oi        int    // next overlay key
	err       error
	prefix    string
	recursive bool
}

func (vw *view) cursor(prefix string, recursive bool, start string) *viewCursor {
	vc := &viewCursor{vw: vw, c: vw.tx.Bucket(objectsBucket).Cursor(), prefix: prefix, recursive: recursive}
	vc.bk, vc.bv = vc.c.Seek([]byte(start))
	vc.clampSnapshot()
	vc.oi, _ = slices.BinarySearch(vw.keys, start)
	return vc
}

func (vc *viewCursor) clampSnapshot() {
	if vc.bk != nil && !inRange(string(vc.bk), vc.prefix, vc.recursive) {
		vc.bk, vc.bv = nil, nil
	}
}

func (vc *viewCursor) advanceSnapshot() {
	vc.bk, vc.bv = vc.c.Next()
	vc.clampSnapshot()
}

// next returns the next key with its stored bytes and mod revision; at the
// end, or on a corrupt record (then err is set), ok is false.
func (vc *viewCursor) next() (key, stored []byte, rev uint64, ok bool) {
	for {
		var ovKey string
		haveO := vc.oi < len(vc.vw.keys)
		if haveO {
			ovKey = vc.vw.keys[vc.oi]
			haveO = inRange(ovKey, vc.prefix, vc.recursive)
		}
		switch {
		case vc.bk == nil && !haveO:
			return nil, nil, 0, false
		case haveO && (vc.bk == nil || ovKey <= string(vc.bk)):
			if vc.bk != nil && ovKey == string(vc.bk) {
				vc.advanceSnapshot() // the overlay decides for this key
			}
			vc.oi++
			r := vc.vw.overlay[ovKey]
			if r == nil {
				continue // did not exist at the view's resourceVersion
			}
			return []byte(ovKey), r.data, r.rev, true
		default:
			k, val := vc.bk, vc.bv
			vc.advanceSnapshot()
			r, err := decodeRecord(val)
			if err != nil {
				vc.err = fmt.Errorf("storage: key %q: %w", k, err)
				return nil, nil, 0, false
			}
			return append([]byte(nil), k...), r.data, r.rev, true
		}
	}
}
