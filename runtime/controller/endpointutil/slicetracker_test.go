package endpointutil

import (
	"errors"
	"testing"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/podlab/podlab/runtime/controller/reconcile"
)

func TestSliceTrackerWaitsForTheCache(t *testing.T) {
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	lister := discoverylisters.NewEndpointSliceLister(idx)
	now := time.Unix(1000, 0)
	tr := NewSliceTracker()
	tr.now = func() time.Time { return now }

	tr.Wrote("default/web", "web-abc", 2)
	if err := tr.Fresh("default/web", lister); !errors.Is(err, reconcile.ErrStale) {
		t.Fatalf("a write the cache has not seen: %v, want stale", err)
	}
	idx.Add(&discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: "web-abc", Namespace: "default", Generation: 1}})
	if err := tr.Fresh("default/web", lister); err == nil {
		t.Fatal("an older generation in the cache counts as seen")
	}
	idx.Update(&discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: "web-abc", Namespace: "default", Generation: 2}})
	if err := tr.Fresh("default/web", lister); err != nil {
		t.Fatalf("the write seen: %v", err)
	}

	tr.Deleted("default/web", "web-abc")
	if err := tr.Fresh("default/web", lister); err == nil {
		t.Fatal("a deletion the cache has not seen counts as seen")
	}
	idx.Delete(&discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: "web-abc", Namespace: "default"}})
	if err := tr.Fresh("default/web", lister); err != nil {
		t.Fatalf("the deletion seen: %v", err)
	}
}

// A write never seen (its slice deleted by someone else before the write
// was recorded) stalls its owner only until the expectation expires, and
// not at all once the owner is gone.
func TestSliceTrackerNeverStallsForGood(t *testing.T) {
	lister := discoverylisters.NewEndpointSliceLister(cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}))
	now := time.Unix(1000, 0)
	tr := NewSliceTracker()
	tr.now = func() time.Time { return now }

	tr.Wrote("default/web", "web-lost", 1)
	now = now.Add(expectationTTL)
	if err := tr.Fresh("default/web", lister); err == nil {
		t.Fatal("stale before the expectation expired")
	}
	now = now.Add(time.Second)
	if err := tr.Fresh("default/web", lister); err != nil {
		t.Fatalf("expired expectation still stalls: %v", err)
	}

	tr.Wrote("default/api", "api-lost", 1)
	tr.ForgetOwner("default/api")
	if err := tr.Fresh("default/api", lister); err != nil {
		t.Fatalf("a deleted owner's expectations remain: %v", err)
	}
}
