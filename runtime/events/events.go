// Package events records Kubernetes Events into the store for the control
// plane's components (the scheduler, the kubelet): an event names the object
// it is about, a reason and a message in upstream's wording, and repeats of
// the same event are folded into one with a count, as the upstream event
// recorder does. It imports runtime/api and runtime/store.
package events

import (
	"fmt"
	"log"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/store"
)

// maxSeen bounds the identities a recorder remembers for folding repeats.
const maxSeen = 4096

// Recorder writes events on behalf of one component on one host.
type Recorder struct {
	store  store.API
	source corev1.EventSource
	now    func() time.Time

	mu sync.Mutex
	// seen maps an event's identity to the stored event's name, so a repeat
	// updates the count instead of creating a new object (upstream's
	// EventCorrelator aggregates the same way, by object, reason and message).
	seen map[string]string
}

// New returns a recorder for component (e.g. "kubelet", "default-scheduler")
// running on host ("" for cluster components).
func New(st store.API, component, host string) *Recorder {
	return &Recorder{
		store:  st,
		source: corev1.EventSource{Component: component, Host: host},
		now:    time.Now,
		seen:   map[string]string{},
	}
}

// Event records an event about obj; fieldPath points into the object
// (e.g. "spec.containers{web}") or is empty. Failures to record are logged,
// never returned: an event is a notice, not part of the operation.
func (r *Recorder) Event(obj api.Object, fieldPath, eventType, reason, message string) {
	if err := r.record(obj, fieldPath, eventType, reason, message); err != nil {
		log.Printf("events: recording %s %s for %s/%s: %v", eventType, reason, obj.GetNamespace(), obj.GetName(), err)
	}
}

// Eventf is Event with a format string.
func (r *Recorder) Eventf(obj api.Object, fieldPath, eventType, reason, format string, args ...any) {
	r.Event(obj, fieldPath, eventType, reason, fmt.Sprintf(format, args...))
}

func (r *Recorder) record(obj api.Object, fieldPath, eventType, reason, message string) error {
	ref := Reference(obj, fieldPath)
	namespace := ref.Namespace
	if namespace == "" {
		namespace = api.DefaultNamespace // events about cluster-scoped objects live in default, as upstream
	}
	now := metav1.NewTime(r.now())
	key := strings.Join([]string{string(ref.UID), ref.Kind, ref.Namespace, ref.Name, ref.FieldPath, eventType, reason, message}, "\x00")

	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.seen) > maxSeen {
		// Forget old identities: at worst a repeat starts a new event object.
		r.seen = map[string]string{}
	}
	if name, ok := r.seen[key]; ok {
		_, err := r.store.GuaranteedUpdate(api.Events, namespace, name, func(o api.Object) (api.Object, error) {
			ev := o.(*corev1.Event)
			ev.Count++
			ev.LastTimestamp = now
			return ev, nil
		})
		if err == nil {
			return nil
		}
		delete(r.seen, key) // pruned or deleted: record it afresh
	}
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{
			// Upstream names events <object>.<hex nanoseconds>.
			Name:      fmt.Sprintf("%s.%x", ref.Name, now.UnixNano()),
			Namespace: namespace,
		},
		InvolvedObject:      ref,
		Reason:              reason,
		Message:             message,
		Source:              r.source,
		FirstTimestamp:      now,
		LastTimestamp:       now,
		Count:               1,
		Type:                eventType,
		ReportingController: r.source.Component,
		ReportingInstance:   r.source.Host,
	}
	created, err := r.store.Create(api.Events, ev)
	if err != nil {
		return err
	}
	r.seen[key] = created.GetName()
	return nil
}

// Reference builds the involvedObject of an event about obj.
func Reference(obj api.Object, fieldPath string) corev1.ObjectReference {
	ref := corev1.ObjectReference{
		Namespace:       obj.GetNamespace(),
		Name:            obj.GetName(),
		UID:             obj.GetUID(),
		ResourceVersion: obj.GetResourceVersion(),
		FieldPath:       fieldPath,
		APIVersion:      "v1",
	}
	if res, ok := api.ForObject(obj); ok {
		ref.Kind = res.Kind
	}
	return ref
}
