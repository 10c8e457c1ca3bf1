// Package podspec turns a Pod's spec into what the engine runs: a container's
// environment (env, envFrom, downward API, ConfigMap and Secret keys, $(VAR)
// expansion), its volumes materialised on the node's disk and mounted, the
// kubelet-managed /etc/hosts, resources and security settings. Pure functions
// over k8s.io/api types and the node's directories; no Docker, no store.
package podspec

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/kubelet/cri"
)

// Lookup gives podspec the ConfigMaps and Secrets a pod refers to, and its
// node's allocatable resources. Missing objects are reported with
// k8s.io/apimachinery/pkg/api/errors NotFound.
type Lookup interface {
	ConfigMap(namespace, name string) (*corev1.ConfigMap, error)
	Secret(namespace, name string) (*corev1.Secret, error)
	// NodeAllocatable is the pod's node's allocatable: what a missing limit
	// defaults to in a resourceFieldRef (upstream: the node's allocatable).
	NodeAllocatable() corev1.ResourceList
}

// ConfigError is a problem in the pod's configuration that keeps a container
// from being created: the kubelet reports it as waiting reason
// CreateContainerConfigError with Message (upstream's wording, e.g.
// `configmap "app-config" not found`).
type ConfigError struct{ Message string }

func (e *ConfigError) Error() string { return e.Message }

// Dirs are the node-local directories the kubelet uses for a pod.
type Dirs struct {
	// PodDir is the pod's own directory (labhome.PodDir): volumes and etc-hosts go below it.
	PodDir string
	// HostPathRoot is where hostPath volumes resolve on this virtual node
	// (labhome.HostPathRoot), unless AllowHostPaths.
	HostPathRoot string
	// AllowHostPaths maps hostPath to the real host path (explicit opt-in).
	AllowHostPaths bool
}

// Volumes are a pod's volumes made ready on disk: name -> mount source.
type Volumes map[string]cri.Mount
