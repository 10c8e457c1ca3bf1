package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/podlab/podlab/runtime/api"
)

var (
	metaBucket = []byte("meta")
	rvKey      = []byte("resourceVersion")
)

// Store is the bbolt-backed implementation of API.
type Store struct {
	db *bolt.DB
	// mu serialises writes with their broadcast, so watchers see changes in
	// resourceVersion order.
	mu    sync.Mutex
	rv    uint64
	hub   *hub
	clock func() time.Time
}

var _ API = (*Store)(nil)

// Open opens (creating if needed) the store file at path.
func Open(path string) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, hub: newHub(historySize), clock: time.Now}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, r := range api.All {
			if _, err := tx.CreateBucketIfNotExists([]byte(r.Name)); err != nil {
				return err
			}
		}
		m, err := tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return err
		}
		if v := m.Get(rvKey); len(v) == 8 {
			s.rv = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	s.hub.setStart(s.rv)
	return s, nil
}

// Close closes the database and ends every watch.
func (s *Store) Close() error {
	s.hub.closeAll()
	return s.db.Close()
}

// ResourceVersion is the store's current resourceVersion.
func (s *Store) ResourceVersion() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strconv.FormatUint(s.rv, 10)
}

func key(namespace, name string) []byte { return []byte(namespace + "/" + name) }

func checkScope(res api.Resource, namespace string) error {
	if res.Namespaced && namespace == "" {
		return apierrors.NewBadRequest(fmt.Sprintf("%s must have a namespace", res.Name))
	}
	return nil
}

func decode(res api.Resource, data []byte) (api.Object, error) {
	obj := res.New()
	if err := json.Unmarshal(data, obj); err != nil {
		return nil, fmt.Errorf("store: corrupt %s object: %w", res.Name, err)
	}
	api.SetTypeMeta(obj)
	return obj, nil
}

func copyObject(obj api.Object) api.Object { return obj.DeepCopyObject().(api.Object) }

// commit writes obj (or deletes it when del) at the next resourceVersion and
// broadcasts the change; the caller holds s.mu.
func (s *Store) commit(tx *bolt.Tx, res api.Resource, obj api.Object, del bool) (uint64, error) {
	next := s.rv + 1
	obj.SetResourceVersion(strconv.FormatUint(next, 10))
	b := tx.Bucket([]byte(res.Name))
	k := key(obj.GetNamespace(), obj.GetName())
	if del {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	} else {
		api.SetTypeMeta(obj)
		data, err := json.Marshal(obj)
		if err != nil {
			return 0, err
		}
		if err := b.Put(k, data); err != nil {
			return 0, err
		}
	}
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], next)
	return next, tx.Bucket(metaBucket).Put(rvKey, buf[:])
}

// write runs fn in a write transaction under the store lock and, once
// committed, broadcasts the event fn returned.
func (s *Store) write(fn func(tx *bolt.Tx) (*WatchEvent, api.Resource, error)) (api.Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ev *WatchEvent
	var res api.Resource
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		ev, res, err = fn(tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.rv++
	s.hub.publish(s.rv, res, *ev)
	return copyObject(ev.Object), nil
}

// Create stores a new object.
func (s *Store) Create(res api.Resource, in api.Object) (api.Object, error) {
	obj := copyObject(in)
	if !res.Namespaced {
		obj.SetNamespace("")
	}
	if err := checkScope(res, obj.GetNamespace()); err != nil {
		return nil, err
	}
	if obj.GetName() == "" && obj.GetGenerateName() != "" {
		obj.SetName(GenerateName(obj.GetGenerateName()))
	}
	if obj.GetName() == "" {
		return nil, apierrors.NewBadRequest("name or generateName is required")
	}
	return s.write(func(tx *bolt.Tx) (*WatchEvent, api.Resource, error) {
		b := tx.Bucket([]byte(res.Name))
		if b.Get(key(obj.GetNamespace(), obj.GetName())) != nil {
			return nil, res, apierrors.NewAlreadyExists(res.GroupResource(), obj.GetName())
		}
		obj.SetUID(types.UID(uuid.NewUUID()))
		obj.SetCreationTimestamp(metav1.NewTime(s.clock().Truncate(time.Second)))
		obj.SetGeneration(0)
		if tracksGeneration(res) {
			obj.SetGeneration(1)
		}
		if _, err := s.commit(tx, res, obj, false); err != nil {
			return nil, res, err
		}
		return &WatchEvent{Type: watch.Added, Object: obj}, res, nil
	})
}

// GenerateName makes a name from metadata.generateName as upstream's
// SimpleNameGenerator does: the base cut to 58 characters, then 5 random
// characters from the alphabet of k8s.io/apimachinery/pkg/util/rand.
func GenerateName(base string) string {
	const maxBase = 63 - 5
	if len(base) > maxBase {
		base = base[:maxBase]
	}
	return base + rand.String(5)
}

// Get returns one object.
func (s *Store) Get(res api.Resource, namespace, name string) (api.Object, error) {
	if !res.Namespaced {
		namespace = ""
	}
	var obj api.Object
	err := s.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket([]byte(res.Name)).Get(key(namespace, name))
		if data == nil {
			return apierrors.NewNotFound(res.GroupResource(), name)
		}
		var err error
		obj, err = decode(res, data)
		return err
	})
	return obj, err
}

// List returns the matching objects sorted by namespace and name.
func (s *Store) List(res api.Resource, namespace string, opts ListOptions) ([]api.Object, string, error) {
	if !res.Namespaced {
		namespace = ""
	}
	var out []api.Object
	var rv uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(metaBucket).Get(rvKey); len(v) == 8 {
			rv = binary.BigEndian.Uint64(v)
		}
		c := tx.Bucket([]byte(res.Name)).Cursor()
		prefix := []byte{}
		if namespace != "" {
			prefix = key(namespace, "")
		}
		for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
			obj, err := decode(res, v)
			if err != nil {
				return err
			}
			if matches(res, obj, opts) {
				out = append(out, obj)
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].GetNamespace() != out[j].GetNamespace() {
			return out[i].GetNamespace() < out[j].GetNamespace()
		}
		return out[i].GetName() < out[j].GetName()
	})
	return out, strconv.FormatUint(rv, 10), nil
}

func hasPrefix(k, prefix []byte) bool {
	return len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix)
}

// Update replaces an object, with optimistic concurrency on its resourceVersion.
func (s *Store) Update(res api.Resource, in api.Object) (api.Object, error) {
	obj := copyObject(in)
	if !res.Namespaced {
		obj.SetNamespace("")
	}
	return s.write(func(tx *bolt.Tx) (*WatchEvent, api.Resource, error) {
		data := tx.Bucket([]byte(res.Name)).Get(key(obj.GetNamespace(), obj.GetName()))
		if data == nil {
			return nil, res, apierrors.NewNotFound(res.GroupResource(), obj.GetName())
		}
		cur, err := decode(res, data)
		if err != nil {
			return nil, res, err
		}
		if rv := obj.GetResourceVersion(); rv != "" && rv != cur.GetResourceVersion() {
			return nil, res, apierrors.NewConflict(res.GroupResource(), obj.GetName(),
				fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
		}
		// Identity and creation fields belong to the store.
		obj.SetUID(cur.GetUID())
		obj.SetCreationTimestamp(cur.GetCreationTimestamp())
		obj.SetGeneration(cur.GetGeneration())
		if tracksGeneration(res) && specChanged(cur, obj) {
			obj.SetGeneration(cur.GetGeneration() + 1)
		}
		if _, err := s.commit(tx, res, obj, false); err != nil {
			return nil, res, err
		}
		return &WatchEvent{Type: watch.Modified, Object: obj}, res, nil
	})
}

// GuaranteedUpdate reads, mutates and writes an object, retrying on conflict.
func (s *Store) GuaranteedUpdate(res api.Resource, namespace, name string, mutate func(api.Object) (api.Object, error)) (api.Object, error) {
	for attempt := 0; ; attempt++ {
		cur, err := s.Get(res, namespace, name)
		if err != nil {
			return nil, err
		}
		next, err := mutate(cur)
		if err != nil {
			return nil, err
		}
		next.SetResourceVersion(cur.GetResourceVersion())
		out, err := s.Update(res, next)
		if apierrors.IsConflict(err) && attempt < 20 {
			continue
		}
		return out, err
	}
}

// Delete removes an object at once.
func (s *Store) Delete(res api.Resource, namespace, name string) (api.Object, error) {
	if !res.Namespaced {
		namespace = ""
	}
	return s.write(func(tx *bolt.Tx) (*WatchEvent, api.Resource, error) {
		data := tx.Bucket([]byte(res.Name)).Get(key(namespace, name))
		if data == nil {
			return nil, res, apierrors.NewNotFound(res.GroupResource(), name)
		}
		obj, err := decode(res, data)
		if err != nil {
			return nil, res, err
		}
		if _, err := s.commit(tx, res, obj, true); err != nil {
			return nil, res, err
		}
		return &WatchEvent{Type: watch.Deleted, Object: obj}, res, nil
	})
}

// PruneEvents deletes events last seen longer ago than ttl (the API server's
// --event-ttl, one hour by default).
func (s *Store) PruneEvents(ttl time.Duration) error {
	objs, _, err := s.List(api.Events, "", ListOptions{})
	if err != nil {
		return err
	}
	cutoff := s.clock().Add(-ttl)
	for _, o := range objs {
		ev := o.(*corev1.Event)
		last := ev.LastTimestamp.Time
		if last.IsZero() {
			last = ev.EventTime.Time
		}
		if last.Before(cutoff) {
			if _, err := s.Delete(api.Events, o.GetNamespace(), o.GetName()); err != nil && !apierrors.IsNotFound(err) {
				return err
			}
		}
	}
	return nil
}

// tracksGeneration: of the lab's kinds only Pods carry metadata.generation
// (since Kubernetes 1.33: 1 at creation, bumped when the spec changes);
// ConfigMaps, Secrets, Namespaces, Nodes and Events never set it.
func tracksGeneration(res api.Resource) bool { return res.Name == api.Pods.Name }
