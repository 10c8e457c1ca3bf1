package kubectl

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/podlab/podlab/internal/version"
	"github.com/podlab/podlab/runtime/lab"
)

func (kc *kubectl) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the client and server version information",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			commit := version.Commit()
			if commit != "" {
				commit = " (" + commit + ")"
			}
			fmt.Fprintf(kc.Stdout, "Client Version: podlab %s%s, following Kubernetes %s\n", version.Version, commit, version.KubernetesVersion)
			home, err := kc.Home()
			if err != nil {
				return err
			}
			st, running, err := lab.Status(cmd.Context(), home)
			if err != nil || !running {
				fmt.Fprintln(kc.Stdout, "Server Version: not running")
				return nil
			}
			fmt.Fprintf(kc.Stdout, "Server Version: podlab %s on Docker Engine %s (API %s)\n", st.Version, st.EngineVersion, st.EngineAPI)
			return nil
		},
	}
}
