// Package lab runs a lab's control plane: it wires the store, API server,
// scheduler and the virtual node's kubelet into one background process
// serving the API on a unix socket in the lab's home, and starts, finds,
// stops and resets that process for the CLI and the TUI.
package lab

import (
	"context"
	"io"

	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/labhome"
)

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
	Containers, Networks, Volumes, Images int
	StateRemoved                          bool
}

// Connect returns a client of the lab's running control plane, starting it
// in the background first if it is not running (with a one-line notice on notice).
func Connect(ctx context.Context, home labhome.Home, notice io.Writer) (client.Interface, error) {
	panic("lab.Connect: not implemented yet")
}

// Up starts the control plane in the background unless it runs already
// (alreadyRunning), and returns its status.
func Up(ctx context.Context, opts Options) (st client.ServerStatus, alreadyRunning bool, err error) {
	panic("lab.Up: not implemented yet")
}

// Down stops the control plane; pods keep running and are adopted at the next Up.
func Down(ctx context.Context, home labhome.Home) (wasRunning bool, err error) {
	panic("lab.Down: not implemented yet")
}

// Status reports on the control plane, if it runs.
func Status(ctx context.Context, home labhome.Home) (st client.ServerStatus, running bool, err error) {
	panic("lab.Status: not implemented yet")
}

// Reset stops the control plane and removes every Docker object of this lab and its state.
func Reset(ctx context.Context, home labhome.Home) (ResetReport, error) {
	panic("lab.Reset: not implemented yet")
}

// Serve runs the control plane in the foreground until ctx ends (`podlab serve`).
func Serve(ctx context.Context, opts Options) error {
	panic("lab.Serve: not implemented yet")
}
