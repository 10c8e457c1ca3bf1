package labcmd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// nodeCommand reads a virtual node's own disk, where hostPath volumes live.
func (l *lifecycle) nodeCommand() *cobra.Command {
	c := &cobra.Command{Use: "node", Short: "Look at a virtual node's disk (where hostPath volumes live)"}
	read := func(show func(path string) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			home, err := l.Home()
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
			_, err = l.Stdout.Write(b)
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
				fmt.Fprintln(l.Stdout, e.Name())
			}
			return nil
		}),
	})
	return c
}
