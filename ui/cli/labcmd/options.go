package labcmd

import (
	"github.com/spf13/cobra"

	"github.com/podlab/podlab/runtime/lab"
	"github.com/podlab/podlab/runtime/lab/cluster"
	"github.com/podlab/podlab/runtime/labclock"
)

func (l *lifecycle) labOptions(cmd *cobra.Command) (lab.Options, error) {
	home, err := l.Home()
	if err != nil {
		return lab.Options{}, err
	}
	opts := lab.Options{Home: home}
	opts.AllowPrivileged, _ = cmd.Flags().GetBool("allow-privileged")
	opts.AllowHostPaths, _ = cmd.Flags().GetBool("allow-host-paths")
	if cmd.Flags().Changed("nodes") {
		opts.Workers, _ = cmd.Flags().GetInt("nodes")
		if err := cluster.CheckWorkers(opts.Workers); err != nil {
			return opts, err
		}
	}
	opts.ClusterFile, _ = cmd.Flags().GetString("cluster")
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
	c.Flags().Int("nodes", cluster.DefaultWorkers, "a new lab's worker nodes, besides its control-plane node")
	c.Flags().String("cluster", "", "a new lab's nodes from a cluster file (see docs/nodes.md)")
	c.MarkFlagsMutuallyExclusive("nodes", "cluster")
}
