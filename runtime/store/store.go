// Package store keeps the lab's API objects: k8s.io/api types in one bbolt
// file, each write giving a new resourceVersion, with watches that deliver
// every change in order (resuming from a resourceVersion). A crash loses
// nothing that was acknowledged. It knows nothing of HTTP or of Docker.
// It imports runtime/api only.
package store

import (
	"context"

	"github.com/podlab/podlab/runtime/api"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/watch"
)

// ListOptions narrows a list or a watch. Nil selectors select everything.
type ListOptions struct {
	LabelSelector labels.Selector
	// FieldSelector matches the fields Kubernetes supports for the resource
	// (metadata.name, metadata.namespace, spec.nodeName, status.phase for pods;
	// involvedObject.*, reason, type for events).
	FieldSelector fields.Selector
}

// WatchEvent is one change delivered by a watch: watch.Added, watch.Modified
// or watch.Deleted, with the object as it is after the change (before it, for Deleted,
// but carrying the deletion's resourceVersion).
type WatchEvent struct {
	Type   watch.EventType
	Object api.Object
}

// API is the store's contract. Errors are k8s.io/apimachinery/pkg/api/errors
// values (NotFound, AlreadyExists, Conflict, Gone for a resourceVersion too old
// to resume a watch from), so the API server can return them as they are.
//
// Objects passed in are not retained; objects returned are the caller's own copies.
type API interface {
	// Create stores a new object: it sets uid, creationTimestamp,
	// resourceVersion (and generation 1). The namespace must be set for namespaced resources.
	Create(res api.Resource, obj api.Object) (api.Object, error)
	Get(res api.Resource, namespace, name string) (api.Object, error)
	// List returns the matching objects sorted by namespace and name, and the
	// store's resourceVersion at the time of the list (to start a watch from).
	// namespace "" lists across all namespaces.
	List(res api.Resource, namespace string, opts ListOptions) ([]api.Object, string, error)
	// Update replaces an object. If obj's resourceVersion is set and differs
	// from the stored one the update fails with Conflict.
	Update(res api.Resource, obj api.Object) (api.Object, error)
	// GuaranteedUpdate reads the object, applies mutate, and writes the result,
	// retrying on conflict; mutate returning an error aborts.
	GuaranteedUpdate(res api.Resource, namespace, name string, mutate func(api.Object) (api.Object, error)) (api.Object, error)
	// Delete removes an object at once and returns it as it was.
	Delete(res api.Resource, namespace, name string) (api.Object, error)
	// Watch delivers the changes after resourceVersion sinceRV ("" or "0":
	// from now) until ctx ends; the channel is closed then. A watcher that
	// falls too far behind is closed too, and must list again.
	Watch(ctx context.Context, res api.Resource, namespace string, opts ListOptions, sinceRV string) (<-chan WatchEvent, error)
	// ResourceVersion is the store's current resourceVersion.
	ResourceVersion() string
}
