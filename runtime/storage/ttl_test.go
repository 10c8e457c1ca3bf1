package storage

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/utils/ptr"
)

// A TTL works like an etcd lease: the object is deleted when it runs out,
// with a DELETED event at a new resourceVersion; an update with no TTL
// drops it, one with a TTL restarts it.
func TestTTL(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_000_000, 0)}
	db := openTestDB(t, 64, clock)
	s := podStore(t, db, "/events")
	ctx := context.Background()
	for _, name := range []string{"expires", "cleared", "renewed"} {
		if err := s.Create(ctx, "/events/ns/"+name, pod("ns", name, nil), &example.Pod{}, 3600); err != nil {
			t.Fatal(err)
		}
	}
	setTTL := func(name string, ttl *uint64) {
		err := s.GuaranteedUpdate(ctx, "/events/ns/"+name, &example.Pod{}, false, nil, func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
			p := in.(*example.Pod)
			p.Labels = map[string]string{"touched": "yes"}
			return p, ttl, nil
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	setTTL("cleared", nil)
	clock.Step(30 * time.Minute)
	setTTL("renewed", ptr.To[uint64](3600))

	w := mustWatch(t, s, "/events", storage.ListOptions{Recursive: true, ResourceVersion: rvString(db.ResourceVersion())})
	clock.Step(31 * time.Minute) // "expires" is past its hour, "renewed" is not
	db.wakeSweeper()
	before := db.ResourceVersion()
	e := expectEvent(t, next(t, w), watch.Deleted, "expires", "")
	if e.ResourceVersion != rvString(before+1) {
		t.Errorf("expiry deleted at %s, want a new resourceVersion %d", e.ResourceVersion, before+1)
	}
	clock.Step(30 * time.Minute)
	db.wakeSweeper()
	expectEvent(t, next(t, w), watch.Deleted, "renewed", "")

	var l example.PodList
	if err := s.GetList(ctx, "/events", storage.ListOptions{Recursive: true, Predicate: storage.Everything}, &l); err != nil {
		t.Fatal(err)
	}
	if got := listed(&l); len(got) != 1 || got[0] != "ns/cleared" {
		t.Errorf("left %v, want only the object whose TTL was dropped", got)
	}
}
