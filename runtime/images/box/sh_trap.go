package box

import (
	"context"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// shellTraps gives the shell what mvdan.cc/sh leaves out and busybox pods
// rely on: `trap ACTION TERM` (and INT, HUP, QUIT, USR1, USR2) and the
// `kill` command. As in a POSIX shell, a trapped signal's action runs before
// the next command, once the foreground command has finished — the way a
// busybox container sees SIGTERM from the kubelet — or at once when the
// shell is blocked in `wait` (see waitHandler). An interactive shell also
// handles ^C and ^\ itself (sh_interactive.go).
type shellTraps struct {
	mu      sync.Mutex
	actions map[syscall.Signal]string
	pending []syscall.Signal
	ch      chan os.Signal
	arrived chan struct{} // a token per burst of signals, for a blocked wait

	// An interactive shell's keyboard signals (sh_interactive.go).
	interactive bool
	fg          foreground
	wake        chan struct{} // a token when fg asks the prompt or a wait to stop
}

// trappable are the signals the shell's trap handles.
var trappable = map[syscall.Signal]bool{
	syscall.SIGHUP: true, syscall.SIGINT: true, syscall.SIGQUIT: true,
	syscall.SIGUSR1: true, syscall.SIGUSR2: true, syscall.SIGTERM: true,
}

func newShellTraps() *shellTraps {
	t := &shellTraps{actions: map[syscall.Signal]string{}, ch: make(chan os.Signal, 8), arrived: make(chan struct{}, 1), wake: make(chan struct{}, 1)}
	go func() {
		for s := range t.ch {
			t.mu.Lock()
			t.pending = append(t.pending, s.(syscall.Signal))
			if t.interactive {
				t.keyboardSignalLocked(s.(syscall.Signal))
			}
			t.mu.Unlock()
			select {
			case t.arrived <- struct{}{}:
			default:
			}
		}
	}()
	return t
}

// signalOf reads a trap's signal operand (TERM, SIGTERM or 15) with kill's
// parser, and accepts only the signals the trap handles.
func signalOf(spec string) (syscall.Signal, bool) {
	s, ok := parseSignal(spec)
	return s, ok && trappable[s]
}

// call is the runner's CallHandler: it runs due trap actions before the
// command, takes over `trap` for signals, sends `kill` to the applet and
// `wait` to waitHandler.
func (t *shellTraps) call(ctx context.Context, args []string) ([]string, error) {
	if t.interactive {
		if args[0] == statusCommand {
			return args, nil
		}
		if t.interruptedFor(interp.HandlerCtx(ctx)) {
			return nil, errInterrupted // ^C stops the rest of the command line
		}
	}
	switch args[0] {
	case "kill":
		args = append([]string{"/bin/kill"}, args[1:]...)
	case "trap":
		args = t.trap(args)
	case "wait":
		args = append([]string{waitCommand}, args[1:]...)
	}
	script, _ := t.due()
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

// due takes the pending signals and returns the actions of those trapped,
// with the last such signal.
func (t *shellTraps) due() ([]string, syscall.Signal) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var script []string
	var last syscall.Signal
	for _, s := range t.pending {
		if a := t.actions[s]; a != "" {
			script, last = append(script, a), s
		}
	}
	t.pending = nil
	return script, last
}

// waitCommand is the name call gives `wait`, which is no function or
// builtin, so that the runner hands it to waitHandler.
const waitCommand = "podlab:wait"

// waitHandler is exec middleware running the interpreter's own `wait`,
// which blocks on background jobs without looking at signals. POSIX wants
// a trapped signal to end the wait at once with status 128+signal and its
// action to run right after: what lets a container whose script ends in
// `sleep 3600 & wait` stop on the kubelet's SIGTERM rather than be killed
// at the end of its grace period. The abandoned builtin goroutine only
// reads the runner's list of jobs and ends with them (or with the shell).
func (t *shellTraps) waitHandler(next interp.ExecHandlerFunc) interp.ExecHandlerFunc {
	return func(ctx context.Context, args []string) error {
		if args[0] != waitCommand {
			return next(ctx, args)
		}
		hc := interp.HandlerCtx(ctx)
		done := make(chan error, 1)
		go func() { done <- hc.Builtin(ctx, append([]string{"wait"}, args[1:]...)) }()
		var wake chan struct{} // an interactive shell's ^C ends a foreground wait
		if t.interactive && !isAsync(hc) {
			wake = t.wake
		}
		for {
			select {
			case err := <-done:
				return err
			case <-wake:
				if t.interruptedFor(hc) {
					return errInterrupted
				}
			case <-t.arrived:
				script, sig := t.due()
				if len(script) == 0 {
					continue // an untrapped or already handled signal
				}
				// The actions run now; unless one exits the shell, wait's
				// status is what $? holds afterwards.
				return hc.Builtin(ctx, []string{"eval", strings.Join(script, "\n") + "\n(exit " + strconv.Itoa(128+int(sig)) + ")"})
			}
		}
	}
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
			if t.interactive && keyboardSignal(sig) {
				signal.Notify(t.ch, sig) // back to the interactive shell's own handling
				break
			}
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
