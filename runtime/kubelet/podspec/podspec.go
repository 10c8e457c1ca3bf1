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

// Lookup gives podspec the ConfigMaps and Secrets a pod refers to. Missing
// objects are reported with k8s.io/apimachinery/pkg/api/errors NotFound.
type Lookup interface {
	ConfigMap(namespace, name string) (*corev1.ConfigMap, error)
	Secret(namespace, name string) (*corev1.Secret, error)
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

// PrepareVolumes materialises every volume of the pod under dirs (emptyDir
// directories, ConfigMap/Secret/downwardAPI files written atomically,
// hostPath directories created per their type) and returns their sources.
// Calling it again refreshes ConfigMap/Secret/downwardAPI contents.
// podIP feeds downward API files that ask for status.podIP.
func PrepareVolumes(pod *corev1.Pod, dirs Dirs, lk Lookup) (Volumes, error) {
	panic("podspec.PrepareVolumes: not implemented yet")
}

// Mounts returns the container's volume mounts resolved against vols
// (subPath included); an unknown volume name is a *ConfigError.
func Mounts(c *corev1.Container, vols Volumes) ([]cri.Mount, error) {
	panic("podspec.Mounts: not implemented yet")
}

// Env resolves a container's environment in upstream's order (envFrom, then
// env, later entries overriding earlier ones), with $(VAR) expansion, as
// "NAME=value" strings. A missing non-optional reference is a *ConfigError.
func Env(pod *corev1.Pod, c *corev1.Container, lk Lookup) ([]string, error) {
	panic("podspec.Env: not implemented yet")
}

// ExpandArgs applies Kubernetes $(VAR) expansion to a command or args list
// with the container's resolved environment ($$ escapes, unknown refs kept).
func ExpandArgs(args []string, env []string) []string {
	panic("podspec.ExpandArgs: not implemented yet")
}

// HostsFile renders the kubelet-managed /etc/hosts for a pod with the given IP
// (header comment, localhost and IPv6 lines, "<podIP>\t<hostname>", then
// hostAliases under "# Entries added by HostAliases.").
func HostsFile(pod *corev1.Pod, podIP string) []byte {
	panic("podspec.HostsFile: not implemented yet")
}

// ContainerConfig builds the engine configuration for one init or app
// container: command/args (expanded), env, workingDir, mounts, stdin/tty,
// resources (limits.memory -> MemoryLimit, limits.cpu -> NanoCPUs,
// requests.cpu -> CPUShares as the kubelet computes them), securityContext
// (pod and container level merged: runAsUser/runAsGroup, privileged,
// capabilities, readOnlyRootFilesystem, allowPrivilegeEscalation), and the
// pod's host namespace and shareProcessNamespace settings. The caller fills
// Pod, Kind, Attempt, SandboxID, Image and EtcHosts.
func ContainerConfig(pod *corev1.Pod, c *corev1.Container, env []string, mounts []cri.Mount) cri.ContainerConfig {
	panic("podspec.ContainerConfig: not implemented yet")
}

// SpecHash fingerprints the parts of a container spec whose change makes the
// kubelet restart the container (as upstream's container hash does).
func SpecHash(c *corev1.Container) string {
	panic("podspec.SpecHash: not implemented yet")
}
