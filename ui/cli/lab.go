package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/lab"
	"github.com/podlab/podlab/runtime/labclock"
)

func (a *app) labOptions(cmd *cobra.Command) (lab.Options, error) {
	home, err := a.home()
	if err != nil {
		return lab.Options{}, err
	}
	opts := lab.Options{Home: home}
	opts.AllowPrivileged, _ = cmd.Flags().GetBool("allow-privileged")
	opts.AllowHostPaths, _ = cmd.Flags().GetBool("allow-host-paths")
	if v, _ := cmd.Flags().GetString("time-scale"); v != "" {
		s, err := labclock.ParseScale(v)
		if err != nil {
			return opts, err
		}
		opts.TimeScale = s
	}
	return opts, nil
}

func addLabFlags(c *cobra.Command) {
	c.Flags().Bool("allow-privileged", false, "let Pods run privileged containers")
	c.Flags().Bool("allow-host-paths", false, "map hostPath volumes to this machine's real paths instead of the virtual node's disk")
	c.Flags().String("time-scale", "", "shrink every kubelet timer by this factor (default $PODLAB_TIME_SCALE or 1)")
}

func (a *app) upCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "up",
		Short: "Start the lab's control plane in the background",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := a.labOptions(cmd)
			if err != nil {
				return err
			}
			st, already, err := lab.Up(cmd.Context(), opts)
			if err != nil {
				return err
			}
			if already {
				fmt.Fprintf(a.stdout, "podlab control plane already running (pid %d)\n", st.PID)
			} else {
				fmt.Fprintf(a.stdout, "podlab control plane started (pid %d)\n", st.PID)
			}
			fmt.Fprintf(a.stdout, "API on %s and unix://%s\n", st.APIServer, st.Socket)
			fmt.Fprintf(a.stdout, "for kubectl and k9s: export KUBECONFIG=$(podlab kubeconfig)\n")
			return nil
		},
	}
	addLabFlags(c)
	return c
}

func (a *app) serveCommand() *cobra.Command {
	c := &cobra.Command{
		Use:    "serve",
		Short:  "Run the lab's control plane in the foreground",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := a.labOptions(cmd)
			if err != nil {
				return err
			}
			return lab.Serve(cmd.Context(), opts)
		},
	}
	addLabFlags(c)
	return c
}

func (a *app) downCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "down",
		Short: "Stop the control plane (Pods keep running and are adopted at the next up)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := a.home()
			if err != nil {
				return err
			}
			was, err := lab.Down(cmd.Context(), home)
			if err != nil {
				return err
			}
			if was {
				fmt.Fprintln(a.stdout, "podlab control plane stopped; Pods keep running")
			} else {
				fmt.Fprintln(a.stdout, "podlab control plane is not running")
			}
			return nil
		},
	}
}

func (a *app) statusCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the control plane's state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := a.home()
			if err != nil {
				return err
			}
			st, running, err := lab.Status(cmd.Context(), home)
			if err != nil {
				return err
			}
			if !running {
				fmt.Fprintf(a.stdout, "podlab control plane: not running (lab home %s; start it with \"podlab up\")\n", home.Dir)
				return nil
			}
			printStatus(a, st)
			return nil
		},
	}
}

func printStatus(a *app, st client.ServerStatus) {
	tw := newTabWriter(a.stdout)
	fmt.Fprintf(tw, "Control plane:\trunning (pid %d, up %s)\n", st.PID, time.Since(st.StartedAt).Round(time.Second))
	fmt.Fprintf(tw, "Version:\tpodlab %s\n", st.Version)
	fmt.Fprintf(tw, "API:\t%s, unix://%s\n", st.APIServer, st.Socket)
	fmt.Fprintf(tw, "Kubeconfig:\t%s\n", st.Kubeconfig)
	fmt.Fprintf(tw, "Lab home:\t%s (lab %s)\n", st.Home, st.LabID)
	fmt.Fprintf(tw, "Docker Engine:\t%s (API %s)\n", st.EngineVersion, st.EngineAPI)
	fmt.Fprintf(tw, "Nodes:\t%s\n", strings.Join(st.Nodes, ", "))
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

func allowed(b bool) string {
	if b {
		return "allowed"
	}
	return "not allowed"
}

// kubeconfigCommand writes the lab's kubeconfig (starting the lab if need
// be) and prints its path: export KUBECONFIG=$(podlab kubeconfig).
func (a *app) kubeconfigCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "kubeconfig",
		Short: "Write the lab's kubeconfig for kubectl and k9s and print its path",
		Example: `  export KUBECONFIG=$(podlab kubeconfig)
  kubectl get pods`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := a.client(cmd); err != nil {
				return err
			}
			home, err := a.home()
			if err != nil {
				return err
			}
			path, err := lab.WriteKubeconfig(home)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, path)
			return nil
		},
	}
}

func (a *app) resetCommand() *cobra.Command {
	var yes, images bool
	c := &cobra.Command{
		Use:   "reset",
		Short: "Remove every Docker object of this lab and its state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := a.home()
			if err != nil {
				return err
			}
			if !yes {
				fmt.Fprintf(a.stderr, "This removes every Pod, container and object of the lab in %s. Continue? [y/N] ", home.Dir)
				var answer string
				fmt.Fscanln(a.stdin, &answer)
				if !strings.HasPrefix(strings.ToLower(answer), "y") {
					return fmt.Errorf("reset cancelled")
				}
			}
			rep, err := lab.Reset(cmd.Context(), home)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "removed %d containers, %d networks, %d volumes and the lab's state\n", rep.Containers, rep.Networks, rep.Volumes)
			if images {
				n, err := lab.RemoveImages(cmd.Context())
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "removed %d podlab images\n", n)
			}
			return nil
		},
	}
	c.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	c.Flags().BoolVar(&images, "images", false, "also remove podlab's own images (rebuilt on the next up)")
	return c
}

// nodeCommand reads a virtual node's own disk, where hostPath volumes live.
func (a *app) nodeCommand() *cobra.Command {
	c := &cobra.Command{Use: "node", Short: "Look at a virtual node's disk (where hostPath volumes live)"}
	read := func(show func(path string) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			home, err := a.home()
			if err != nil {
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
			_, err = a.stdout.Write(b)
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
				fmt.Fprintln(a.stdout, e.Name())
			}
			return nil
		}),
	})
	return c
}
