package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The file's buckets. There is one keyspace for every resource, like etcd's.
var (
	// objectsBucket maps a key to its record (see encodeRecord).
	objectsBucket = []byte("objects")
	// expiryBucket indexes keys written with a TTL: 8-byte big-endian expiry
	// (Unix nanoseconds) followed by the key, so the sweeper walks it in
	// expiry order.
	expiryBucket = []byte("expiry")
	// legacyBucket lists keys migrated from runtime/store whose bytes are
	// still that store's JSON; the first store opened for their resource
	// re-encodes them with its codec (see normalizeLegacy).
	legacyBucket = []byte("legacy")
	// metaBucket holds the resourceVersion counter under rvKey, 8 bytes
	// big-endian, as runtime/store kept it.
	metaBucket = []byte("meta")
	rvKey      = []byte("resourceVersion")
)

// defaultHistorySize is how many changes stay in memory for watches from a
// resourceVersion, exact reads and continue tokens.
const defaultHistorySize = 8192

var errClosed = errors.New("storage: database is closed")

// DB is one bbolt file holding every resource's objects. It is safe for
// concurrent use.
type DB struct {
	bolt *bolt.DB

	// mu orders changes: a write holds it exclusively from its transaction
	// until its event is published, so watchers see resourceVersion order;
	// readers that need the file and the history to agree (watch start,
	// reads at an older resourceVersion) hold it shared.
	mu      sync.RWMutex
	rev     atomic.Uint64 // last committed resourceVersion
	history history       // guarded by mu

	watchersMu sync.Mutex
	watchers   map[*watcher]struct{}

	// lagLimit is how many changes a watcher may have queued before it is
	// closed as too slow (watchLagLimit; lowered in tests).
	lagLimit int

	closed    chan struct{}
	closeOnce sync.Once
	sweepWake chan struct{}
	sweepDone chan struct{}

	now func() time.Time // the clock for TTLs; replaced in tests
}

// Open opens the bbolt file at path, creating it (mode 0600) if needed, and
// migrates a file written by runtime/store into this package's layout.
func Open(path string) (*DB, error) {
	return open(path, defaultHistorySize, time.Now)
}

func open(path string, historySize int, now func() time.Time) (*DB, error) {
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, err
	}
	db := &DB{
		bolt:      b,
		watchers:  map[*watcher]struct{}{},
		lagLimit:  watchLagLimit,
		closed:    make(chan struct{}),
		sweepWake: make(chan struct{}, 1),
		sweepDone: make(chan struct{}),
		now:       now,
	}
	var rev uint64
	err = b.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{objectsBucket, expiryBucket, legacyBucket, metaBucket} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		rev = readRev(tx)
		var err error
		if rev, err = migrateLegacy(tx, rev, now()); err != nil {
			return fmt.Errorf("storage: migrating %s: %w", path, err)
		}
		// etcd's revision starts at 1, so no list ever reports
		// resourceVersion "0" (which a watch would read as "any").
		rev = max(rev, 1)
		return writeRev(tx, rev)
	})
	if err != nil {
		b.Close()
		return nil, err
	}
	db.rev.Store(rev)
	// Changes before this Open are not in memory: they count as compacted.
	db.history.init(historySize, rev)
	go db.sweep()
	return db, nil
}

// Close ends every watch, stops the TTL sweeper and closes the file.
func (db *DB) Close() error {
	first := false
	db.closeOnce.Do(func() {
		first = true
		close(db.closed)
	})
	if !first {
		return nil
	}
	<-db.sweepDone
	db.watchersMu.Lock()
	for w := range db.watchers {
		w.cancel()
	}
	db.watchersMu.Unlock()
	// Wait for the write in flight, if any, so it is published or refused.
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.bolt.Close()
}

func (db *DB) isClosed() bool {
	select {
	case <-db.closed:
		return true
	default:
		return false
	}
}

// ResourceVersion is the current global resourceVersion: that of the last
// committed change.
func (db *DB) ResourceVersion() uint64 { return db.rev.Load() }

func readRev(tx *bolt.Tx) uint64 {
	if v := tx.Bucket(metaBucket).Get(rvKey); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func writeRev(tx *bolt.Tx, rev uint64) error {
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], rev)
	return tx.Bucket(metaBucket).Put(rvKey, buf[:])
}

// record is one stored key: what etcd calls its value, mod revision and lease.
type record struct {
	rev    uint64
	expire int64 // Unix nanoseconds; 0 means no TTL
	data   []byte
}

const recordHeader = 16

func encodeRecord(r record) []byte {
	b := make([]byte, recordHeader+len(r.data))
	binary.BigEndian.PutUint64(b[0:8], r.rev)
	binary.BigEndian.PutUint64(b[8:16], uint64(r.expire))
	copy(b[recordHeader:], r.data)
	return b
}

// decodeRecord parses a stored value. The data is copied out of bbolt's
// memory map, which is valid only inside the transaction.
func decodeRecord(b []byte) (record, error) {
	if len(b) < recordHeader {
		return record{}, fmt.Errorf("storage: record of %d bytes is too short", len(b))
	}
	return record{
		rev:    binary.BigEndian.Uint64(b[0:8]),
		expire: int64(binary.BigEndian.Uint64(b[8:16])),
		data:   append([]byte(nil), b[recordHeader:]...),
	}, nil
}

// recordRev reads only the mod revision of a stored value.
func recordRev(b []byte) uint64 {
	if len(b) < recordHeader {
		return 0
	}
	return binary.BigEndian.Uint64(b[0:8])
}

func expiryKey(expire int64, key []byte) []byte {
	k := make([]byte, 8+len(key))
	binary.BigEndian.PutUint64(k, uint64(expire))
	copy(k[8:], key)
	return k
}

// errRevMismatch aborts a write transaction whose precondition failed.
var errRevMismatch = errors.New("storage: revision mismatch")

// commit is the one write path, etcd's optimistic transaction: it applies
// the change only if key's current mod revision is expectRev (0: the key
// must not exist), putting data (with a TTL in seconds when ttl > 0) or,
// when del, deleting the key. It returns whether it applied, the new
// resourceVersion, and otherwise the current record (nil if none). The
// change is committed to disk before its event is published.
func (db *DB) commit(key string, expectRev uint64, del bool, data []byte, ttl uint64) (ok bool, rev uint64, cur *record, err error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.isClosed() {
		return false, 0, nil, errClosed
	}
	next := db.rev.Load() + 1
	k := []byte(key)
	var prev record
	var had bool
	var expire int64
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		objs := tx.Bucket(objectsBucket)
		if v := objs.Get(k); v != nil {
			r, err := decodeRecord(v)
			if err != nil {
				return err
			}
			prev, had = r, true
		}
		if prev.rev != expectRev || (del && !had) {
			if had {
				cur = &prev
			}
			return errRevMismatch
		}
		expiries := tx.Bucket(expiryBucket)
		if prev.expire != 0 {
			if err := expiries.Delete(expiryKey(prev.expire, k)); err != nil {
				return err
			}
		}
		if had {
			if err := tx.Bucket(legacyBucket).Delete(k); err != nil {
				return err
			}
		}
		if del {
			if err := objs.Delete(k); err != nil {
				return err
			}
		} else {
			if ttl > 0 {
				expire = db.now().Add(time.Duration(ttl) * time.Second).UnixNano()
				if err := expiries.Put(expiryKey(expire, k), nil); err != nil {
					return err
				}
			}
			if err := objs.Put(k, encodeRecord(record{rev: next, expire: expire, data: data})); err != nil {
				return err
			}
		}
		return writeRev(tx, next)
	})
	if errors.Is(err, errRevMismatch) {
		return false, 0, cur, nil
	}
	if err != nil {
		return false, 0, nil, err
	}
	db.rev.Store(next)
	ev := &event{key: key, rev: next, prevRev: prev.rev}
	if !del {
		ev.value = data
	}
	if had {
		ev.prevValue = prev.data
	}
	db.history.add(ev)
	db.publish(ev)
	if expire != 0 {
		db.wakeSweeper()
	}
	return true, next, nil, nil
}

// get reads key's current record and the resourceVersion of the read.
func (db *DB) get(key string) (r *record, rev uint64, err error) {
	err = db.bolt.View(func(tx *bolt.Tx) error {
		rev = readRev(tx)
		v := tx.Bucket(objectsBucket).Get([]byte(key))
		if v == nil {
			return nil
		}
		rec, err := decodeRecord(v)
		if err != nil {
			return err
		}
		r = &rec
		return nil
	})
	if err != nil && db.isClosed() {
		err = errClosed
	}
	return r, rev, err
}
