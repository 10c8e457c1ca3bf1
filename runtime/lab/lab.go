// Package lab runs a lab's control plane: it wires the store, API server,
// scheduler, controllers and one kubelet per virtual node into one
// background process serving the API on a unix socket in the lab's home,
// and starts, finds, stops and resets that process for the CLI and the
// TUI. It decides the lab's shape (runtime/lab/cluster) at its first start
// and keeps it, and lets the CLI stop and start a node's kubelet.
package lab

import "github.com/podlab/podlab/runtime/labhome"

// Options configure a control plane.
type Options struct {
	Home labhome.Home
	// Workers asks for a lab of a control-plane node and this many workers
	// (`podlab up --nodes N`); 0 asks for nothing: the lab's recorded shape,
	// else the default.
	Workers int
	// ClusterFile asks for the shape in a cluster file (`podlab up --cluster FILE`).
	ClusterFile string
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
