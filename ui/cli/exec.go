package cli

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/podlab/podlab/runtime/client"
)

func (a *app) execCommand() *cobra.Command {
	var container string
	var stdin, tty bool
	c := &cobra.Command{
		Use:   "exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...]",
		Short: "Execute a command in a container",
		Example: `  # List processes in the shell container of pod nginx
  podlab exec nginx -c shell -- ps

  # An interactive shell
  podlab exec -it nginx -c shell -- sh`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: a.completePods,
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := podName(args[0])
			if err != nil {
				return err
			}
			command := args[1:]
			if dash := cmd.ArgsLenAtDash(); dash < 0 && len(command) > 0 {
				fmt.Fprintln(a.stderr, "kubectl exec [POD] [COMMAND] is DEPRECATED and will be removed in a future version. Use kubectl exec [POD] -- [COMMAND] instead.")
			} else if dash > 1 {
				return fmt.Errorf("exec takes one pod before \"--\", got %d arguments", dash)
			}
			if len(command) == 0 {
				return fmt.Errorf("you must specify at least one command for the container")
			}
			cl, err := a.client(cmd)
			if err != nil {
				return err
			}
			opts := client.ExecOptions{Container: container, Command: command, TTY: tty, Stdout: a.stdout, Stderr: a.stderr}
			if stdin {
				opts.Stdin = a.stdin
			}
			if tty {
				f, ok := a.stdin.(*os.File)
				if !ok || !term.IsTerminal(int(f.Fd())) {
					fmt.Fprintln(a.stderr, "Unable to use a TTY - input is not a terminal or the right kind of file")
					opts.TTY = false
				} else {
					state, err := term.MakeRaw(int(f.Fd()))
					if err != nil {
						return err
					}
					defer term.Restore(int(f.Fd()), state)
					resize := make(chan client.TermSize, 1)
					sendSize := func() {
						if w, h, err := term.GetSize(int(f.Fd())); err == nil {
							select {
							case resize <- client.TermSize{Width: uint16(w), Height: uint16(h)}:
							default:
							}
						}
					}
					sendSize()
					winch := make(chan os.Signal, 1)
					signal.Notify(winch, syscall.SIGWINCH)
					defer signal.Stop(winch)
					go func() {
						for range winch {
							sendSize()
						}
					}()
					opts.Resize = resize
				}
			}
			code, err := cl.Exec(cmd.Context(), a.ns(), name, opts)
			if err != nil {
				return err
			}
			if code != 0 {
				fmt.Fprintf(a.stderr, "command terminated with exit code %d\n", code)
				return &exitError{code: code}
			}
			return nil
		},
	}
	c.Flags().StringVarP(&container, "container", "c", "", "Container name. If omitted, the pod's only container is chosen")
	c.Flags().BoolVarP(&stdin, "stdin", "i", false, "Pass stdin to the container")
	c.Flags().BoolVarP(&tty, "tty", "t", false, "Stdin is a TTY")
	return c
}
