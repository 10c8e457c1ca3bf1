package store

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
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

func TestDeleteMissingIsNotFound(t *testing.T) {
	s, _ := openStore(t)
	before := s.ResourceVersion()
	_, err := s.Delete(api.ConfigMaps, "default", "nope")
	if !apierrors.IsNotFound(err) || err.Error() != `configmaps "nope" not found` {
		t.Fatalf("delete of a missing object: %v", err)
	}
	if s.ResourceVersion() != before {
		t.Fatalf("a failed delete moved the resourceVersion from %s to %s", before, s.ResourceVersion())
	}
}

func TestResourceVersionIsGlobalAndMonotonic(t *testing.T) {
	s, path := openStore(t)
	last := 0
	check := func(o api.Object, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if n := rv(t, o); n <= last {
			t.Fatalf("resourceVersion %d after %d", n, last)
		} else {
			last = n
		}
	}
	check(s.Create(api.Pods, pod("a", nil)))
	check(s.Create(api.ConfigMaps, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "default"}}))
	check(s.Delete(api.Pods, "default", "a"))
	s.Close()
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.ResourceVersion() != strconv.Itoa(last) {
		t.Fatalf("reopened store is at %s, want %d (the delete's version)", s2.ResourceVersion(), last)
	}
	check(s2.Create(api.Pods, pod("a", nil)))
}

func TestSpecChangeBumpsGeneration(t *testing.T) {
	s, _ := openStore(t)
	created, _ := s.Create(api.Pods, pod("a", nil))
	if created.GetGeneration() != 1 {
		t.Fatalf("generation %d after create", created.GetGeneration())
	}
	created.SetLabels(map[string]string{"x": "y"})
	relabelled, _ := s.Update(api.Pods, created)
	if relabelled.GetGeneration() != 1 {
		t.Fatalf("a metadata change bumped generation to %d", relabelled.GetGeneration())
	}
	p := relabelled.(*corev1.Pod)
	p.Spec.ActiveDeadlineSeconds = new(int64(30))
	respecced, _ := s.Update(api.Pods, p)
	if respecced.GetGeneration() != 2 {
		t.Fatalf("a spec change left generation at %d", respecced.GetGeneration())
	}
}

func TestSlowWatcherIsClosedWithoutBlockingWriters(t *testing.T) {
	s, _ := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	slow, err := s.Watch(ctx, api.ConfigMaps, "default", ListOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	// Nobody reads slow: writes beyond its buffer must still succeed.
	for i := 0; i < watcherBuffer+10; i++ {
		if _, err := s.Create(api.ConfigMaps, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c" + strconv.Itoa(i), Namespace: "default"}}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for range slow {
		n++
	}
	if n != watcherBuffer {
		t.Fatalf("slow watcher got %d events before closing, want its buffer of %d", n, watcherBuffer)
	}
}

func TestWatchResumesWithoutDuplicates(t *testing.T) {
	s, _ := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, _ := s.Create(api.Pods, pod("a", nil))
	objs, listRV, _ := s.List(api.Pods, "default", ListOptions{})
	if len(objs) != 1 {
		t.Fatalf("list = %v", names(objs))
	}
	ch, err := s.Watch(ctx, api.Pods, "default", ListOptions{}, listRV)
	if err != nil {
		t.Fatal(err)
	}
	// A change the list already saw, published late (a writer committed it
	// before the list but had not broadcast it yet), is not sent again.
	s.hub.publish(uint64(rv(t, a)), api.Pods, WatchEvent{Type: watch.Added, Object: a})
	s.Create(api.Pods, pod("b", nil))
	if ev := recv(t, ch); ev.Type != watch.Added || ev.Object.GetName() != "b" {
		t.Fatalf("first event after the list: %s %s, want ADDED b", ev.Type, ev.Object.GetName())
	}
	// Resuming from the latest version replays nothing.
	latest, _ := s.Watch(ctx, api.Pods, "default", ListOptions{}, s.ResourceVersion())
	select {
	case ev := <-latest:
		t.Fatalf("watch from the current version replayed %s %s", ev.Type, ev.Object.GetName())
	case <-time.After(50 * time.Millisecond):
	}
}

func TestHistoryWindowBoundary(t *testing.T) {
	s, _ := openStore(t)
	s.hub = newHub(4)
	for i := 0; i < 10; i++ {
		s.Create(api.ConfigMaps, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c" + strconv.Itoa(i), Namespace: "default"}})
	}
	// The window holds versions 7..10: resuming after 6 works, after 5 is Gone.
	ch, err := s.Watch(context.Background(), api.ConfigMaps, "", ListOptions{}, "6")
	if err != nil {
		t.Fatalf("watch from the window's edge: %v", err)
	}
	if ev := recv(t, ch); ev.Object.GetName() != "c6" {
		t.Fatalf("first replayed event is %s, want c6", ev.Object.GetName())
	}
	_, err = s.Watch(context.Background(), api.ConfigMaps, "", ListOptions{}, "5")
	if !apierrors.IsResourceExpired(err) || !strings.Contains(err.Error(), "too old resource version: 5") {
		t.Fatalf("watch from 5: %v", err)
	}
}

func TestGenerateNameUsesUpstreamAlphabet(t *testing.T) {
	s, _ := openStore(t)
	for i := 0; i < 20; i++ {
		got, err := s.Create(api.Pods, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: "job-", Namespace: "default"}})
		if err != nil {
			t.Fatal(err)
		}
		suffix := strings.TrimPrefix(got.GetName(), "job-")
		if strings.Trim(suffix, "bcdfghjklmnpqrstvwxz2456789") != "" {
			t.Fatalf("generated suffix %q has characters outside upstream's alphabet", suffix)
		}
	}
}

func TestFieldSelectorsPerResource(t *testing.T) {
	s, _ := openStore(t)
	running := pod("run", nil)
	running.Spec.NodeName = "node-1"
	running.Status.Phase = corev1.PodRunning
	s.Create(api.Pods, running)
	s.Create(api.Pods, pod("pending", nil))
	s.Create(api.Events, &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "e1", Namespace: "default"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "run", Namespace: "default"}, Reason: "Started", Type: "Normal"})
	s.Create(api.Events, &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "e2", Namespace: "default"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "pending", Namespace: "default"}, Reason: "FailedScheduling", Type: "Warning"})
	s.Create(api.Secrets, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "tls", Namespace: "default"}, Type: corev1.SecretTypeTLS})
	s.Create(api.Secrets, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "plain", Namespace: "default"}, Type: corev1.SecretTypeOpaque})
	for _, tc := range []struct {
		res  api.Resource
		sel  string
		want string
	}{
		{api.Pods, "spec.nodeName=node-1", "default/run"},
		{api.Pods, "status.phase!=Running", "default/pending"},
		{api.Events, "involvedObject.name=run,involvedObject.kind=Pod", "default/e1"},
		{api.Events, "type=Warning,reason=FailedScheduling", "default/e2"},
		{api.Secrets, "type=kubernetes.io/tls", "default/tls"},
		{api.Secrets, "metadata.namespace=default,metadata.name=plain", "default/plain"},
	} {
		sel, err := fields.ParseSelector(tc.sel)
		if err != nil {
			t.Fatal(err)
		}
		objs, _, err := s.List(tc.res, "", ListOptions{FieldSelector: sel})
		if err != nil || strings.Join(names(objs), " ") != tc.want {
			t.Errorf("%s with %q = %v (%v), want %s", tc.res.Name, tc.sel, names(objs), err, tc.want)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < 1000; i++ {
		s.Create(api.Pods, pod("p"+strconv.Itoa(i), nil))
	}
	for b.Loop() {
		if _, err := s.Get(api.Pods, "default", "p500"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWatchFanOut measures a write delivered to 100 watchers.
func BenchmarkWatchFanOut(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const watchers = 100
	var chans []<-chan WatchEvent
	for i := 0; i < watchers; i++ {
		ch, err := s.Watch(ctx, api.Pods, "default", ListOptions{}, "")
		if err != nil {
			b.Fatal(err)
		}
		chans = append(chans, ch)
	}
	p := pod("p", nil)
	created, err := s.Create(api.Pods, p)
	if err != nil {
		b.Fatal(err)
	}
	for _, ch := range chans {
		<-ch
	}
	for i := 0; b.Loop(); i++ {
		created.SetLabels(map[string]string{"i": strconv.Itoa(i)})
		created.SetResourceVersion("")
		if _, err := s.Update(api.Pods, created); err != nil {
			b.Fatal(err)
		}
		for _, ch := range chans {
			if ev := <-ch; ev.Type != watch.Modified {
				b.Fatalf("got %s", ev.Type)
			}
		}
	}
}

func TestOnlyPodsTrackGeneration(t *testing.T) {
	s, _ := openStore(t)
	cm, err := s.Create(api.ConfigMaps, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "default"}})
	if err != nil {
		t.Fatal(err)
	}
	if g := cm.GetGeneration(); g != 0 {
		t.Fatalf("configmap generation %d, want none", g)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a", Image: "busybox"}}}}
	created, err := s.Create(api.Pods, pod)
	if err != nil {
		t.Fatal(err)
	}
	if g := created.GetGeneration(); g != 1 {
		t.Fatalf("pod generation %d, want 1", g)
	}
	p := created.(*corev1.Pod).DeepCopy()
	p.Spec.Containers[0].Image = "busybox:1.36"
	updated, err := s.Update(api.Pods, p)
	if err != nil {
		t.Fatal(err)
	}
	if g := updated.GetGeneration(); g != 2 {
		t.Fatalf("pod generation after a spec change %d, want 2", g)
	}
}
