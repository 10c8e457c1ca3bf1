package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
)

// legacyResources are the buckets of runtime/store, one per resource,
// keyed "<namespace>/<name>" ("/<name>" when cluster-scoped).
var legacyResources = []string{"pods", "nodes", "namespaces", "events", "configmaps", "secrets"}

// legacyEventTTL is the TTL migrated events get: runtime/store pruned events
// an hour old, and the registry writes events with a one-hour TTL.
const legacyEventTTL = time.Hour

// migrateLegacy moves runtime/store's objects into the objects bucket under
// the registry's keys ("/pods/<ns>/<name>", "/nodes/<name>"), each at the
// resourceVersion in its metadata, and returns the counter (never below an
// object's resourceVersion). The bytes are kept as they are and the key is
// listed in legacyBucket until a store with the resource's codec rewrites
// them (normalizeLegacy).
func migrateLegacy(tx *bolt.Tx, rev uint64, now time.Time) (uint64, error) {
	objs := tx.Bucket(objectsBucket)
	legacy := tx.Bucket(legacyBucket)
	expiries := tx.Bucket(expiryBucket)
	for _, res := range legacyResources {
		b := tx.Bucket([]byte(res))
		if b == nil {
			continue
		}
		err := b.ForEach(func(k, v []byte) error {
			var m struct {
				Metadata struct {
					ResourceVersion string `json:"resourceVersion"`
				} `json:"metadata"`
			}
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("%s %q: %w", res, k, err)
			}
			objRev, err := strconv.ParseUint(m.Metadata.ResourceVersion, 10, 64)
			if err != nil || objRev == 0 {
				objRev = max(rev, 1) // no usable version: as new as the counter
			}
			rev = max(rev, objRev)
			key := []byte("/" + res + "/" + strings.TrimPrefix(string(k), "/"))
			var expire int64
			if res == "events" {
				expire = now.Add(legacyEventTTL).UnixNano()
				if err := expiries.Put(expiryKey(expire, key), nil); err != nil {
					return err
				}
			}
			if err := objs.Put(key, encodeRecord(record{rev: objRev, expire: expire, data: v})); err != nil {
				return err
			}
			return legacy.Put(key, nil)
		})
		if err != nil {
			return 0, err
		}
		if err := tx.DeleteBucket([]byte(res)); err != nil {
			return 0, err
		}
	}
	return rev, nil
}

// normalizeLegacy re-encodes this resource's migrated objects with its
// codec, keeping their resourceVersions: no change is made, only the
// encoding, so a later update that changes nothing is seen as the no-op it
// is. An object that does not decode is left as it was.
func (s *store) normalizeLegacy() error {
	prefix, err := s.prepareKey(s.resourcePrefix, true)
	if err != nil {
		return err
	}
	p := []byte(prefix)
	type pending struct {
		key []byte
		rec record
	}
	var todo []pending
	err = s.db.bolt.View(func(tx *bolt.Tx) error {
		objs := tx.Bucket(objectsBucket)
		c := tx.Bucket(legacyBucket).Cursor()
		for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
			pk := pending{key: append([]byte(nil), k...)}
			if v := objs.Get(k); v != nil {
				r, err := decodeRecord(v)
				if err != nil {
					return err
				}
				pk.rec = r
			}
			todo = append(todo, pk)
		}
		return nil
	})
	if err != nil || len(todo) == 0 {
		return err
	}
	// Re-encode outside any transaction: codecs and transformers are
	// caller code.
	for i := range todo {
		if todo[i].rec.rev == 0 {
			continue // deleted since migration
		}
		data, err := s.reencode(string(todo[i].key), todo[i].rec.data)
		if err != nil {
			utilruntime.HandleError(fmt.Errorf("storage: keeping migrated %q as it is: %w", todo[i].key, err))
			todo[i].rec.rev = 0
			continue
		}
		todo[i].rec.data = data
	}
	// Writers wait, so no change interleaves with the rewrite; a key
	// written since the read was rewritten by that write.
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	return s.db.bolt.Update(func(tx *bolt.Tx) error {
		objs := tx.Bucket(objectsBucket)
		legacy := tx.Bucket(legacyBucket)
		for _, pk := range todo {
			if pk.rec.rev != 0 && recordRev(objs.Get(pk.key)) == pk.rec.rev {
				if err := objs.Put(pk.key, encodeRecord(pk.rec)); err != nil {
					return err
				}
			}
			if err := legacy.Delete(pk.key); err != nil {
				return err
			}
		}
		return nil
	})
}

// reencode decodes legacy JSON and encodes it as a write would.
func (s *store) reencode(key string, legacyData []byte) ([]byte, error) {
	var into runtime.Object
	if s.newFunc != nil {
		into = s.newFunc()
	}
	obj, _, err := s.codec.Decode(legacyData, nil, into)
	if err != nil {
		return nil, err
	}
	if err := s.versioner.PrepareObjectForStorage(obj); err != nil {
		return nil, err
	}
	data, err := runtime.Encode(s.codec, obj)
	if err != nil {
		return nil, err
	}
	return s.transformer.TransformToStorage(context.Background(), data, keyContext(key))
}
