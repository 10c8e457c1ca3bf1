package storage

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

func TestCreateRules(t *testing.T) {
	db := openTestDB(t, 16, nil)
	s := podStore(t, db, "/pods")
	ctx := context.Background()
	before := db.ResourceVersion()

	out := mustCreate(t, s, "/pods/ns/a", pod("ns", "a", nil))
	if want := strconv.FormatUint(before+1, 10); out.ResourceVersion != want {
		t.Errorf("created at resourceVersion %s, want %s", out.ResourceVersion, want)
	}
	tests := []struct {
		name  string
		key   string
		obj   *example.Pod
		check func(error) bool
	}{
		{"exists", "/pods/ns/a", pod("ns", "a", nil), storage.IsExist},
		{"resourceVersion set", "/pods/ns/b", &example.Pod{ObjectMeta: pod("ns", "b", nil).ObjectMeta}, func(err error) bool {
			return errors.Is(err, storage.ErrResourceVersionSetOnCreate) &&
				err.Error() == "resourceVersion should not be set on objects to be created"
		}},
		{"outside the resource prefix", "/nodes/b", pod("", "b", nil), func(err error) bool { return err != nil }},
	}
	tests[1].obj.ResourceVersion = "5"
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Create(ctx, tc.key, tc.obj, &example.Pod{}, 0)
			if !tc.check(err) {
				t.Errorf("Create: unexpected error %v", err)
			}
		})
	}
	if got := db.ResourceVersion(); got != before+1 {
		t.Errorf("failed creates moved the resourceVersion to %d, want %d", got, before+1)
	}
}

// One counter for every resource, as in etcd.
func TestResourceVersionIsGlobal(t *testing.T) {
	db := openTestDB(t, 16, nil)
	pods, nodes := podStore(t, db, "/pods"), podStore(t, db, "/nodes")
	var last uint64
	for i := 0; i < 6; i++ {
		var out *example.Pod
		if i%2 == 0 {
			out = mustCreate(t, pods, "/pods/ns/p"+strconv.Itoa(i), pod("ns", "p"+strconv.Itoa(i), nil))
		} else {
			out = mustCreate(t, nodes, "/nodes/n"+strconv.Itoa(i), pod("", "n"+strconv.Itoa(i), nil))
		}
		rv, _ := strconv.ParseUint(out.ResourceVersion, 10, 64)
		if rv != last+1 && last != 0 {
			t.Fatalf("write %d at resourceVersion %d, want %d", i, rv, last+1)
		}
		last = rv
	}
	if db.ResourceVersion() != last {
		t.Errorf("ResourceVersion() = %d, want %d", db.ResourceVersion(), last)
	}
	if rv, _ := nodes.GetCurrentResourceVersion(context.Background()); rv != last {
		t.Errorf("GetCurrentResourceVersion = %d, want %d", rv, last)
	}
}

func TestGet(t *testing.T) {
	db := openTestDB(t, 16, nil)
	s := podStore(t, db, "/pods")
	created := mustCreate(t, s, "/pods/ns/a", pod("ns", "a", nil))
	cur := strconv.FormatUint(db.ResourceVersion(), 10)
	future := strconv.FormatUint(db.ResourceVersion()+1, 10)
	tests := []struct {
		name    string
		key     string
		opts    storage.GetOptions
		wantRV  string // "" for the zero object
		wantErr func(error) bool
	}{
		{name: "latest", key: "/pods/ns/a", wantRV: created.ResourceVersion},
		{name: "minimum is current", key: "/pods/ns/a", opts: storage.GetOptions{ResourceVersion: cur}, wantRV: created.ResourceVersion},
		{name: "minimum in the future", key: "/pods/ns/a", opts: storage.GetOptions{ResourceVersion: future}, wantErr: storage.IsTooLargeResourceVersion},
		{name: "not found", key: "/pods/ns/b", wantErr: storage.IsNotFound},
		{name: "not found ignored", key: "/pods/ns/b", opts: storage.GetOptions{IgnoreNotFound: true}, wantRV: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := &example.Pod{}
			out.Name = "left over"
			err := s.Get(context.Background(), tc.key, tc.opts, out)
			if tc.wantErr != nil {
				if !tc.wantErr(err) {
					t.Fatalf("Get: unexpected error %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.ResourceVersion != tc.wantRV || (tc.wantRV == "" && out.Name != "") {
				t.Errorf("Get = %q at %q, want resourceVersion %q", out.Name, out.ResourceVersion, tc.wantRV)
			}
		})
	}
}

// The upstream rule that keeps controllers from looping: an update that
// encodes to the stored bytes writes nothing and wakes nobody.
func TestNoOpUpdateWritesNothing(t *testing.T) {
	db := openTestDB(t, 16, nil)
	s := podStore(t, db, "/pods")
	created := mustCreate(t, s, "/pods/ns/a", pod("ns", "a", map[string]string{"x": "1"}))
	w := mustWatch(t, s, "/pods/ns/a", storage.ListOptions{ResourceVersion: created.ResourceVersion})
	rv := db.ResourceVersion()

	same := mustUpdate(t, s, "/pods/ns/a", map[string]string{"x": "1"})
	if same.ResourceVersion != created.ResourceVersion || db.ResourceVersion() != rv {
		t.Fatalf("no-op update: object at %s, store at %d; want both unchanged (%s, %d)",
			same.ResourceVersion, db.ResourceVersion(), created.ResourceVersion, rv)
	}
	changed := mustUpdate(t, s, "/pods/ns/a", map[string]string{"x": "2"})
	// The first event must be the real change: the no-op sent none.
	expectEvent(t, next(t, w), "MODIFIED", "a", changed.ResourceVersion)
}

func TestGuaranteedUpdateRetriesStaleCache(t *testing.T) {
	db := openTestDB(t, 16, nil)
	s := podStore(t, db, "/pods")
	stale := mustCreate(t, s, "/pods/ns/a", pod("ns", "a", nil))
	fresh := mustUpdate(t, s, "/pods/ns/a", map[string]string{"v": "1"})

	var seen []string
	out := &example.Pod{}
	err := s.GuaranteedUpdate(context.Background(), "/pods/ns/a", out, false, nil, func(in runtime.Object, meta storage.ResponseMeta) (runtime.Object, *uint64, error) {
		p := in.(*example.Pod)
		seen = append(seen, p.ResourceVersion+"/"+strconv.FormatUint(meta.ResourceVersion, 10))
		p.Annotations = map[string]string{"touched": "yes"}
		return p, nil, nil
	}, stale)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{stale.ResourceVersion + "/" + stale.ResourceVersion, fresh.ResourceVersion + "/" + fresh.ResourceVersion}
	if len(seen) != 2 || seen[0] != want[0] || seen[1] != want[1] {
		t.Errorf("tryUpdate saw %v, want %v (the stale hint, then the stored object)", seen, want)
	}
	if out.Labels["v"] != "1" || out.Annotations["touched"] != "yes" {
		t.Errorf("result %v %v lost the concurrent change", out.Labels, out.Annotations)
	}
}

func TestGuaranteedUpdateNotFound(t *testing.T) {
	db := openTestDB(t, 16, nil)
	s := podStore(t, db, "/pods")
	update := storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
		p := obj.(*example.Pod)
		p.Name, p.Namespace = "a", "ns"
		return p, nil
	})
	if err := s.GuaranteedUpdate(context.Background(), "/pods/ns/a", &example.Pod{}, false, nil, update, nil); !storage.IsNotFound(err) {
		t.Fatalf("without ignoreNotFound: %v, want NotFound", err)
	}
	out := &example.Pod{}
	if err := s.GuaranteedUpdate(context.Background(), "/pods/ns/a", out, true, nil, update, nil); err != nil {
		t.Fatal(err)
	}
	if out.ResourceVersion == "" || out.Name != "a" {
		t.Errorf("ignoreNotFound created %#v", out.ObjectMeta)
	}
}

func TestDelete(t *testing.T) {
	db := openTestDB(t, 16, nil)
	s := podStore(t, db, "/pods")
	ctx := context.Background()
	created := mustCreate(t, s, "/pods/ns/a", pod("ns", "a", map[string]string{"k": "v"}))
	w := mustWatch(t, s, "/pods/ns/a", storage.ListOptions{ResourceVersion: created.ResourceVersion})

	wrongUID := types.UID("other")
	if err := s.Delete(ctx, "/pods/ns/a", &example.Pod{}, &storage.Preconditions{UID: &wrongUID}, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}); !storage.IsInvalidObj(err) {
		t.Errorf("UID precondition: %v, want an invalid-object error", err)
	}
	refuse := errors.New("refused")
	var validated *example.Pod
	err := s.Delete(ctx, "/pods/ns/a", &example.Pod{}, nil, func(_ context.Context, obj runtime.Object) error {
		validated = obj.(*example.Pod)
		return refuse
	}, nil, storage.DeleteOptions{})
	if !errors.Is(err, refuse) || validated == nil || validated.ResourceVersion != created.ResourceVersion {
		t.Errorf("validateDeletion: err %v, saw %v; want it called with the stored object", err, validated)
	}
	if rv := strconv.FormatUint(db.ResourceVersion(), 10); rv != created.ResourceVersion {
		t.Fatalf("refused deletes moved the resourceVersion to %s", rv)
	}

	out := mustDelete(t, s, "/pods/ns/a")
	deletedAt := strconv.FormatUint(db.ResourceVersion(), 10)
	if out.ResourceVersion != deletedAt || out.Labels["k"] != "v" {
		t.Errorf("Delete returned %v at %s, want the last state at %s", out.Labels, out.ResourceVersion, deletedAt)
	}
	expectEvent(t, next(t, w), "DELETED", "a", deletedAt)
	if err := s.Delete(ctx, "/pods/ns/a", &example.Pod{}, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}); !storage.IsNotFound(err) {
		t.Errorf("second Delete: %v, want NotFound", err)
	}
}
