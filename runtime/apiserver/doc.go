// Package apiserver serves the lab's Kubernetes API — built, as
// kube-apiserver is, on upstream's generic API server
// (k8s.io/apiserver/pkg/server): discovery (aggregated and legacy), OpenAPI
// v2 and v3, JSON, YAML and protobuf, server-side tables, dry run, field
// validation, server-side apply, watches with bookmarks — over the lab's
// registry (runtime/registry) and storage (runtime/storage). Like
// kube-apiserver, it creates the system namespaces and keeps the
// "kubernetes" Service in default.
//
// It listens on loopback TLS for every client (kubectl, k9s, the lab's own
// components), authenticating by client certificate or bearer token, and
// on the lab's unix socket for podlab's own CLI, where holding the socket
// file (mode 0600) is the credential.
package apiserver
