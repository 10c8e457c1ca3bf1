package storage

import (
	"bytes"
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
)

// sweep deletes objects whose TTL has passed, as an etcd lease expiring
// does: each deletion is an ordinary change with its own resourceVersion
// and DELETED event. It sleeps until the earliest expiry, or until a write
// with a TTL wakes it, and ends when the DB closes.
func (db *DB) sweep() {
	defer close(db.sweepDone)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		next := db.expireDue()
		var due <-chan time.Time
		if next != 0 {
			timer.Reset(time.Duration(next - db.now().UnixNano()))
			due = timer.C
		}
		select {
		case <-db.closed:
			timer.Stop()
			return
		case <-db.sweepWake:
		case <-due:
		}
		timer.Stop()
	}
}

func (db *DB) wakeSweeper() {
	select {
	case db.sweepWake <- struct{}{}:
	default:
	}
}

// expireDue deletes every expired key and returns the next expiry (Unix
// nanoseconds), 0 if none.
func (db *DB) expireDue() int64 {
	type due struct {
		key string
		rev uint64
	}
	for {
		now := db.now().UnixNano()
		var batch []due
		var next int64
		err := db.bolt.View(func(tx *bolt.Tx) error {
			objs := tx.Bucket(objectsBucket)
			c := tx.Bucket(expiryBucket).Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				expire := int64(binary.BigEndian.Uint64(k[:8]))
				if expire > now {
					next = expire
					break
				}
				key := k[8:]
				v := objs.Get(key)
				// The index is kept with the record, but trust the record.
				if len(v) >= recordHeader && bytes.Equal(v[8:16], k[:8]) {
					batch = append(batch, due{key: string(key), rev: recordRev(v)})
				}
				if len(batch) == 256 {
					break
				}
			}
			return nil
		})
		if err != nil {
			if !db.isClosed() {
				utilruntime.HandleError(err)
			}
			return 0
		}
		if len(batch) == 0 {
			return next
		}
		for _, d := range batch {
			// A write since the scan changed the revision and with it the
			// TTL; then the key is not deleted.
			if _, _, _, err := db.commit(d.key, d.rev, true, nil, 0); err != nil {
				if !db.isClosed() {
					utilruntime.HandleError(err)
				}
				return 0
			}
		}
	}
}
