// Package events records the control plane's Kubernetes Events through the
// API, with client-go's own recorder (k8s.io/client-go/tools/record): an
// event names the object it is about (and the field, e.g. one container), a
// reason and a message in upstream's wording; repeats fold into one event
// with a count, similar events aggregate and floods are filtered, exactly as
// the kubelet's and the scheduler's events do upstream.
package events

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"

	"github.com/podlab/podlab/runtime/api"
)

// Broadcaster delivers the events of every component of the lab to the API.
type Broadcaster struct{ b record.EventBroadcaster }

// NewBroadcaster starts sending recorded events to the API through client.
func NewBroadcaster(client kubernetes.Interface) *Broadcaster {
	b := record.NewBroadcaster()
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	return &Broadcaster{b: b}
}

// Shutdown stops delivering; events recorded afterwards are dropped.
func (b *Broadcaster) Shutdown() { b.b.Shutdown() }

// Recorder returns the recorder of component (e.g. "kubelet",
// "default-scheduler") running on host ("" for cluster components).
func (b *Broadcaster) Recorder(component, host string) *Recorder {
	return &Recorder{r: b.b.NewRecorder(api.Scheme, corev1.EventSource{Component: component, Host: host})}
}

// Recorder records events on behalf of one component.
type Recorder struct{ r record.EventRecorder }

// Event records an event about obj; fieldPath points into the object
// (e.g. "spec.containers{web}") or is empty. Recording never fails the
// caller: an event is a notice, not part of the operation.
func (r *Recorder) Event(obj api.Object, fieldPath, eventType, reason, message string) {
	ref := Reference(obj, fieldPath)
	r.r.Event(&ref, eventType, reason, message)
}

// Eventf is Event with a format string.
func (r *Recorder) Eventf(obj api.Object, fieldPath, eventType, reason, format string, args ...any) {
	r.Event(obj, fieldPath, eventType, reason, fmt.Sprintf(format, args...))
}

// Reference builds the involvedObject of an event about obj.
func Reference(obj api.Object, fieldPath string) corev1.ObjectReference {
	ref := corev1.ObjectReference{
		Namespace:       obj.GetNamespace(),
		Name:            obj.GetName(),
		UID:             obj.GetUID(),
		ResourceVersion: obj.GetResourceVersion(),
		FieldPath:       fieldPath,
	}
	if res, ok := api.ForObject(obj); ok {
		ref.APIVersion, ref.Kind = res.GroupVersion().String(), res.Kind
	} else if gvks, _, err := api.Scheme.ObjectKinds(obj); err == nil && len(gvks) > 0 {
		ref.APIVersion, ref.Kind = gvks[0].GroupVersion().String(), gvks[0].Kind
	}
	return ref
}
