package labcmd

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/lab"
	"github.com/podlab/podlab/ui/cli/cmdenv"
)

func (l *lifecycle) statusCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the control plane's state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := l.Home()
			if err != nil {
				return err
			}
			st, running, err := lab.Status(cmd.Context(), home)
			if err != nil {
				return err
			}
			if !running {
				fmt.Fprintf(l.Stdout, "podlab control plane: not running (lab home %s; start it with \"podlab up\")\n", home.Dir)
				return nil
			}
			printStatus(l.Stdout, st)
			return nil
		},
	}
}

func printStatus(w io.Writer, st client.ServerStatus) {
	tw := cmdenv.NewTabWriter(w)
	fmt.Fprintf(tw, "Control plane:\trunning (pid %d, up %s)\n", st.PID, time.Since(st.StartedAt).Round(time.Second))
	fmt.Fprintf(tw, "Version:\tpodlab %s\n", st.Version)
	fmt.Fprintf(tw, "API:\t%s, unix://%s\n", st.APIServer, st.Socket)
	fmt.Fprintf(tw, "Kubeconfig:\t%s\n", st.Kubeconfig)
	fmt.Fprintf(tw, "Lab home:\t%s (lab %s)\n", st.Home, st.LabID)
	fmt.Fprintf(tw, "Docker Engine:\t%s (API %s)\n", st.EngineVersion, st.EngineAPI)
	printNodes(tw, st.Nodes)
	fmt.Fprintf(tw, "Pods:\t%d\n", st.Pods)
	scale := "1 (real Kubernetes timings)"
	if st.TimeScale != 1 {
		scale = fmt.Sprintf("%g (kubelet timers run %gx as fast)", st.TimeScale, 1/st.TimeScale)
	}
	fmt.Fprintf(tw, "Time scale:\t%s\n", scale)
	fmt.Fprintf(tw, "Privileged containers:\t%s\n", allowed(st.AllowPrivileged))
	fmt.Fprintf(tw, "Real host paths:\t%s\n", allowed(st.AllowHostPaths))
	tw.Flush()
}

// printNodes lists each node with its role, address and kubelet, one a line.
func printNodes(w io.Writer, nodes []client.NodeStatus) {
	label := "Nodes:"
	for _, n := range nodes {
		ip := n.InternalIP
		if ip == "" {
			ip = "no address yet"
		}
		kubelet := "kubelet " + n.Kubelet
		if n.Kubelet == client.KubeletStopped {
			kubelet += fmt.Sprintf(" (podlab node start %s)", n.Name)
		}
		fmt.Fprintf(w, "%s\t%s (%s, %s), %s\n", label, n.Name, n.Role, ip, kubelet)
		label = ""
	}
	if len(nodes) == 0 {
		fmt.Fprintf(w, "%s\tnone\n", label)
	}
}

func allowed(b bool) string {
	if b {
		return "allowed"
	}
	return "not allowed"
}
