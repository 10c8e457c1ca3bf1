package printers

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/podlab/podlab/runtime/api"
)

// Describe writes kubectl describe's page for obj. events are those about
// obj (printed for pods, nodes, config maps and other kinds, as kubectl
// does; not for namespaces and secrets); related is what the page shows
// beside the object (see Related; nil reads as none). now is the instant ages are
// measured from. Nothing passed in is modified.
func Describe(w io.Writer, obj api.Object, events []corev1.Event, related *Related, now time.Time) error {
	tw := newDescribeWriter(w)
	p := prefixWriter{w: tw}
	rel := Related{}
	if related != nil {
		rel = *related
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		describePod(p, o, now)
		describeEvents(p, events, now)
	case *corev1.Node:
		describeNode(p, o, rel, now)
		describeEvents(p, events, now)
	case *corev1.Namespace:
		describeNamespace(p, o)
	case *corev1.ConfigMap:
		describeConfigMap(p, o)
		describeEvents(p, events, now)
	case *corev1.Secret:
		describeSecret(p, o)
	case *corev1.Service:
		describeService(p, o, rel.EndpointSlices)
		describeEvents(p, events, now)
	case *corev1.Endpoints:
		describeEndpoints(p, o)
		describeEvents(p, events, now)
	case *discoveryv1.EndpointSlice:
		describeEndpointSlice(p, o)
		describeEvents(p, events, now)
	case *appsv1.Deployment:
		describeDeployment(p, o, rel.OldReplicaSets, rel.NewReplicaSet)
		describeEvents(p, events, now)
	case *appsv1.ReplicaSet:
		describeReplicaSet(p, o, CountPods(rel.Pods, string(o.UID)))
		describeEvents(p, events, now)
	case *corev1.ReplicationController:
		describeReplicationController(p, o, CountPods(rel.Pods, string(o.UID)))
		describeEvents(p, events, now)
	case *appsv1.DaemonSet:
		describeDaemonSet(p, o, CountPods(rel.Pods, string(o.UID)))
		describeEvents(p, events, now)
	case *appsv1.StatefulSet:
		describeStatefulSet(p, o, CountPods(rel.Pods, string(o.UID)))
		describeEvents(p, events, now)
	case *batchv1.Job:
		describeJob(p, o)
		describeEvents(p, events, now)
	case *batchv1.CronJob:
		describeCronJob(p, o)
		describeEvents(p, events, now)
	default:
		if err := describeGeneric(p, obj); err != nil {
			return err
		}
		describeEvents(p, events, now)
	}
	return tw.Flush()
}

// Related is what kubectl fetches beside an object for its page: for a
// node, the pods bound to it and its heartbeat Lease in kube-node-lease
// (nil when it has none); for a ReplicaSet, ReplicationController,
// DaemonSet or StatefulSet, the pods its selector matches (counted when
// the object controls them); for a Service, its EndpointSlices; for a
// Deployment, its old ReplicaSets and the new one (nil when none matches
// its template).
type Related struct {
	Pods           []corev1.Pod
	Lease          *coordinationv1.Lease
	EndpointSlices []discoveryv1.EndpointSlice
	OldReplicaSets []appsv1.ReplicaSet
	NewReplicaSet  *appsv1.ReplicaSet
}

// prefixWriter is kubectl describe's PrefixWriter: each write is indented
// two spaces per level and goes through one tab writer, so "Field:\tvalue"
// lines align within each block.
type prefixWriter struct{ w io.Writer }

func (p prefixWriter) write(level int, format string, args ...any) {
	fmt.Fprintf(p.w, strings.Repeat("  ", level)+format, args...)
}

// line writes one indented line.
func (p prefixWriter) line(level int, format string, args ...any) {
	p.write(level, format+"\n", args...)
}

// lastAppliedAnnotation is hidden from describe's Annotations, as kubectl
// hides it (its skipAnnotations).
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// maxAnnotationLen is where kubectl describe folds and cuts annotation values.
const maxAnnotationLen = 140

// printLabels is kubectl's printLabelsMultiline: "Title:\tk=v", then each
// further pair on its own line after a tab, or <none>.
func printLabels(p prefixWriter, title string, m map[string]string) {
	pairs := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		pairs = append(pairs, k+"="+m[k])
	}
	printMultiline(p, title, pairs)
}

// printMultiline prints "Title:\t" then one item per line, or <none>.
func printMultiline(p prefixWriter, title string, items []string) {
	p.write(0, "%s:\t", title)
	if len(items) == 0 {
		p.write(0, "<none>\n")
		return
	}
	for i, it := range items {
		if i > 0 {
			p.write(0, "\t")
		}
		p.write(0, "%s\n", it)
	}
}

// printAnnotations is kubectl's printAnnotationsMultiline: sorted "k: v"
// lines; a value that is long or has several lines goes below its key, one
// line each, two spaces in and cut at maxAnnotationLen-2 characters with "...".
func printAnnotations(p prefixWriter, m map[string]string) {
	printAnnotationsTitled(p, "Annotations", m)
}

// printAnnotationsTitled is printAnnotations under another title (a pod
// template's "  Annotations").
func printAnnotationsTitled(p prefixWriter, title string, m map[string]string) {
	p.write(0, "%s:\t", title)
	keys := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		if k != lastAppliedAnnotation {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		p.write(0, "<none>\n")
		return
	}
	for i, k := range keys {
		if i > 0 {
			p.write(0, "\t")
		}
		v := strings.TrimSuffix(m[k], "\n")
		if len(v)+len(k)+2 <= maxAnnotationLen && !strings.Contains(v, "\n") {
			p.write(0, "%s: %s\n", k, v)
			continue
		}
		p.write(0, "%s:\n", k)
		for _, l := range strings.Split(v, "\n") {
			if len(l) > maxAnnotationLen-2 {
				l = l[:maxAnnotationLen-2] + "..."
			}
			p.write(0, "\t  %s\n", l)
		}
	}
}

// describeEvents is kubectl's DescribeEvents: sorted by last timestamp; Age
// is how long ago the event was first seen, or for a repeated event
// "<last> (xN over <first>)"; From is the reporting component.
func describeEvents(p prefixWriter, events []corev1.Event, now time.Time) {
	if len(events) == 0 {
		p.line(0, "Events:\t<none>")
		return
	}
	sorted := append([]corev1.Event(nil), events...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].LastTimestamp.Before(&sorted[j].LastTimestamp) })
	p.line(0, "Events:")
	p.line(1, "Type\tReason\tAge\tFrom\tMessage")
	p.line(1, "----\t------\t----\t----\t-------")
	for _, e := range sorted {
		// kubectl names the part of the object the event is about first.
		message := strings.TrimSpace(e.Message)
		if e.InvolvedObject.FieldPath != "" {
			message = e.InvolvedObject.FieldPath + ": " + message
		}
		p.line(1, "%s\t%s\t%s\t%s\t%s", e.Type, e.Reason, EventAge(&e, now), eventFrom(&e), message)
	}
}

// EventAge is the Age column of describe's Events table: "12s", or
// "2m (x3 over 5m)" for an event seen several times.
func EventAge(e *corev1.Event, now time.Time) string {
	first := microAgeOf(e.EventTime, now)
	if e.EventTime.IsZero() {
		first = ageOf(e.FirstTimestamp, now)
	}
	switch {
	case e.Series != nil:
		return fmt.Sprintf("%s (x%d over %s)", microAgeOf(e.Series.LastObservedTime, now), e.Series.Count, first)
	case e.Count > 1:
		return fmt.Sprintf("%s (x%d over %s)", ageOf(e.LastTimestamp, now), e.Count, first)
	}
	return first
}

// eventFrom is describe's From column: the source component, else the
// reporting controller.
func eventFrom(e *corev1.Event) string {
	if e.Source.Component != "" {
		return e.Source.Component
	}
	return e.ReportingController
}
