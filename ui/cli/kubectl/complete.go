package kubectl

import (
	"context"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
)

// completeResources completes resource types, then names of that type.
func (kc *kubectl) completeResources(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
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
	return kc.completeNames(cmd, res), cobra.ShellCompDirectiveNoFileComp
}

func (kc *kubectl) completePods(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return kc.completeNames(cmd, api.Pods), cobra.ShellCompDirectiveNoFileComp
}

func (kc *kubectl) completeNames(cmd *cobra.Command, res api.Resource) []string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	cl, ok := kc.RunningClient(ctx)
	if !ok {
		return nil
	}
	ns := kc.NS()
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
