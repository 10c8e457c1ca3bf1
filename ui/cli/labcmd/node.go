package labcmd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/lab"
)

// nodeCommand reads a virtual node's own disk, where hostPath volumes
// live, and stops and starts its kubelet.
func (l *lifecycle) nodeCommand() *cobra.Command {
	c := &cobra.Command{Use: "node", Short: "Look at a virtual node's disk, or stop and start its kubelet"}
	read := func(show func(path string) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			home, err := l.Home()
			if err != nil {
				return err
			}
			if err := l.checkNode(args[0]); err != nil {
				return err
			}
			root := home.HostPathRoot(args[0])
			if _, err := os.Stat(home.NodeDir(args[0])); err != nil {
				return fmt.Errorf("node %q has no disk in this lab (%s)", args[0], home.Dir)
			}
			return show(filepath.Join(root, filepath.Clean("/"+args[1])))
		}
	}
	c.AddCommand(&cobra.Command{
		Use: "cat NODE PATH", Short: "Print a file of the node's disk", Args: cobra.ExactArgs(2),
		Example: "  podlab node cat node-1 /tmp/message",
		RunE: read(func(path string) error {
			b, err := os.ReadFile(path)
			if err != nil {
				return fmt.Errorf("%s", strings.Replace(err.Error(), path, filepath.Base(path), 1))
			}
			_, err = l.Stdout.Write(b)
			return err
		}),
	}, &cobra.Command{
		Use: "ls NODE PATH", Short: "List a directory of the node's disk", Args: cobra.ExactArgs(2),
		RunE: read(func(path string) error {
			entries, err := os.ReadDir(path)
			if err != nil {
				return err
			}
			for _, e := range entries {
				fmt.Fprintln(l.Stdout, e.Name())
			}
			return nil
		}),
	}, l.kubeletCommand("stop", "Stop the node's kubelet: its lease stops, its pods' containers keep running",
		"  podlab node stop node-1\n  podlab get nodes -w        # node-1 goes NotReady once its lease expires"),
		l.kubeletCommand("start", "Start the node's kubelet again: it registers and reconciles its pods",
			"  podlab node start node-1"))
	return c
}

// kubeletCommand is `podlab node stop|start NODE`, done by the running
// control plane.
func (l *lifecycle) kubeletCommand(action, short, example string) *cobra.Command {
	return &cobra.Command{
		Use: action + " NODE", Short: short, Example: example, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			home, err := l.Home()
			if err != nil {
				return err
			}
			if err := l.checkNode(args[0]); err != nil {
				return err
			}
			if _, running, err := lab.Status(cmd.Context(), home); err != nil {
				return err
			} else if !running {
				return fmt.Errorf("the lab's control plane is not running, nor is any kubelet (start it with \"podlab up\")")
			}
			c := client.New(home.Socket())
			do := c.StopKubelet
			if action == "start" {
				do = c.StartKubelet
			}
			ch, err := do(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			switch {
			case action == "stop" && ch.Changed:
				fmt.Fprintf(l.Stdout, "node/%s: kubelet stopped; its pods' containers keep running\n", args[0])
			case action == "stop":
				fmt.Fprintf(l.Stdout, "node/%s: kubelet already stopped\n", args[0])
			case ch.Changed:
				fmt.Fprintf(l.Stdout, "node/%s: kubelet started\n", args[0])
			default:
				fmt.Fprintf(l.Stdout, "node/%s: kubelet already running\n", args[0])
			}
			return nil
		},
	}
}

// checkNode refuses a name that is not one of the lab's nodes.
func (l *lifecycle) checkNode(name string) error {
	home, err := l.Home()
	if err != nil {
		return err
	}
	shape, ok, err := lab.Shape(home)
	if err != nil || !ok {
		return err // no lab yet: the caller says what is missing
	}
	if _, found := shape.Node(name); !found {
		return fmt.Errorf("node %q is not a node of this lab; it has %s", name, shape)
	}
	return nil
}
