package printers

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
)

// prefixWriter writes describe lines at an indent level through one
// tabwriter, so fields align the way kubectl describe aligns them.
type prefixWriter struct{ tw *tabwriter.Writer }

func (p prefixWriter) line(level int, format string, args ...any) {
	fmt.Fprintf(p.tw, strings.Repeat("  ", level)+format+"\n", args...)
}

// describeTime is kubectl's time format in describe pages.
func describeTime(t metav1.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return t.Time.Format(time.RFC1123Z)
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// Describe writes kubectl describe's page for obj; events are those about
// obj, related pods are the pods on a node.
func Describe(w io.Writer, obj api.Object, events []corev1.Event, related []corev1.Pod, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	p := prefixWriter{tw}
	switch o := obj.(type) {
	case *corev1.Pod:
		describePod(p, o, now)
	case *corev1.Node:
		describeNode(p, o, related, now)
	case *corev1.Namespace:
		p.line(0, "Name:\t%s", o.Name)
		printMap(p, "Labels", o.Labels)
		printMap(p, "Annotations", o.Annotations)
		p.line(0, "Status:\t%s", o.Status.Phase)
		p.line(0, "")
		p.line(0, "No resource quota.")
		p.line(0, "")
		p.line(0, "No LimitRange resource.")
		return tw.Flush()
	case *corev1.ConfigMap:
		p.line(0, "Name:\t%s", o.Name)
		p.line(0, "Namespace:\t%s", o.Namespace)
		printMap(p, "Labels", o.Labels)
		printMap(p, "Annotations", o.Annotations)
		p.line(0, "")
		p.line(0, "Data")
		p.line(0, "====")
		for _, k := range sortedKeys(o.Data) {
			p.line(0, "%s:", k)
			p.line(0, "----")
			p.line(0, "%s", o.Data[k])
			p.line(0, "")
		}
		p.line(0, "")
		p.line(0, "BinaryData")
		p.line(0, "====")
	case *corev1.Secret:
		p.line(0, "Name:\t%s", o.Name)
		p.line(0, "Namespace:\t%s", o.Namespace)
		printMap(p, "Labels", o.Labels)
		printMap(p, "Annotations", o.Annotations)
		p.line(0, "")
		p.line(0, "Type:\t%s", o.Type)
		p.line(0, "")
		p.line(0, "Data")
		p.line(0, "====")
		keys := make([]string, 0, len(o.Data))
		for k := range o.Data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p.line(0, "%s:\t%d bytes", k, len(o.Data[k]))
		}
		return tw.Flush()
	case *corev1.Event:
		p.line(0, "Name:\t%s", o.Name)
		p.line(0, "Namespace:\t%s", o.Namespace)
		p.line(0, "Type:\t%s", o.Type)
		p.line(0, "Reason:\t%s", o.Reason)
		p.line(0, "Message:\t%s", o.Message)
		p.line(0, "Involved Object:\t%s/%s", strings.ToLower(o.InvolvedObject.Kind), o.InvolvedObject.Name)
		p.line(0, "Count:\t%d", o.Count)
		return tw.Flush()
	default:
		p.line(0, "Name:\t%s", obj.GetName())
	}
	describeEvents(p, events, now)
	return tw.Flush()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// printMap prints labels or annotations, one per line after the first.
func printMap(p prefixWriter, title string, m map[string]string) {
	keys := sortedKeys(m)
	if len(keys) == 0 {
		p.line(0, "%s:\t<none>", title)
		return
	}
	for i, k := range keys {
		v := m[k]
		if title == "Annotations" {
			v = m[k]
			if len(v) > 140 {
				v = v[:140] + "..."
			}
			v = strings.ReplaceAll(v, "\n", " ")
			if i == 0 {
				p.line(0, "%s:\t%s: %s", title, k, v)
			} else {
				p.line(0, "\t%s: %s", k, v)
			}
			continue
		}
		if i == 0 {
			p.line(0, "%s:\t%s=%s", title, k, v)
		} else {
			p.line(0, "\t%s=%s", k, v)
		}
	}
}

// describeEvents prints the Events table (kubectl's DescribeEvents).
func describeEvents(p prefixWriter, events []corev1.Event, now time.Time) {
	if len(events) == 0 {
		p.line(0, "Events:\t<none>")
		return
	}
	sort.SliceStable(events, func(i, j int) bool { return eventTime(events[i]).Before(eventTime(events[j])) })
	p.line(0, "Events:")
	p.line(1, "Type\tReason\tAge\tFrom\tMessage")
	p.line(1, "----\t------\t----\t----\t-------")
	for _, e := range events {
		age := Age(eventTime(e), now)
		if e.Count > 1 {
			age = fmt.Sprintf("%s (x%d over %s)", age, e.Count, Age(e.FirstTimestamp.Time, now))
		}
		from := e.Source.Component
		if from == "" {
			from = e.ReportingController
		}
		if e.Source.Host != "" && from != "default-scheduler" {
			from += ", " + e.Source.Host
		}
		if from == "kubelet, "+e.Source.Host {
			from = "kubelet"
		}
		p.line(1, "%s\t%s\t%s\t%s\t%s", e.Type, e.Reason, age, from, strings.TrimSpace(e.Message))
	}
}

func eventTime(e corev1.Event) time.Time {
	if !e.LastTimestamp.IsZero() {
		return e.LastTimestamp.Time
	}
	return e.EventTime.Time
}
