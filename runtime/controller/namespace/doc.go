// Package namespace empties and removes the namespaces being deleted, as
// kube-controller-manager's namespace controller (pkg/controller/namespace)
// does. Deleting a namespace only marks it Terminating; this controller
// then deletes everything in it through the API (every namespaced resource
// discovery lists, through the metadata client, pods gracefully), reports
// what remains in upstream's namespace conditions, waits for it to go,
// removes the "kubernetes" finalizer through namespaces/finalize and
// deletes the namespace for good. A namespace found Terminating when the
// controller starts is picked up where it was left.
package namespace
