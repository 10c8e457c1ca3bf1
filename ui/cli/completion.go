package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

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
				return root.GenBashCompletionV2(a.env.Stdout, true)
			case "zsh":
				return root.GenZshCompletion(a.env.Stdout)
			case "fish":
				return root.GenFishCompletion(a.env.Stdout, true)
			}
			return fmt.Errorf("unsupported shell type %q", args[0])
		},
	}
}
