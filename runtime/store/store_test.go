package store

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/podlab/podlab/runtime/api"
)

func openStore(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func pod(name string, lbl map[string]string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: lbl}}
}

func rv(t *testing.T, o api.Object) int {
	n, err := strconv.Atoi(o.GetResourceVersion())
	if err != nil {
		t.Fatalf("resourceVersion %q: %v", o.GetResourceVersion(), err)
	}
	return n
}

func TestCreateGetUpdateDelete(t *testing.T) {
	s, _ := openStore(t)
	a, err := s.Create(api.Pods, pod("a", nil))
	if err != nil {
		t.Fatal(err)
	}
	if ts := a.GetCreationTimestamp(); a.GetUID() == "" || ts.IsZero() {
		t.Fatalf("create did not set uid and creationTimestamp: %+v", a)
	}
	if _, err := s.Create(api.Pods, pod("a", nil)); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("second create: %v, want AlreadyExists", err)
	}
	a.SetLabels(map[string]string{"x": "1"})
	b, err := s.Update(api.Pods, a)
	if err != nil {
		t.Fatal(err)
	}
	if rv(t, b) <= rv(t, a) {
		t.Fatalf("resourceVersion did not grow: %s → %s", a.GetResourceVersion(), b.GetResourceVersion())
	}
	if _, err := s.Update(api.Pods, a); !apierrors.IsConflict(err) {
		t.Fatalf("stale update: %v, want Conflict", err)
	}
	if _, err := s.Delete(api.Pods, "default", "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(api.Pods, "default", "a"); !apierrors.IsNotFound(err) || err.Error() != `pods "a" not found` {
		t.Fatalf("get after delete: %v", err)
	}
}

func TestGuaranteedUpdateRetriesOnConflict(t *testing.T) {
	s, _ := openStore(t)
	s.Create(api.Pods, pod("a", nil))
	calls := 0
	_, err := s.GuaranteedUpdate(api.Pods, "default", "a", func(o api.Object) (api.Object, error) {
		calls++
		if calls == 1 {
			// Someone else writes in between: the first attempt must conflict.
			cur, _ := s.Get(api.Pods, "default", "a")
			cur.SetAnnotations(map[string]string{"other": "writer"})
			if _, err := s.Update(api.Pods, cur); err != nil {
				t.Fatal(err)
			}
		}
		o.SetLabels(map[string]string{"mine": "yes"})
		return o, nil
	})
	if err != nil || calls != 2 {
		t.Fatalf("GuaranteedUpdate: %v after %d calls, want success after 2", err, calls)
	}
	got, _ := s.Get(api.Pods, "default", "a")
	if got.GetLabels()["mine"] != "yes" || got.GetAnnotations()["other"] != "writer" {
		t.Fatalf("lost a write: %+v", got.(*corev1.Pod).ObjectMeta)
	}
}

func TestListSelectors(t *testing.T) {
	s, _ := openStore(t)
	s.Create(api.Pods, pod("web", map[string]string{"app": "web"}))
	s.Create(api.Pods, pod("db", map[string]string{"app": "db"}))
	other := pod("web", map[string]string{"app": "web"})
	other.Namespace = "other"
	s.Create(api.Pods, other)

	objs, _, _ := s.List(api.Pods, "default", ListOptions{LabelSelector: labels.SelectorFromSet(labels.Set{"app": "web"})})
	if len(objs) != 1 || objs[0].GetName() != "web" || objs[0].GetNamespace() != "default" {
		t.Fatalf("label selector list = %v", names(objs))
	}
	objs, _, _ = s.List(api.Pods, "", ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", "web")})
	if len(objs) != 2 {
		t.Fatalf("all-namespace field selector list = %v", names(objs))
	}
	objs, _, _ = s.List(api.Pods, "", ListOptions{FieldSelector: fields.OneTermEqualSelector("spec.nodeName", "")})
	if len(objs) != 3 {
		t.Fatalf("unscheduled pods = %v", names(objs))
	}
}

func names(objs []api.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.GetNamespace()+"/"+o.GetName())
	}
	return out
}

func TestPersistenceAcrossReopen(t *testing.T) {
	s, path := openStore(t)
	created, _ := s.Create(api.Pods, pod("a", nil))
	s.Close()
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.Get(api.Pods, "default", "a")
	if err != nil || got.GetUID() != created.GetUID() {
		t.Fatalf("after reopen: %v, %v", got, err)
	}
	next, _ := s2.Create(api.Pods, pod("b", nil))
	if rv(t, next) <= rv(t, created) {
		t.Fatalf("resourceVersion went back after reopen: %s then %s", created.GetResourceVersion(), next.GetResourceVersion())
	}
}

func recv(t *testing.T, ch <-chan WatchEvent) WatchEvent {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("watch closed")
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no watch event")
	}
	return WatchEvent{}
}

func TestWatchOrderAndResume(t *testing.T) {
	s, _ := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.Create(api.ConfigMaps, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "first", Namespace: "default"}})
	start := s.ResourceVersion()
	ch, err := s.Watch(ctx, api.Pods, "default", ListOptions{}, start)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := s.Create(api.Pods, pod("a", nil))
	a.SetLabels(map[string]string{"v": "2"})
	s.Update(api.Pods, a)
	s.Delete(api.Pods, "default", "a")
	for _, want := range []watch.EventType{watch.Added, watch.Modified, watch.Deleted} {
		if ev := recv(t, ch); ev.Type != want || ev.Object.GetName() != "a" {
			t.Fatalf("event %s %s, want %s", ev.Type, ev.Object.GetName(), want)
		}
	}
	// Resuming from the start replays the same three changes.
	replay, err := s.Watch(ctx, api.Pods, "default", ListOptions{}, start)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []watch.EventType{watch.Added, watch.Modified, watch.Deleted} {
		if ev := recv(t, replay); ev.Type != want {
			t.Fatalf("replayed %s, want %s", ev.Type, want)
		}
	}
	// Other namespaces and resources are not delivered.
	other := pod("b", nil)
	other.Namespace = "other"
	s.Create(api.Pods, other)
	s.Create(api.ConfigMaps, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "default"}})
	s.Create(api.Pods, pod("c", nil))
	if ev := recv(t, ch); ev.Object.GetName() != "c" {
		t.Fatalf("watch delivered %s/%s, want only default pods", ev.Object.GetNamespace(), ev.Object.GetName())
	}
}

func TestWatchFromTooOldVersionIsGone(t *testing.T) {
	s, _ := openStore(t)
	s.hub = newHub(4)
	for i := 0; i < 10; i++ {
		s.Create(api.ConfigMaps, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c" + strconv.Itoa(i), Namespace: "default"}})
	}
	_, err := s.Watch(context.Background(), api.ConfigMaps, "", ListOptions{}, "1")
	if !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
		t.Fatalf("watch from rv 1: %v, want Gone/Expired", err)
	}
}

func TestGenerateName(t *testing.T) {
	s, _ := openStore(t)
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: "web-", Namespace: "default"}}
	got, err := s.Create(api.Pods, p)
	if err != nil || len(got.GetName()) != len("web-")+5 || got.GetName()[:4] != "web-" {
		t.Fatalf("generateName gave %q, %v", got.GetName(), err)
	}
}

func BenchmarkCreate(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Create(api.Pods, pod("p"+strconv.Itoa(i), nil)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListWithSelector1000(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < 1000; i++ {
		s.Create(api.Pods, pod("p"+strconv.Itoa(i), map[string]string{"app": strconv.Itoa(i % 10)}))
	}
	sel := labels.SelectorFromSet(labels.Set{"app": "3"})
	for b.Loop() {
		objs, _, _ := s.List(api.Pods, "default", ListOptions{LabelSelector: sel})
		if len(objs) != 100 {
			b.Fatalf("got %d", len(objs))
		}
	}
}
