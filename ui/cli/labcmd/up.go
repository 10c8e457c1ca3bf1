package labcmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/lab"
)

func (l *lifecycle) upCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "up",
		Short: "Start the lab's control plane in the background",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := l.labOptions(cmd)
			if err != nil {
				return err
			}
			st, already, err := lab.Up(cmd.Context(), opts)
			if err != nil {
				return err
			}
			if already {
				fmt.Fprintf(l.Stdout, "podlab control plane already running (pid %d)\n", st.PID)
			} else {
				fmt.Fprintf(l.Stdout, "podlab control plane started (pid %d)\n", st.PID)
			}
			fmt.Fprintf(l.Stdout, "%s: %s\n", plural(len(st.Nodes), "node"), nodeNames(st.Nodes))
			fmt.Fprintf(l.Stdout, "API on %s and unix://%s\n", st.APIServer, st.Socket)
			fmt.Fprintf(l.Stdout, "for kubectl and k9s: export KUBECONFIG=$(podlab kubeconfig)\n")
			return nil
		},
	}
	addLabFlags(c)
	return c
}

func (l *lifecycle) serveCommand() *cobra.Command {
	c := &cobra.Command{
		Use:    "serve",
		Short:  "Run the lab's control plane in the foreground",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := l.labOptions(cmd)
			if err != nil {
				return err
			}
			return lab.Serve(cmd.Context(), opts)
		},
	}
	addLabFlags(c)
	return c
}

func (l *lifecycle) downCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "down",
		Short: "Stop the control plane (Pods keep running and are adopted at the next up)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := l.Home()
			if err != nil {
				return err
			}
			was, err := lab.Down(cmd.Context(), home)
			if err != nil {
				return err
			}
			if was {
				fmt.Fprintln(l.Stdout, "podlab control plane stopped; Pods keep running")
			} else {
				fmt.Fprintln(l.Stdout, "podlab control plane is not running")
			}
			return nil
		},
	}
}

// plural is "1 node", "3 nodes".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func nodeNames(nodes []client.NodeStatus) string {
	names := make([]string, len(nodes))
	for i, n := range nodes {
		names[i] = n.Name
	}
	return strings.Join(names, ", ")
}
