// Package version holds podlab's version and the Kubernetes version whose
// behaviour it follows.
package version

import "runtime/debug"

// Version is podlab's release version.
const Version = "0.1.0"

// KubernetesVersion is the upstream release whose defaults, messages and
// rules podlab reproduces; nodes report it as their kubelet version.
const KubernetesVersion = "v1.34.0"

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
