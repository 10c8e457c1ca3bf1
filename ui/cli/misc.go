package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/spf13/cobra"

	"github.com/podlab/podlab/internal/version"
	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/lab"
)

func (a *app) apiResourcesCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "api-resources",
		Short: "Print the supported API resources",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := newTabWriter(a.stdout)
			fmt.Fprintln(tw, "NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND")
			for _, r := range api.All {
				fmt.Fprintf(tw, "%s\t%s\tv1\t%t\t%s\n", r.Name, strings.Join(r.Short, ","), r.Namespaced, r.Kind)
			}
			return tw.Flush()
		},
	}
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the client and server version information",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			commit := version.Commit()
			if commit != "" {
				commit = " (" + commit + ")"
			}
			fmt.Fprintf(a.stdout, "Client Version: podlab %s%s, following Kubernetes %s\n", version.Version, commit, version.KubernetesVersion)
			home, err := a.home()
			if err != nil {
				return err
			}
			st, running, err := lab.Status(cmd.Context(), home)
			if err != nil || !running {
				fmt.Fprintln(a.stdout, "Server Version: not running")
				return nil
			}
			fmt.Fprintf(a.stdout, "Server Version: podlab %s on Docker Engine %s (API %s)\n", st.Version, st.EngineVersion, st.EngineAPI)
			return nil
		},
	}
}

func (a *app) completionCommand(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:       "completion bash|zsh|fish",
		Short:     "Output shell completion code for the specified shell",
		Example:   "  source <(podlab completion bash)\n  podlab completion zsh > \"${fpath[1]}/_podlab\"\n  podlab completion fish | source",
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"bash", "zsh", "fish"},
		RunE: func(cmd *cobra.Command, args []string) error {
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(a.stdout, true)
			case "zsh":
				return root.GenZshCompletion(a.stdout)
			case "fish":
				return root.GenFishCompletion(a.stdout, true)
			}
			return fmt.Errorf("unsupported shell type %q", args[0])
		},
	}
}

// quietClient connects only to a running control plane: completion must never start one.
func (a *app) quietClient(ctx context.Context) (client.Interface, bool) {
	home, err := a.home()
	if err != nil {
		return nil, false
	}
	if _, running, err := lab.Status(ctx, home); err != nil || !running {
		return nil, false
	}
	return client.New(home.Socket()), true
}

// completeResources completes resource types, then names of that type.
func (a *app) completeResources(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) == 0 {
		var out []string
		for _, r := range api.All {
			out = append(out, r.Name)
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
	res, ok := api.Lookup(args[0])
	if !ok {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return a.completeNames(cmd, res), cobra.ShellCompDirectiveNoFileComp
}

func (a *app) completePods(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return a.completeNames(cmd, api.Pods), cobra.ShellCompDirectiveNoFileComp
}

func (a *app) completeNames(cmd *cobra.Command, res api.Resource) []string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	cl, ok := a.quietClient(ctx)
	if !ok {
		return nil
	}
	ns := a.ns()
	if !res.Namespaced {
		ns = ""
	}
	list, _, err := cl.List(ctx, res, ns, metav1.ListOptions{})
	if err != nil {
		return nil
	}
	names := make([]string, 0, len(list))
	for _, o := range list {
		names = append(names, o.GetName())
	}
	return names
}
