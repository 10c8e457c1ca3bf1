package cmdenv

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/lab"
	"github.com/podlab/podlab/runtime/labhome"
)

// Stdio is the Env of the podlab process: the standard streams, the default
// lab home, and a control plane started on first use if it is not running.
func Stdio() *Env {
	e := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Home: labhome.Default}
	e.Connect = func(ctx context.Context) (client.Interface, error) {
		home, err := e.Home()
		if err != nil {
			return nil, err
		}
		return lab.Connect(ctx, home, e.Stderr)
	}
	return e
}

// Client connects to the lab for cmd (starting the control plane if need be).
func (e *Env) Client(cmd *cobra.Command) (client.Interface, error) {
	return e.Connect(cmd.Context())
}

// RunningClient connects only to a running control plane: completion must never start one.
func (e *Env) RunningClient(ctx context.Context) (client.Interface, bool) {
	home, err := e.Home()
	if err != nil {
		return nil, false
	}
	if _, running, err := lab.Status(ctx, home); err != nil || !running {
		return nil, false
	}
	return client.New(home.Socket()), true
}
