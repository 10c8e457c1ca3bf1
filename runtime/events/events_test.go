package events

import (
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/store"
)

func TestRepeatsFoldIntoACount(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec := New(st, "kubelet", "node-1")
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "u1"}}
	for i := 0; i < 3; i++ {
		rec.Event(pod, "spec.containers{app}", corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container app in pod web_default(u1)")
	}
	rec.Event(pod, "spec.containers{app}", corev1.EventTypeNormal, "Started", "Started container app")
	objs, _, _ := st.List(api.Events, "default", store.ListOptions{})
	if len(objs) != 2 {
		t.Fatalf("%d events, want 2", len(objs))
	}
	for _, o := range objs {
		ev := o.(*corev1.Event)
		if ev.Reason == "BackOff" && (ev.Count != 3 || ev.Source.Component != "kubelet" || ev.Source.Host != "node-1" ||
			ev.InvolvedObject.Kind != "Pod" || ev.InvolvedObject.FieldPath != "spec.containers{app}") {
			t.Fatalf("folded event = %+v", ev)
		}
	}
}
