// Package garbagecollector deletes the objects whose owners are gone, as
// kube-controller-manager's garbage collector (pkg/controller/garbagecollector,
// release v1.37) does, over every resource the lab serves (runtime/api's
// All, events excepted as upstream ignores them), watched through the
// metadata client (k8s.io/client-go/metadata, metadatainformer).
//
// Rules followed, upstream's:
//
//   - A dependent's ownerReferences are classified: solid (the owner
//     exists with that uid), dangling (not found, or found with another
//     uid — confirmed by a live read when the cache does not have it), or
//     waiting (the owner is being deleted in the foreground: it carries the
//     foregroundDeletion finalizer). With a solid owner, dangling and
//     waiting references are removed from the dependent; with none, the
//     dependent is deleted (uid precondition) — in the foreground when an
//     owner waits and the dependent has dependents of its own, otherwise as
//     its own finalizers say (orphan, foregroundDeletion) or in the
//     background. A reference to a kind the lab does not serve is left
//     alone; a cluster-scoped dependent's reference to a namespaced kind is
//     dangling.
//   - Background deletion (the default for apps/v1 and batch/v1 kinds, and
//     `kubectl delete`'s): the owner goes at once; its dependents follow.
//   - Foreground deletion: the owner stays, with deletionTimestamp and the
//     foregroundDeletion finalizer, while dependents whose reference to it
//     has blockOwnerDeletion exist (being deleted or not: a Terminating pod
//     still blocks); the collector deletes them, then removes the finalizer
//     and the API server removes the owner.
//   - Orphan (the default for core/v1 ReplicationControllers, and
//     `--cascade=orphan`): the collector removes the reference to the owner
//     from each dependent, then the orphan finalizer.
//   - An object being deleted without the foregroundDeletion finalizer is
//     not looked at again.
//
// Deviation: upstream keeps a graph of every object (uidToNode, virtual
// nodes for owners not yet observed) built by its GraphBuilder. Here the
// graph is the informers' caches with an index by owner uid: an object is
// reconsidered from a work queue whenever it, one of its owners or one of
// its dependents changes, and owners missing from the cache are read live.
// Simpler, and right for a lab's few thousand objects.
package garbagecollector
