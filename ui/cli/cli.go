// Package cli is podlab's command line as a whole: it wires the kubectl
// verbs (ui/cli/kubectl), the lab's lifecycle (ui/cli/labcmd) and the
// lesson-pack commands (ui/cli/packcmd) under one root command and its help
// groups, runs command lines in-process for the app's command bar and for
// packs, opens the terminal app when podlab runs bare on a terminal, and
// writes shell completion scripts.
package cli

import (
	"bytes"
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/ui/cli/cmdenv"
)

// app is one run of the command line: its Env and the root's own flags.
type app struct {
	env        *cmdenv.Env
	pack, lang string
}

// Main runs the command line with args (without the program name) and returns the exit code.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return execute(ctx, cmdenv.Stdio(), args)
}

// execute runs one podlab command line in env and returns its exit code.
func execute(ctx context.Context, env *cmdenv.Env, args []string) int {
	a := &app{env: env}
	return env.Execute(ctx, a.rootCommand(), args)
}

// runOn runs a podlab command line in-process against cl (see cmdenv.InProcess).
func (a *app) runOn(ctx context.Context, cl client.Interface, args []string, stdin []byte) (int, string) {
	var out bytes.Buffer
	sub := &cmdenv.Env{Stdin: bytes.NewReader(stdin), Stdout: &out, Stderr: &out, Namespace: a.env.Namespace,
		Home: a.env.Home, Connect: func(context.Context) (client.Interface, error) { return cl, nil }}
	code := execute(ctx, sub, args)
	return code, out.String()
}
