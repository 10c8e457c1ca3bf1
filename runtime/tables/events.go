package tables

import (
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// eventPrinter's columns are `kubectl get events`': LAST SEEN TYPE REASON
// OBJECT MESSAGE, and with -o wide SUBOBJECT and SOURCE before MESSAGE and
// FIRST SEEN COUNT NAME after it.
var eventPrinter = typed(
	[]metav1.TableColumnDefinition{
		col("Last Seen", typeString, corev1.Event{}.SwaggerDoc()["lastTimestamp"]),
		col("Type", typeString, corev1.Event{}.SwaggerDoc()["type"]),
		col("Reason", typeString, corev1.Event{}.SwaggerDoc()["reason"]),
		col("Object", typeString, corev1.Event{}.SwaggerDoc()["involvedObject"]),
		wide("Subobject", typeString, corev1.ObjectReference{}.SwaggerDoc()["fieldPath"]),
		wide("Source", typeString, corev1.Event{}.SwaggerDoc()["source"]),
		col("Message", typeString, corev1.Event{}.SwaggerDoc()["message"]),
		wide("First Seen", typeString, corev1.Event{}.SwaggerDoc()["firstTimestamp"]),
		wide("Count", typeString, corev1.Event{}.SwaggerDoc()["count"]),
		func() metav1.TableColumnDefinition { c := nameCol(); c.Priority = 1; return c }(),
	},
	eventRow,
)

// eventRow: FIRST SEEN from firstTimestamp (or eventTime), LAST SEEN from
// lastTimestamp (or the first seen, or the series' last observation), COUNT
// at least 1, OBJECT as kind/name in lower case.
func eventRow(e *corev1.Event, now time.Time) metav1.TableRow {
	first := age(e.FirstTimestamp, now)
	if e.FirstTimestamp.IsZero() {
		first = microAge(e.EventTime, now)
	}
	last := age(e.LastTimestamp, now)
	if e.LastTimestamp.IsZero() {
		last = first
	}
	count := e.Count
	if e.Series != nil {
		last = microAge(e.Series.LastObservedTime, now)
		count = e.Series.Count
	} else if count == 0 {
		count = 1 // events.k8s.io singletons carry no count
	}
	target := strings.ToLower(e.InvolvedObject.Kind)
	if e.InvolvedObject.Name != "" {
		target += "/" + e.InvolvedObject.Name
	}
	return metav1.TableRow{Cells: []any{
		last, e.Type, e.Reason, target, e.InvolvedObject.FieldPath, eventSource(e),
		strings.TrimSpace(e.Message), first, int64(count), e.Name,
	}}
}

// eventSource is "component, host", each falling back to the reporting
// controller and instance; without a host, the component alone.
func eventSource(e *corev1.Event) string {
	component, host := e.Source.Component, e.Source.Host
	if component == "" {
		component = e.ReportingController
	}
	if host == "" {
		host = e.ReportingInstance
	}
	if host == "" {
		return component
	}
	return component + ", " + host
}
