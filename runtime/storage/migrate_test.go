package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/client-go/kubernetes/scheme"
)

// writeLegacy writes a state.db as podlab's first store (runtime/store, now
// gone) left it: a bucket per resource keyed "<namespace>/<name>" ("/<name>"
// when cluster-scoped) holding the objects' JSON, their resourceVersions
// inside, and the counter as a big-endian uint64 under meta/resourceVersion.
func writeLegacy(t *testing.T, path string, rv uint64, objs map[string][]metav1.Object) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		for res, list := range objs {
			b, err := tx.CreateBucketIfNotExists([]byte(res))
			if err != nil {
				return err
			}
			for _, o := range list {
				data, err := json.Marshal(o)
				if err != nil {
					return err
				}
				if err := b.Put([]byte(o.GetNamespace()+"/"+o.GetName()), data); err != nil {
					return err
				}
			}
		}
		meta, err := tx.CreateBucketIfNotExists([]byte("meta"))
		if err != nil {
			return err
		}
		return meta.Put([]byte("resourceVersion"), binary.BigEndian.AppendUint64(nil, rv))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A state.db written by runtime/store opens with its objects at the
// registry's keys, their resourceVersions and the counter kept.
func TestMigrateFromRuntimeStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web", UID: "u-web", ResourceVersion: "3", Labels: map[string]string{"app": "web"}}}
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1", UID: "u-node", ResourceVersion: "4"}}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "cfg", UID: "u-cfg", ResourceVersion: "5"}, Data: map[string]string{"k": "v"}}
	ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "ev", UID: "u-ev", ResourceVersion: "6"}}
	const oldRV = 7
	writeLegacy(t, path, oldRV, map[string][]metav1.Object{"pods": {p}, "nodes": {n}, "configmaps": {cm}, "events": {ev}})

	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.ResourceVersion() != oldRV {
		t.Errorf("counter %d, want runtime/store's %d", db.ResourceVersion(), oldRV)
	}
	codec := scheme.Codecs.LegacyCodec(corev1.SchemeGroupVersion)
	newStore := func(prefix string, newFunc, newListFunc func() runtime.Object) *store {
		s, err := db.newStore(codec, nil, newFunc, newListFunc, prefix)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	pods := newStore("/pods", func() runtime.Object { return &corev1.Pod{} }, func() runtime.Object { return &corev1.PodList{} })
	nodes := newStore("/nodes", func() runtime.Object { return &corev1.Node{} }, func() runtime.Object { return &corev1.NodeList{} })
	ctx := context.Background()

	gotPod := &corev1.Pod{}
	if err := pods.Get(ctx, "/pods/default/web", storage.GetOptions{}, gotPod); err != nil {
		t.Fatal(err)
	}
	if gotPod.ResourceVersion != p.GetResourceVersion() || gotPod.UID != p.GetUID() || gotPod.Labels["app"] != "web" {
		t.Errorf("migrated pod %+v, want %+v", gotPod.ObjectMeta, p.ObjectMeta)
	}
	gotNode := &corev1.Node{}
	if err := nodes.Get(ctx, "/nodes/node-1", storage.GetOptions{}, gotNode); err != nil || gotNode.ResourceVersion != n.GetResourceVersion() {
		t.Errorf("migrated node: %v at %q, want resourceVersion %s", err, gotNode.ResourceVersion, n.GetResourceVersion())
	}

	// The pods were re-encoded with their codec, resourceVersion out: an
	// update that changes nothing stays a no-op.
	var stored []byte
	var expire int64
	err = db.bolt.View(func(tx *bolt.Tx) error {
		r, err := decodeRecord(tx.Bucket(objectsBucket).Get([]byte("/pods/default/web")))
		stored = r.data
		if err == nil {
			ev, _ := decodeRecord(tx.Bucket(objectsBucket).Get([]byte("/events/default/ev")))
			expire = ev.expire
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored, []byte(`"resourceVersion"`)) {
		t.Errorf("stored pod still has its resourceVersion: %s", stored)
	}
	if expire == 0 {
		t.Error("migrated event has no TTL")
	}
	out := &corev1.Pod{}
	if err := pods.GuaranteedUpdate(ctx, "/pods/default/web", out, false, nil, storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
		return obj, nil
	}), nil); err != nil {
		t.Fatal(err)
	}
	if out.ResourceVersion != p.GetResourceVersion() || db.ResourceVersion() != oldRV {
		t.Errorf("no-op update of a migrated pod wrote: object at %s, counter %d", out.ResourceVersion, db.ResourceVersion())
	}
	// ConfigMaps had no store yet: still readable, as migrated.
	cms := newStore("/configmaps", func() runtime.Object { return &corev1.ConfigMap{} }, func() runtime.Object { return &corev1.ConfigMapList{} })
	var l corev1.ConfigMapList
	if err := cms.GetList(ctx, "/configmaps", storage.ListOptions{Recursive: true, Predicate: storage.Everything}, &l); err != nil {
		t.Fatal(err)
	}
	if len(l.Items) != 1 || l.Items[0].Data["k"] != "v" || l.Items[0].ResourceVersion != cm.GetResourceVersion() {
		t.Errorf("migrated configmaps %+v", l.Items)
	}
	// The old buckets are gone.
	_ = db.bolt.View(func(tx *bolt.Tx) error {
		for _, b := range legacyResources {
			if tx.Bucket([]byte(b)) != nil {
				t.Errorf("bucket %q still there", b)
			}
		}
		return nil
	})
}
