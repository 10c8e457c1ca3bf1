// Package storage is the API server's storage layer: an implementation of
// k8s.io/apiserver/pkg/storage.Interface over one bbolt file shared by every
// resource, with one global, monotonically increasing resourceVersion, as
// etcd3 is for kube-apiserver.
//
// Open the file with Open and hand DB.Decorator to the generic registry
// (k8s.io/apiserver/pkg/registry/generic/registry.Store) as its
// StorageDecorator; each resource then gets a storage.Interface whose keys
// live under its resource prefix ("/pods/<ns>/<name>", "/nodes/<name>").
//
// What the file holds, per key: the object's bytes as the resource's codec
// (and transformer) wrote them, with an empty resourceVersion, plus the
// resourceVersion of its last write (etcd's mod revision) and its expiry
// when it was written with a TTL. Objects decode with that resourceVersion
// set, so two serializations compare byte for byte.
//
// Where it differs from etcd3 (each also noted where it is implemented):
//
//   - History (for watches from a resourceVersion, exact reads and continue
//     tokens) is an in-memory window of the last changes, not MVCC on disk: a
//     resourceVersion older than the window, or from before the last Open,
//     gets 410 Gone ("too old resource version"), as after an etcd compaction.
//
//   - ResponseMeta.TTL is always 0 and ProgressNotify is ignored, as etcd3
//     does; RequestWatchProgress is a no-op.
//
//   - storagebackend.Config.Prefix is ignored: the file belongs to one lab,
//     so keys are stored exactly as the registry passes them.
//
//   - A list that hits an object it cannot decode fails on that object
//     (etcd3's behaviour without AllowUnsafeMalformedObjectDeletion's
//     aggregation of corrupt-object errors).
//
//   - A watcher more than a few thousand changes behind is closed (its
//     client watches again from its last resourceVersion, or lists again),
//     as the cacher drops a watcher it cannot feed.
//
// A file written by the old runtime/store is migrated into this layout on
// Open, keeping every object's resourceVersion and the counter; migrated
// events get the registry's one-hour TTL from the time of the migration.
package storage
