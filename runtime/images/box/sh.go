package box

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"
	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

func init() { register(shMain, "sh", "ash") }

// defaultPath is used when the environment has none.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// shMain is a POSIX shell (mvdan.cc/sh): `sh -c script [name args...]`,
// `sh file [args...]`, a script on stdin, or an interactive prompt when
// stdin is a terminal. Commands run as processes found through PATH, so
// every applet (and any program the image holds) is reachable.
func shMain(argv []string) int {
	env := os.Environ()
	if os.Getenv("PATH") == "" {
		env = append(env, "PATH="+defaultPath)
	}
	args := argv[1:]
	var script io.Reader
	name := filepath.Base(argv[0])
	var params []string
	interactive := false
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" {
		switch args[0] {
		case "-c":
			if len(args) < 2 {
				return fail(argv[0], "-c requires an argument")
			}
			script = strings.NewReader(args[1])
			if len(args) > 2 {
				name = args[2]
				params = args[3:]
			}
			args = nil
		case "-i":
			interactive = true
			args = args[1:]
		case "-e", "-x", "-u":
			params = append(params, args[0])
			args = args[1:]
		default:
			return fail(argv[0], "unsupported option %s", args[0])
		}
	}
	if script == nil && len(args) > 0 {
		f, err := os.Open(args[0])
		if err != nil {
			return fail(argv[0], "can't open '%s': %v", args[0], err)
		}
		defer f.Close()
		script, name, params = f, args[0], append(params, args[1:]...)
	}
	traps := newShellTraps()
	opts := []interp.RunnerOption{
		interp.StdIO(os.Stdin, os.Stdout, os.Stderr),
		interp.Env(expand.ListEnviron(env...)),
		interp.CallHandler(traps.call),
		interp.ExecHandlers(traps.waitHandler, traps.jobHandler),
	}
	if len(params) > 0 {
		opts = append(opts, interp.Params(append([]string{"--"}, params...)...))
	}
	r, err := interp.New(opts...)
	if err != nil {
		return fail(argv[0], "%v", err)
	}
	_ = name
	ctx := context.Background()
	if script == nil {
		if interactive || term.IsTerminal(int(os.Stdin.Fd())) {
			return interactiveShell(ctx, r, traps)
		}
		script = os.Stdin
	}
	file, err := syntax.NewParser().Parse(script, name)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", filepath.Base(argv[0]), err)
		return 2
	}
	return exitCode(r.Run(ctx, file))
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var st interp.ExitStatus
	if ok := asExit(err, &st); ok {
		return int(st)
	}
	fmt.Fprintln(os.Stderr, err)
	return 1
}

func asExit(err error, st *interp.ExitStatus) bool {
	if e, ok := err.(interp.ExitStatus); ok {
		*st = e
		return true
	}
	return false
}
