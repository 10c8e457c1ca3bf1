package cli

import (
	"github.com/spf13/cobra"

	"github.com/podlab/podlab/ui/cli/kubectl"
	"github.com/podlab/podlab/ui/cli/labcmd"
	"github.com/podlab/podlab/ui/cli/packcmd"
)

// rootCommand is podlab: the terminal app when run bare, and every command
// under the groups of its help.
func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "podlab",
		Short: "A terminal lab that teaches Kubernetes Pods by running them for real",
		Long: `podlab runs real Pods on your local Docker Engine — a pause container per
Pod, init and app containers that join its namespaces, restarts with the
kubelet's backoff — and manages them with kubectl's commands.

  podlab                         open the terminal app: pods live, anatomy, events, logs
  podlab up                      start the lab's control plane
  podlab apply -f pod.yaml       run the Pods of a manifest
  podlab get pods -o wide        watch them (-w to follow)
  podlab describe pod NAME       see their containers, conditions and events
  podlab logs / exec / delete    as with kubectl

Tip: alias kubectl=podlab makes the commands of any Pod tutorial work.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !isTerminal(a.env.Stdout) {
				return cmd.Help()
			}
			return a.runTUI(cmd)
		},
	}
	a.env.AddNamespaceFlag(root)
	root.Flags().StringVar(&a.pack, "pack", "builtin", "the lesson pack the app opens: \"builtin\" or a pack directory")
	root.Flags().StringVar(&a.lang, "lang", "", "the lessons' language (e.g. zh-CN; default $LANG, English as fallback)")
	verbs := kubectl.Commands(a.env)
	for _, g := range []struct {
		group cobra.Group
		cmds  []*cobra.Command
	}{
		{cobra.Group{ID: "lab", Title: "The lab:"}, labcmd.Commands(a.env)},
		{cobra.Group{ID: "basic", Title: "Basic commands (as kubectl):"}, verbs.Basic},
		{cobra.Group{ID: "deploy", Title: "Deploy commands (as kubectl):"}, verbs.Deploy},
		{cobra.Group{ID: "debug", Title: "Troubleshooting and debugging commands (as kubectl):"}, verbs.Debug},
		{cobra.Group{ID: "cluster", Title: "Cluster management commands (as kubectl):"}, verbs.Cluster},
		{cobra.Group{ID: "learn", Title: "Lessons:"}, packcmd.Commands(a.env, a.runOn)},
	} {
		root.AddGroup(&g.group)
		for _, c := range g.cmds {
			c.GroupID = g.group.ID
			root.AddCommand(c)
		}
	}
	root.AddCommand(labcmd.ServeCommand(a.env))
	root.AddCommand(verbs.Other...)
	root.AddCommand(a.completionCommand(root))
	return root
}
