package lab

import (
	"path/filepath"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/podlab/podlab/runtime/labhome"
	"github.com/podlab/podlab/runtime/servicenet"
)

// proxyDir is where the control plane writes the table of the lab's proxy
// container (runtime/servicenet, runtime/engine's proxy).
func proxyDir(home labhome.Home) string { return filepath.Join(home.Dir, "proxy") }

// componentClientOrCS is a client of the lab's kube-proxy, or fallback.
func componentClientOrCS(loopback *rest.Config, fallback kubernetes.Interface) kubernetes.Interface {
	if c, err := componentClient(loopback, servicenet.Name); err == nil {
		return c
	}
	return fallback
}
