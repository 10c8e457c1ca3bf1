package labcmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/podlab/podlab/runtime/lab"
)

// kubeconfigCommand writes the lab's kubeconfig (starting the lab if need
// be) and prints its path: export KUBECONFIG=$(podlab kubeconfig).
func (l *lifecycle) kubeconfigCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "kubeconfig",
		Short: "Write the lab's kubeconfig for kubectl and k9s and print its path",
		Example: `  export KUBECONFIG=$(podlab kubeconfig)
  kubectl get pods`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := l.Client(cmd); err != nil {
				return err
			}
			home, err := l.Home()
			if err != nil {
				return err
			}
			path, err := lab.WriteKubeconfig(home)
			if err != nil {
				return err
			}
			fmt.Fprintln(l.Stdout, path)
			return nil
		},
	}
}
