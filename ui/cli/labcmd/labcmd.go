// Package labcmd is the lab's lifecycle on the command line: start and stop
// its control plane (up, down, and serve, which runs it in the foreground),
// show its state (status), hand its kubeconfig to kubectl and k9s, remove
// everything it made (reset), read a virtual node's disk and stop and
// start its kubelet (node).
package labcmd

import (
	"github.com/spf13/cobra"

	"github.com/podlab/podlab/ui/cli/cmdenv"
)

// lifecycle builds the lab's commands; they all run in its Env.
type lifecycle struct{ *cmdenv.Env }

// Commands builds the lab's commands listed in podlab's help.
func Commands(env *cmdenv.Env) []*cobra.Command {
	l := &lifecycle{env}
	return []*cobra.Command{l.upCommand(), l.downCommand(), l.statusCommand(), l.kubeconfigCommand(), l.resetCommand(), l.nodeCommand()}
}

// ServeCommand builds the hidden serve: the control plane in the foreground,
// as up starts it in the background.
func ServeCommand(env *cmdenv.Env) *cobra.Command {
	return (&lifecycle{env}).serveCommand()
}
