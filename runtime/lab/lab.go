// Package lab runs a lab's control plane: it wires the store, API server,
// scheduler and the virtual node's kubelet into one background process
// serving the API on a unix socket in the lab's home, and starts, finds,
// stops and resets that process for the CLI and the TUI.
package lab

import "github.com/podlab/podlab/runtime/labhome"

// NodeName is the lab's one virtual node (multi-node labs come later).
const NodeName = "node-1"

// Options configure a control plane.
type Options struct {
	Home labhome.Home
	// AllowPrivileged lets pods run privileged containers (`podlab up --allow-privileged`).
	AllowPrivileged bool
	// AllowHostPaths maps hostPath volumes to the real host (`podlab up --allow-host-paths`);
	// otherwise they resolve inside the virtual node's own directory.
	AllowHostPaths bool
	// TimeScale shrinks kubelet timers (PODLAB_TIME_SCALE); 0 keeps the environment's.
	TimeScale float64
}

// ResetReport says what `podlab reset` removed.
type ResetReport struct {
	WasRunning                    bool
	Containers, Networks, Volumes int
	StateRemoved                  bool
}
