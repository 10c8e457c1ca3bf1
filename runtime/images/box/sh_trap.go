package box

import (
	"context"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"mvdan.cc/sh/v3/syntax"
)

// shellTraps gives the shell what mvdan.cc/sh leaves out and busybox pods
// rely on: `trap ACTION TERM` (and INT, HUP, QUIT, USR1, USR2) and the
// `kill` command. As in a POSIX shell, a trapped signal's action runs before
// the next command, once the foreground command has finished — the way a
// busybox container sees SIGTERM from the kubelet.
type shellTraps struct {
	mu      sync.Mutex
	actions map[syscall.Signal]string
	pending []syscall.Signal
	ch      chan os.Signal
}

var trappable = map[string]syscall.Signal{
	"HUP": syscall.SIGHUP, "INT": syscall.SIGINT, "QUIT": syscall.SIGQUIT,
	"USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2, "TERM": syscall.SIGTERM,
}

func newShellTraps() *shellTraps {
	t := &shellTraps{actions: map[syscall.Signal]string{}, ch: make(chan os.Signal, 8)}
	go func() {
		for s := range t.ch {
			t.mu.Lock()
			t.pending = append(t.pending, s.(syscall.Signal))
			t.mu.Unlock()
		}
	}()
	return t
}

// signalOf reads a trap's signal operand: TERM, SIGTERM or 15.
func signalOf(spec string) (syscall.Signal, bool) {
	if n, err := strconv.Atoi(spec); err == nil {
		for _, s := range trappable {
			if int(s) == n {
				return s, true
			}
		}
		return 0, false
	}
	s, ok := trappable[strings.TrimPrefix(strings.ToUpper(spec), "SIG")]
	return s, ok
}

// call is the runner's CallHandler: it runs due trap actions before the
// command, takes over `trap` for signals and sends `kill` to the applet.
func (t *shellTraps) call(ctx context.Context, args []string) ([]string, error) {
	if args[0] == "kill" {
		args = append([]string{"/bin/kill"}, args[1:]...)
	}
	if args[0] == "trap" {
		args = t.trap(args)
	}
	t.mu.Lock()
	due := t.pending
	t.pending = nil
	var script []string
	for _, s := range due {
		if a := t.actions[s]; a != "" {
			script = append(script, a)
		}
	}
	t.mu.Unlock()
	if len(script) == 0 {
		return args, nil
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		q, err := syntax.Quote(a, syntax.LangPOSIX)
		if err != nil {
			q = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		quoted[i] = q
	}
	return []string{"eval", strings.Join(script, "\n") + "\n" + strings.Join(quoted, " ")}, nil
}

// trap registers the signal part of `trap ACTION SIG...` and hands what is
// left (EXIT, ERR, listing) to the interpreter's own trap.
func (t *shellTraps) trap(args []string) []string {
	if len(args) < 3 {
		return args
	}
	action, rest := args[1], []string{}
	for _, spec := range args[2:] {
		sig, ok := signalOf(spec)
		if !ok {
			rest = append(rest, spec)
			continue
		}
		t.mu.Lock()
		switch action {
		case "-":
			delete(t.actions, sig)
			signal.Reset(sig)
			asInit() // PID 1 goes back to ignoring what it has no handler for
		case "":
			t.actions[sig] = ""
			signal.Ignore(sig)
		default:
			t.actions[sig] = action
			signal.Notify(t.ch, sig)
		}
		t.mu.Unlock()
	}
	if len(rest) == 0 {
		return []string{":"}
	}
	return append([]string{"trap", action}, rest...)
}
