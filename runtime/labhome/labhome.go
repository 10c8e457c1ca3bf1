// Package labhome knows where a lab keeps its state on disk: the directory
// ($PODLAB_HOME, else the XDG state directory), the API socket and address,
// the credentials and kubeconfig, the PID file, the database, the recorded
// shape of the lab (its nodes), each virtual node's own directory, and the lab's identity that labels every Docker
// object it owns. It imports nothing from podlab.
package labhome

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// EnvVar overrides the lab's state directory.
const EnvVar = "PODLAB_HOME"

// Home is one lab's state directory.
type Home struct{ Dir string }

// Default resolves the lab directory: $PODLAB_HOME, then
// $XDG_STATE_HOME/podlab, then ~/.local/state/podlab.
func Default() (Home, error) {
	if d := os.Getenv(EnvVar); d != "" {
		abs, err := filepath.Abs(d)
		if err != nil {
			return Home{}, fmt.Errorf("%s: %w", EnvVar, err)
		}
		return Home{Dir: abs}, nil
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return Home{Dir: filepath.Join(d, "podlab")}, nil
	}
	h, err := os.UserHomeDir()
	if err != nil {
		return Home{}, fmt.Errorf("cannot find a home directory for the lab state; set %s: %w", EnvVar, err)
	}
	return Home{Dir: filepath.Join(h, ".local", "state", "podlab")}, nil
}

// Ensure creates the directory (mode 0700: it holds secrets and the socket).
func (h Home) Ensure() error { return os.MkdirAll(h.Dir, 0o700) }

// Socket is the unix socket the control plane serves its API on.
func (h Home) Socket() string { return filepath.Join(h.Dir, "podlab.sock") }

// PIDFile holds the control plane's process ID while it runs.
func (h Home) PIDFile() string { return filepath.Join(h.Dir, "server.pid") }

// LogFile receives the background control plane's own log.
func (h Home) LogFile() string { return filepath.Join(h.Dir, "server.log") }

// PKIDir holds the lab's CA, the API server's certificate and the
// learner's credentials.
func (h Home) PKIDir() string { return filepath.Join(h.Dir, "pki") }

// Kubeconfig is the kubeconfig file for kubectl and k9s (`podlab kubeconfig`).
func (h Home) Kubeconfig() string { return filepath.Join(h.Dir, "kubeconfig") }

// APIAddressFile records the loopback address the API server listens on,
// so it keeps its port across restarts.
func (h Home) APIAddressFile() string { return filepath.Join(h.Dir, "api-address") }

// Database is the single-file object store.
func (h Home) Database() string { return filepath.Join(h.Dir, "state.db") }

// ClusterFile records the lab's shape (its nodes) at its first start, in
// the format of `podlab up --cluster`; every later start reuses it.
func (h Home) ClusterFile() string { return filepath.Join(h.Dir, "cluster.yaml") }

// NodeDir is a virtual node's own disk: pod volumes and hostPath roots live there.
func (h Home) NodeDir(node string) string { return filepath.Join(h.Dir, "nodes", node) }

// PodDir is where the kubelet of node keeps one pod's files (volumes, /etc/hosts),
// laid out as a real kubelet's /var/lib/kubelet/pods/<uid>.
func (h Home) PodDir(node, uid string) string {
	return filepath.Join(h.NodeDir(node), "var", "lib", "kubelet", "pods", uid)
}

// HostPathRoot is the directory a hostPath volume on node resolves under:
// hostPath /tmp on node-1 is <home>/nodes/node-1/rootfs/tmp.
func (h Home) HostPathRoot(node string) string { return filepath.Join(h.NodeDir(node), "rootfs") }

// Name is what the lab's kubeconfig calls its cluster, user and context:
// "podlab" for the default home, "podlab-<dir>" for another one, so two
// labs merged into one kubeconfig keep apart.
func (h Home) Name() string {
	base := filepath.Base(h.Dir)
	if base == "podlab" {
		return "podlab"
	}
	return "podlab-" + strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r - 'A' + 'a'
		}
		return '-'
	}, base), "-")
}

// idFile holds the lab's random identity.
func (h Home) idFile() string { return filepath.Join(h.Dir, "lab-id") }

// LabID returns the lab's identity, creating it on first use. Two labs with
// different homes get different IDs, so they never see each other's containers.
func (h Home) LabID() (string, error) {
	b, err := os.ReadFile(h.idFile())
	if err == nil {
		id := strings.TrimSpace(string(b))
		if validID(id) {
			return id, nil
		}
		return "", fmt.Errorf("%s: corrupt lab id %q (remove the file to start a new lab)", h.idFile(), id)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	if err := h.Ensure(); err != nil {
		return "", err
	}
	raw := make([]byte, 4)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	id := hex.EncodeToString(raw)
	if err := os.WriteFile(h.idFile(), []byte(id+"\n"), 0o600); err != nil {
		return "", err
	}
	return id, nil
}

func validID(id string) bool {
	if len(id) != 8 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}
