// Package version holds podlab's version and the Kubernetes version whose
// behaviour it follows.
package version

import "runtime/debug"

// Version is podlab's release version.
const Version = "0.1.0"

// KubernetesVersion is the upstream release whose API, defaults, messages
// and rules podlab reproduces: the release of the k8s.io/api module in
// go.mod (v0.37.2 is Kubernetes v1.37.2; a test keeps the two in step). The
// API server's /version and the nodes' kubelet version report it.
const KubernetesVersion = "v1.37.2"

// Commit returns the VCS revision the binary was built from, if recorded.
func Commit() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return s.Value[:12]
		}
	}
	return ""
}
