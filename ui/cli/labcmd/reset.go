package labcmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/podlab/podlab/runtime/lab"
)

func (l *lifecycle) resetCommand() *cobra.Command {
	var yes, images bool
	c := &cobra.Command{
		Use:   "reset",
		Short: "Remove every Docker object of this lab and its state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := l.Home()
			if err != nil {
				return err
			}
			if !yes {
				fmt.Fprintf(l.Stderr, "This removes every Pod, container and object of the lab in %s. Continue? [y/N] ", home.Dir)
				var answer string
				fmt.Fscanln(l.Stdin, &answer)
				if !strings.HasPrefix(strings.ToLower(answer), "y") {
					return fmt.Errorf("reset cancelled")
				}
			}
			rep, err := lab.Reset(cmd.Context(), home)
			if err != nil {
				return err
			}
			fmt.Fprintf(l.Stdout, "removed %d containers, %d networks, %d volumes and the lab's state\n", rep.Containers, rep.Networks, rep.Volumes)
			if images {
				n, err := lab.RemoveImages(cmd.Context())
				if err != nil {
					return err
				}
				fmt.Fprintf(l.Stdout, "removed %d podlab images\n", n)
			}
			return nil
		},
	}
	c.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	c.Flags().BoolVar(&images, "images", false, "also remove podlab's own images (rebuilt on the next up)")
	return c
}
