package tables

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
)

// Cells are in column order: LAST SEEN TYPE REASON OBJECT SUBOBJECT SOURCE
// MESSAGE FIRST SEEN COUNT NAME; `kubectl get events` shows the first four
// and MESSAGE.
func TestEventRows(t *testing.T) {
	ref := corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "liveness-exec", APIVersion: "v1", FieldPath: "spec.containers{liveness}"}
	cases := []struct {
		name string
		ev   *corev1.Event
		want []any
	}{
		{"core event, repeated", &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "liveness-exec.3", Namespace: "default"}, InvolvedObject: ref,
			Type: "Warning", Reason: "Unhealthy", Message: "Liveness probe failed\n", Source: corev1.EventSource{Component: "kubelet", Host: "node-1"},
			FirstTimestamp: ago(4 * time.Minute), LastTimestamp: ago(2 * time.Minute), Count: 6},
			[]any{"2m", "Warning", "Unhealthy", "pod/liveness-exec", "spec.containers{liveness}", "kubelet, node-1", "Liveness probe failed", "4m", int64(6), "liveness-exec.3"}},
		{"events.k8s.io singleton", &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "liveness-exec.1", Namespace: "default"},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "liveness-exec"}, Type: "Normal", Reason: "Scheduled",
			Message: "Successfully assigned default/liveness-exec to node-1", ReportingController: "default-scheduler", EventTime: metav1.NewMicroTime(now.Add(-5 * time.Minute))},
			[]any{"5m", "Normal", "Scheduled", "pod/liveness-exec", "", "default-scheduler", "Successfully assigned default/liveness-exec to node-1", "5m", int64(1), "liveness-exec.1"}},
		{"series", &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "web.9"}, InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web"},
			Type: "Warning", Reason: "BackOff", ReportingController: "kubelet", ReportingInstance: "node-1",
			EventTime: metav1.NewMicroTime(now.Add(-10 * time.Minute)), Series: &corev1.EventSeries{Count: 4, LastObservedTime: metav1.NewMicroTime(now.Add(-30 * time.Second))}},
			[]any{"30s", "Warning", "BackOff", "pod/web", "", "kubelet, node-1", "", "10m", int64(4), "web.9"}},
		{"no involved name", &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "x"}, InvolvedObject: corev1.ObjectReference{Kind: "Node"}, Type: "Normal", Reason: "Starting"},
			[]any{"<unknown>", "Normal", "Starting", "node", "", "", "", "<unknown>", int64(1), "x"}},
	}
	for _, c := range cases {
		wantCells(t, c.name, cells(t, api.Events, c.ev), c.want...)
	}
	if cols := Columns(api.Events); cols[9].Format != "name" || cols[9].Priority != 1 {
		t.Errorf("the events' Name column is %+v, want a wide name column", cols[9])
	}
}
