// Package cmdenv is the plumbing podlab's commands share, and only that: the
// streams they read and write, kubectl's -n flag, the way to reach the lab
// and its home, and kubectl's way of reporting a failure (its error
// wording, warnings and exit codes). The kubectl verbs, the lab's lifecycle
// and the lesson-pack commands all run in an Env.
package cmdenv

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/labhome"
)

// Env is what every command shares: streams, the namespace flag and the way
// to reach the control plane (replaced by a fake in tests).
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Namespace is the -n flag, empty when it is not given.
	Namespace string
	// Connect reaches the lab's control plane.
	Connect func(ctx context.Context) (client.Interface, error)
	// Home finds the lab's home directory.
	Home func() (labhome.Home, error)
}

// AddNamespaceFlag defines kubectl's -n flag on root, for it and every
// command under it, filling e.Namespace.
func (e *Env) AddNamespaceFlag(root *cobra.Command) {
	root.PersistentFlags().StringVarP(&e.Namespace, "namespace", "n", "", "If present, the namespace scope for this CLI request")
}

// NS is the namespace to act in: -n, else default.
func (e *Env) NS() string {
	if e.Namespace == "" {
		return "default"
	}
	return e.Namespace
}
