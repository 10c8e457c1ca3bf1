package kubectl

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/ui/cli/cmdenv"

	"github.com/podlab/podlab/runtime/client"
)

// sessionContainer gets the pod of an exec or attach session, refuses a
// completed one (completed formats its phase) as kubectl does before asking
// the server, and picks the default container when -c is omitted.
func (kc *kubectl) sessionContainer(ctx context.Context, cl client.Interface, pod, container, completed string) (string, error) {
	o, err := cl.Get(ctx, api.Pods, kc.NS(), pod)
	if err != nil {
		return "", err
	}
	p := o.(*corev1.Pod)
	if completedPhase(p) {
		return "", fmt.Errorf(completed, p.Status.Phase)
	}
	if container != "" {
		return container, nil
	}
	return defaultContainer(p, kc.Stderr, false)
}

// streams prepares an exec or attach session's streams: with -t and a
// terminal on stdin, the terminal goes raw (restored by the returned
// function) and window changes become resizes.
func (kc *kubectl) streams(container string, stdin, tty bool) (client.ExecOptions, func()) {
	opts := client.ExecOptions{Container: container, TTY: tty, Stdout: kc.Stdout, Stderr: kc.Stderr}
	if stdin {
		opts.Stdin = kc.Stdin
	}
	if !tty {
		return opts, func() {}
	}
	f, ok := kc.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		fmt.Fprintln(kc.Stderr, "Unable to use a TTY - input is not a terminal or the right kind of file")
		opts.TTY = false
		return opts, func() {}
	}
	state, err := term.MakeRaw(int(f.Fd()))
	if err != nil {
		opts.TTY = false
		return opts, func() {}
	}
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
	go func() {
		for range winch {
			sendSize()
		}
	}()
	opts.Resize = resize
	return opts, func() {
		signal.Stop(winch)
		term.Restore(int(f.Fd()), state)
	}
}

func (kc *kubectl) execCommand() *cobra.Command {
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
		ValidArgsFunction: kc.completePods,
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := podName(args[0])
			if err != nil {
				return err
			}
			command := args[1:]
			if dash := cmd.ArgsLenAtDash(); dash < 0 && len(command) > 0 {
				fmt.Fprintln(kc.Stderr, "kubectl exec [POD] [COMMAND] is DEPRECATED and will be removed in a future version. Use kubectl exec [POD] -- [COMMAND] instead.")
			} else if dash > 1 {
				return fmt.Errorf("exec takes one pod before \"--\", got %d arguments", dash)
			}
			if len(command) == 0 {
				return fmt.Errorf("you must specify at least one command for the container")
			}
			cl, err := kc.Client(cmd)
			if err != nil {
				return err
			}
			c, err := kc.sessionContainer(cmd.Context(), cl, name, container, "cannot exec into a container in a completed pod; current phase is %s")
			if err != nil {
				return err
			}
			opts, restore := kc.streams(c, stdin, tty)
			opts.Command = command
			code, err := cl.Exec(cmd.Context(), kc.NS(), name, opts)
			restore()
			if err != nil {
				return err
			}
			if code != 0 {
				fmt.Fprintf(kc.Stderr, "command terminated with exit code %d\n", code)
				return &cmdenv.ExitError{Code: code}
			}
			return nil
		},
	}
	c.Flags().StringVarP(&container, "container", "c", "", "Container name. If omitted, use the kubectl.kubernetes.io/default-container annotation for selecting the container to be attached or the first container in the pod will be chosen")
	c.Flags().BoolVarP(&stdin, "stdin", "i", false, "Pass stdin to the container")
	c.Flags().BoolVarP(&tty, "tty", "t", false, "Stdin is a TTY")
	return c
}

func (kc *kubectl) attachCommand() *cobra.Command {
	var container string
	var stdin, tty bool
	c := &cobra.Command{
		Use:               "attach (POD | TYPE/NAME) -c CONTAINER [-i] [-t]",
		Short:             "Attach to a running container",
		Example:           "  # Talk to the shell container the pod started with stdin and tty\n  podlab attach -it nginx -c shell",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: kc.completePods,
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := podName(args[0])
			if err != nil {
				return err
			}
			cl, err := kc.Client(cmd)
			if err != nil {
				return err
			}
			c, err := kc.sessionContainer(cmd.Context(), cl, name, container, "cannot attach a container in a completed pod; current phase is %s")
			if err != nil {
				return err
			}
			if tty {
				fmt.Fprintln(kc.Stderr, "If you don't see a command prompt, try pressing enter.")
			}
			opts, restore := kc.streams(c, stdin, tty)
			err = cl.Attach(cmd.Context(), kc.NS(), name, opts)
			restore()
			if err != nil {
				return err
			}
			if stdin && tty {
				fmt.Fprintf(kc.Stderr, "Session ended, resume using 'podlab attach %s -c %s -i -t' command when the pod is running\n", name, c)
			}
			return nil
		},
	}
	c.Flags().StringVarP(&container, "container", "c", "", "Container name. If omitted, use the kubectl.kubernetes.io/default-container annotation for selecting the container to be attached or the first container in the pod will be chosen")
	c.Flags().BoolVarP(&stdin, "stdin", "i", false, "Pass stdin to the container")
	c.Flags().BoolVarP(&tty, "tty", "t", false, "Stdin is a TTY")
	return c
}
