package events

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// eventually lists the events until check accepts them.
func eventually(t *testing.T, c *fake.Clientset, check func([]corev1.Event) bool) []corev1.Event {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		list, err := c.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if check(list.Items) {
			return list.Items
		}
		if time.Now().After(deadline) {
			t.Fatalf("events never matched: %+v", list.Items)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRepeatsFoldIntoACount(t *testing.T) {
	c := fake.NewClientset()
	b := NewBroadcaster(c)
	defer b.Shutdown()
	rec := b.Recorder("kubelet", "node-1")
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "u1"}}
	for i := 0; i < 3; i++ {
		rec.Event(pod, "spec.containers{app}", corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container app in pod web_default(u1)")
	}
	rec.Event(pod, "spec.containers{app}", corev1.EventTypeNormal, "Started", "Started container app")
	eventually(t, c, func(evs []corev1.Event) bool {
		if len(evs) != 2 {
			return false
		}
		for _, ev := range evs {
			if ev.Reason == "BackOff" {
				return ev.Count == 3 && ev.Source.Component == "kubelet" && ev.Source.Host == "node-1" &&
					ev.InvolvedObject.Kind == "Pod" && ev.InvolvedObject.APIVersion == "v1" &&
					ev.InvolvedObject.FieldPath == "spec.containers{app}"
			}
		}
		return false
	})
}

func TestClusterScopedObjectsReportInDefault(t *testing.T) {
	c := fake.NewClientset()
	b := NewBroadcaster(c)
	defer b.Shutdown()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1", UID: "n1"}}
	b.Recorder("kubelet", "node-1").Event(node, "", corev1.EventTypeNormal, "NodeReady", "Node node-1 status is now: NodeReady")
	eventually(t, c, func(evs []corev1.Event) bool {
		return len(evs) == 1 && evs[0].InvolvedObject.Kind == "Node" && evs[0].InvolvedObject.Namespace == ""
	})
}
