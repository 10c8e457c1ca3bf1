package kubectl

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/ui/cli/cmdenv"
)

func (kc *kubectl) apiResourcesCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "api-resources",
		Short: "Print the supported API resources",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := cmdenv.NewTabWriter(kc.Stdout)
			fmt.Fprintln(tw, "NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND")
			for _, r := range api.All {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%s\n", r.Name, strings.Join(r.Short, ","), r.GroupVersion(), r.Namespaced, r.Kind)
			}
			return tw.Flush()
		},
	}
}
