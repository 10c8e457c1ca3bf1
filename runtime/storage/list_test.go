package storage

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

func listed(l *example.PodList) []string {
	var out []string
	for _, p := range l.Items {
		out = append(out, p.Namespace+"/"+p.Name)
	}
	return out
}

func podAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	p := obj.(*example.Pod)
	return labels.Set(p.Labels), fields.Set{"metadata.name": p.Name, "metadata.namespace": p.Namespace}, nil
}

func TestGetListKeys(t *testing.T) {
	db := openTestDB(t, 64, nil)
	s := podStore(t, db, "/pods")
	for _, k := range []string{"default/b", "default/a", "default2/a", "other/a"} {
		ns, name, _ := strings.Cut(k, "/")
		mustCreate(t, s, "/pods/"+k, pod(ns, name, map[string]string{"app": name}))
	}
	tests := []struct {
		name      string
		key       string
		recursive bool
		pred      storage.SelectionPredicate
		want      []string
	}{
		{"all, sorted by key", "/pods", true, storage.Everything, []string{"default/a", "default/b", "default2/a", "other/a"}},
		{"a namespace is not a name prefix", "/pods/default", true, storage.Everything, []string{"default/a", "default/b"}},
		{"one key", "/pods/default/b", false, storage.Everything, []string{"default/b"}},
		{"one missing key", "/pods/default/c", false, storage.Everything, nil},
		{"label selector", "/pods", true, storage.SelectionPredicate{
			Label: labels.SelectorFromSet(labels.Set{"app": "a"}), Field: fields.Everything(), GetAttrs: podAttrs,
		}, []string{"default/a", "default2/a", "other/a"}},
		{"field selector", "/pods", true, storage.SelectionPredicate{
			Label: labels.Everything(), Field: fields.OneTermEqualSelector("metadata.namespace", "other"), GetAttrs: podAttrs,
		}, []string{"other/a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var l example.PodList
			if err := s.GetList(context.Background(), tc.key, storage.ListOptions{Recursive: tc.recursive, Predicate: tc.pred}, &l); err != nil {
				t.Fatal(err)
			}
			if got := listed(&l); !slices.Equal(got, tc.want) {
				t.Errorf("listed %v, want %v", got, tc.want)
			}
			if l.Items == nil {
				t.Error("Items is nil, want an empty slice")
			}
			if want := strconv.FormatUint(db.ResourceVersion(), 10); l.ResourceVersion != want {
				t.Errorf("list resourceVersion %s, want %s", l.ResourceVersion, want)
			}
		})
	}
}

// Pages are read at the first page's resourceVersion, from the history
// window, whatever is written in between.
func TestGetListPagination(t *testing.T) {
	db := openTestDB(t, 64, nil)
	s := podStore(t, db, "/pods")
	others := podStore(t, db, "/nodes")
	for i := 0; i < 7; i++ {
		mustCreate(t, s, fmt.Sprintf("/pods/ns/p%d", i), pod("ns", fmt.Sprintf("p%d", i), nil))
	}
	listRV := strconv.FormatUint(db.ResourceVersion(), 10)
	var got []string
	var remaining []int64
	opts := storage.ListOptions{Recursive: true, Predicate: storage.Everything}
	opts.Predicate.Limit = 3
	for page := 0; ; page++ {
		var l example.PodList
		if err := s.GetList(context.Background(), "/pods", opts, &l); err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		if l.ResourceVersion != listRV {
			t.Errorf("page %d at resourceVersion %s, want %s", page, l.ResourceVersion, listRV)
		}
		got = append(got, listed(&l)...)
		if l.RemainingItemCount != nil {
			remaining = append(remaining, *l.RemainingItemCount)
		}
		if l.Continue == "" {
			break
		}
		// Changes between pages must not show.
		if page == 0 {
			mustDelete(t, s, "/pods/ns/p4")
			mustUpdate(t, s, "/pods/ns/p5", map[string]string{"late": "yes"})
			mustCreate(t, s, "/pods/ns/p35", pod("ns", "p35", nil))
			mustCreate(t, others, "/nodes/n", pod("", "n", nil))
		}
		opts.Predicate.Continue = l.Continue
	}
	want := []string{"ns/p0", "ns/p1", "ns/p2", "ns/p3", "ns/p4", "ns/p5", "ns/p6"}
	if !slices.Equal(got, want) {
		t.Errorf("pages listed %v, want the state at %s: %v", got, listRV, want)
	}
	if !slices.Equal(remaining, []int64{4, 1}) {
		t.Errorf("remainingItemCount %v, want [4 1]", remaining)
	}
}

func TestGetListAtResourceVersion(t *testing.T) {
	db := openTestDB(t, 4, nil)
	s := podStore(t, db, "/pods")
	a := mustCreate(t, s, "/pods/ns/a", pod("ns", "a", nil))
	mustCreate(t, s, "/pods/ns/b", pod("ns", "b", nil))
	atTwo := db.ResourceVersion()
	mustUpdate(t, s, "/pods/ns/a", map[string]string{"new": "yes"})
	mustDelete(t, s, "/pods/ns/b")
	mustCreate(t, s, "/pods/ns/c", pod("ns", "c", nil))

	list := func(rv uint64, match metav1.ResourceVersionMatch) (*example.PodList, error) {
		var l example.PodList
		err := s.GetList(context.Background(), "/pods", storage.ListOptions{
			Recursive: true, Predicate: storage.Everything,
			ResourceVersion: strconv.FormatUint(rv, 10), ResourceVersionMatch: match,
		}, &l)
		return &l, err
	}
	l, err := list(atTwo, metav1.ResourceVersionMatchExact)
	if err != nil {
		t.Fatal(err)
	}
	if got := listed(l); !slices.Equal(got, []string{"ns/a", "ns/b"}) || l.Items[0].ResourceVersion != a.ResourceVersion || l.Items[0].Labels != nil {
		t.Errorf("exact list at %d: %v (a at %s, labels %v), want the state then", atTwo, got, l.Items[0].ResourceVersion, l.Items[0].Labels)
	}
	if l.ResourceVersion != strconv.FormatUint(atTwo, 10) {
		t.Errorf("exact list reports resourceVersion %s, want %d", l.ResourceVersion, atTwo)
	}
	l, err = list(atTwo, metav1.ResourceVersionMatchNotOlderThan)
	if err != nil || !slices.Equal(listed(l), []string{"ns/a", "ns/c"}) {
		t.Errorf("not-older-than list: %v %v, want the latest state", listed(l), err)
	}
	if _, err := list(db.ResourceVersion()+1, metav1.ResourceVersionMatchNotOlderThan); !storage.IsTooLargeResourceVersion(err) {
		t.Errorf("future minimum: %v, want too large", err)
	}
	// Push the window (4 changes) past atTwo.
	for i := 0; i < 4; i++ {
		mustUpdate(t, s, "/pods/ns/c", map[string]string{"i": strconv.Itoa(i)})
	}
	if _, err := list(atTwo, metav1.ResourceVersionMatchExact); !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
		t.Errorf("exact list before the window: %v, want 410", err)
	}
}

func TestStats(t *testing.T) {
	db := openTestDB(t, 16, nil)
	s := podStore(t, db, "/pods")
	nodes := podStore(t, db, "/nodes")
	mustCreate(t, s, "/pods/ns/a", pod("ns", "a", nil))
	mustCreate(t, s, "/pods/ns/b", pod("ns", "b", nil))
	mustCreate(t, nodes, "/nodes/a", pod("", "a", nil))
	st, err := s.Stats(context.Background())
	if err != nil || st.ObjectCount != 2 || st.EstimatedAverageObjectSizeBytes != 0 {
		t.Errorf("Stats = %+v, %v; want 2 objects, no size", st, err)
	}
	if err := s.EnableResourceSizeEstimation(func(context.Context) ([]string, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Stats(context.Background()); st.EstimatedAverageObjectSizeBytes <= 0 {
		t.Errorf("Stats with size estimation = %+v, want a size", st)
	}
	if s.ReadinessCheck() != nil {
		t.Error("ReadinessCheck of an open DB failed")
	}
	_ = db.Close()
	if s.ReadinessCheck() == nil {
		t.Error("ReadinessCheck of a closed DB passed")
	}
}
