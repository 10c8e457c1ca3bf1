package box

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"
	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// An interactive shell treats the keyboard's signals as busybox's ash
// does. SIGINT (^C) and SIGQUIT (^\) do not end the shell. The terminal
// sends them to its foreground process group, which holds the shell and
// the commands it runs (each applet is a process of its own, started
// through PATH), so ^C ends the foreground command by itself; the shell
// then drops the rest of the command line, prints a newline and a fresh
// prompt, and $? is 130. ^C at the prompt discards what was typed and
// gives a new prompt ($? 130 too); ^D there exits. A trap on INT runs its
// action instead (sh_trap.go), and `trap '' INT` ignores ^C in the shell
// and its commands alike. Without job control, background commands are
// kept out of the terminal's way: each runs in a process group of its
// own, so ^C and ^\ reach only the foreground.
//
// A command that catches SIGINT and goes on (a nested interactive sh) does
// not stop the line: a foreground command killed by the ^C does (it ends
// with status 130, and the shell has had the ^C too), or a ^C while the
// shell itself is busy (a loop of builtins, a wait). ^C cannot cut short
// the `read` builtin on the terminal: the line stops at the next Enter.

// errInterrupted stops a command line, or the read of one, that ^C interrupted.
var errInterrupted = errors.New("interrupted")

// foreground is an interactive shell's view of the command line it runs.
type foreground struct {
	running     bool // a command line runs (else the shell reads one)
	children    int  // foreground commands running as processes
	ints, quits int  // the SIGINTs and SIGQUITs heard while it ran
	interrupted bool // the command line is to stop
	promptInt   bool // SIGINT came at the prompt
	quitShown   bool // "Quit" printed for the commands running
}

// keyboardSignal reports the signals an interactive shell handles itself.
func keyboardSignal(sig syscall.Signal) bool {
	return sig == syscall.SIGINT || sig == syscall.SIGQUIT
}

// setInteractive makes the shell catch SIGINT and SIGQUIT rather than die
// of them: caught, not ignored, so that the commands it starts get the
// default actions back. With no job control to take a stopped command
// back, ^Z (SIGTSTP) is ignored, by the commands too: else it would stop
// the shell, and with it the learner's session.
func (t *shellTraps) setInteractive() {
	t.mu.Lock()
	t.interactive = true
	t.mu.Unlock()
	signal.Notify(t.ch, syscall.SIGINT, syscall.SIGQUIT)
	signal.Ignore(syscall.SIGTSTP)
}

// keyboardSignalLocked records a SIGINT or SIGQUIT (t.mu held).
func (t *shellTraps) keyboardSignalLocked(sig syscall.Signal) {
	switch {
	case !t.fg.running:
		if sig == syscall.SIGINT {
			t.fg.promptInt = true // trapped or not: the prompt starts afresh
			break
		}
		return
	case sig == syscall.SIGQUIT:
		t.fg.quits++
		return
	default:
		t.fg.ints++
		if t.actions[sig] != "" || t.fg.children > 0 {
			// A trap's action runs once the foreground command is done;
			// the command's end tells whether ^C stops the line.
			return
		}
		t.fg.interrupted = true // the shell itself is busy: it stops
	}
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// heard waits (a little) until the shell has had more than n of sig
// during the command line.
func (t *shellTraps) heard(sig syscall.Signal, n int, wait time.Duration) bool {
	deadline := time.Now().Add(wait)
	for {
		t.mu.Lock()
		got := t.fg.ints
		if sig == syscall.SIGQUIT {
			got = t.fg.quits
		}
		t.mu.Unlock()
		if got > n {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// interruptedFor reports whether a command of the foreground line is to
// stop; background jobs carry on.
func (t *shellTraps) interruptedFor(hc interp.HandlerContext) bool {
	t.mu.Lock()
	stop := t.fg.interrupted
	t.mu.Unlock()
	return stop && !isAsync(hc)
}

// startLine and endLine bracket the running of a command line; endLine
// reports whether ^C interrupted it.
func (t *shellTraps) startLine() {
	t.mu.Lock()
	t.fg = foreground{running: true}
	t.mu.Unlock()
}

func (t *shellTraps) endLine() bool {
	t.mu.Lock()
	interrupted := t.fg.interrupted
	t.fg = foreground{}
	t.mu.Unlock()
	select {
	case <-t.wake: // a token nobody took
	default:
	}
	return interrupted
}

// takePromptInt reports (and forgets) a SIGINT at the prompt.
func (t *shellTraps) takePromptInt() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	got := t.fg.promptInt
	t.fg.promptInt = false
	return got
}

func (t *shellTraps) trapped(sig syscall.Signal) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.actions[sig] != ""
}

// statusCommand, run as a bare command, sets $? (to its argument) without
// the ERR trap or errexit a failing statement would set off.
const statusCommand = "podlab:status"

// jobHandler is exec middleware for an interactive shell: it counts the
// foreground commands (so that a ^C ending one stops the line), starts
// background ones in process groups of their own, and runs statusCommand.
func (t *shellTraps) jobHandler(next interp.ExecHandlerFunc) interp.ExecHandlerFunc {
	return func(ctx context.Context, args []string) error {
		if args[0] == statusCommand {
			if n, _ := strconv.Atoi(args[len(args)-1]); n != 0 {
				return interp.ExitStatus(n)
			}
			return nil
		}
		if !t.interactive {
			return next(ctx, args)
		}
		hc := interp.HandlerCtx(ctx)
		if isAsync(hc) {
			return execAsync(ctx, hc, next, args)
		}
		t.mu.Lock()
		if t.fg.interrupted {
			t.mu.Unlock()
			return errInterrupted
		}
		t.fg.children++
		ints, quits := t.fg.ints, t.fg.quits
		t.mu.Unlock()
		err := next(ctx, args)
		// The terminal sends ^C (^\) to the shell as well as to the
		// command, and the shell may hear it only after the command's
		// end: a command killed by SIGINT (SIGQUIT) waits a little for the
		// shell's own, which tells the keyboard's from a kill of the
		// command alone, or a plain exit 130.
		var st interp.ExitStatus
		errors.As(err, &st)
		keyboard := syscall.Signal(0)
		switch {
		case st == 128+interp.ExitStatus(syscall.SIGINT) && t.heard(syscall.SIGINT, ints, signalLag):
			keyboard = syscall.SIGINT
		case st == 128+interp.ExitStatus(syscall.SIGQUIT) && t.heard(syscall.SIGQUIT, quits, signalLag):
			keyboard = syscall.SIGQUIT
		}
		t.mu.Lock()
		t.fg.children--
		if keyboard == syscall.SIGINT && t.actions[syscall.SIGINT] == "" {
			t.fg.interrupted = true
		}
		quit := keyboard == syscall.SIGQUIT && !t.fg.quitShown
		t.fg.quitShown = (t.fg.quitShown || quit) && t.fg.children > 0 // once for a pipeline
		t.mu.Unlock()
		if quit {
			fmt.Fprintln(os.Stderr, "Quit") // as ash reports a job that ^\ killed
		}
		return err
	}
}

// signalLag bounds how long after a command's end the shell waits for its
// own copy of the signal that ended the command.
const signalLag = 250 * time.Millisecond

// asyncVar marks the shell (a copy of it) that runs a background job:
// markAsync sets it at the start of every `... &`.
const asyncVar = "PODLAB_ASYNC"

func isAsync(hc interp.HandlerContext) bool {
	return hc.Env != nil && hc.Env.Get(asyncVar).String() == "1"
}

// markAsync rewrites each `CMD &` of a command line into
// `{ PODLAB_ASYNC=1; CMD; } &`, so that the handlers know the commands of
// a background job (function calls included) from the foreground's.
func markAsync(stmts []*syntax.Stmt) {
	lit := func(s string) *syntax.Word { return &syntax.Word{Parts: []syntax.WordPart{&syntax.Lit{Value: s}}} }
	for _, stmt := range stmts {
		syntax.Walk(stmt, func(n syntax.Node) bool {
			st, ok := n.(*syntax.Stmt)
			if !ok || !st.Background && !st.Disown || st.Cmd == nil {
				return true
			}
			pos, end := st.Pos(), st.End()
			inner := &syntax.Stmt{Position: pos, Cmd: st.Cmd, Redirs: st.Redirs, Negated: st.Negated}
			mark := &syntax.Stmt{Position: pos, Cmd: &syntax.CallExpr{Assigns: []*syntax.Assign{{Name: &syntax.Lit{Value: asyncVar}, Value: lit("1")}}}}
			st.Cmd = &syntax.Block{Lbrace: pos, Rbrace: end, Stmts: []*syntax.Stmt{mark, inner}}
			st.Redirs, st.Negated, st.Comments = nil, false, nil
			return true
		})
	}
}

// execAsync runs a background job's command in a process group of its
// own, as a shell with job control would: the terminal's ^C and ^\ do not
// reach it.
func execAsync(ctx context.Context, hc interp.HandlerContext, next interp.ExecHandlerFunc, args []string) error {
	path, err := interp.LookPathDir(hc.Dir, hc.Env, args[0])
	if err != nil {
		fmt.Fprintln(hc.Stderr, err)
		return interp.ExitStatus(127)
	}
	env := map[string]string{}
	var names []string
	hc.Env.Each(func(name string, vr expand.Variable) bool {
		if _, seen := env[name]; !seen {
			names = append(names, name)
		}
		if vr.IsSet() && vr.Exported && vr.Kind == expand.String {
			env[name] = vr.String()
		} else {
			env[name] = "\x00" // unset, or no longer exported
		}
		return true
	})
	cmd := exec.Command(path)
	cmd.Args, cmd.Dir = args, hc.Dir
	for _, name := range names {
		if v := env[name]; v != "\x00" {
			cmd.Env = append(cmd.Env, name+"="+v)
		}
	}
	if hc.Stdin != nil {
		cmd.Stdin = hc.Stdin
	}
	cmd.Stdout, cmd.Stderr = hc.Stdout, hc.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		if errors.Is(err, syscall.ENOEXEC) || errors.Is(err, syscall.ETXTBSY) {
			return next(ctx, args) // a script without #! (or a busy file): the interpreter knows what to do
		}
		fmt.Fprintln(hc.Stderr, err)
		return interp.ExitStatus(126)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return interp.ExitStatus(128 + int(ws.Signal()))
		}
		return interp.ExitStatus(ee.ExitCode())
	}
	return err
}

// interactiveShell reads commands line by line with a busybox-like prompt.
func interactiveShell(ctx context.Context, r *interp.Runner, t *shellTraps) int {
	tty := term.IsTerminal(int(os.Stdin.Fd()))
	t.setInteractive()
	in := &promptReader{in: os.Stdin, t: t, res: make(chan readResult, 1)}
	prompt := func() {
		// The runner keeps the shell's working directory (cd does not chdir the process).
		fmt.Fprintf(os.Stdout, "%s # ", r.Dir)
	}
	sh := &interactive{r: r, t: t}
	prompt()
	for {
		parser := syntax.NewParser()
		exited := false
		err := parser.Interactive(in, func(stmts []*syntax.Stmt) bool {
			if parser.Incomplete() {
				fmt.Fprint(os.Stdout, "> ")
				return true
			}
			if exited = sh.runLine(ctx, stmts); exited {
				return false
			}
			prompt()
			return true
		})
		switch {
		case exited:
			return sh.last
		case err == nil: // ^D at the prompt (the end of the input)
			if tty {
				fmt.Fprintln(os.Stdout)
			}
			return sh.last
		case errors.Is(err, errInterrupted): // ^C at the prompt
			if !t.trapped(syscall.SIGINT) {
				fmt.Fprintln(os.Stderr)
				sh.setStatus(ctx, 130)
			}
			if sh.runTraps(ctx) {
				return sh.last
			}
		case in.eof || in.err != nil:
			fmt.Fprintln(os.Stderr, err)
			return sh.last
		default: // a syntax error: the rest of the line goes, the shell stays
			fmt.Fprintf(os.Stderr, "sh: %v\n", err)
			in.rest = nil
			sh.setStatus(ctx, 2)
		}
		prompt()
	}
}

// interactive runs an interactive shell's command lines.
type interactive struct {
	r    *interp.Runner
	t    *shellTraps
	last int // $?
}

// runLine runs a command line's statements; it reports whether the shell exits.
func (sh *interactive) runLine(ctx context.Context, stmts []*syntax.Stmt) bool {
	markAsync(stmts)
	sh.t.startLine()
	stopped := false
	for _, stmt := range stmts {
		err := sh.r.Run(ctx, stmt)
		if stopped = errors.Is(err, errInterrupted); stopped {
			break
		}
		sh.last = sh.status(err)
		if sh.r.Exited() {
			sh.t.endLine()
			return true
		}
		if sh.interrupted() {
			break
		}
	}
	if sh.t.endLine() || stopped {
		fmt.Fprintln(os.Stderr)
		sh.setStatus(ctx, 130)
	}
	return sh.runTraps(ctx)
}

func (sh *interactive) interrupted() bool {
	sh.t.mu.Lock()
	defer sh.t.mu.Unlock()
	return sh.t.fg.interrupted
}

// status is the exit status a Run error stands for (printing other errors).
func (sh *interactive) status(err error) int {
	if err == nil {
		return 0
	}
	var st interp.ExitStatus
	if asExit(err, &st) {
		return int(st)
	}
	fmt.Fprintln(os.Stderr, err)
	return 1
}

// setStatus sets $?.
func (sh *interactive) setStatus(ctx context.Context, code int) {
	sh.last = code
	sh.r.Run(ctx, &syntax.CallExpr{Args: []*syntax.Word{word(statusCommand), word(strconv.Itoa(code))}})
}

// runTraps runs the actions of trapped signals that came while a command
// line ran or at the prompt, leaving $? as it was; it reports whether one
// exits the shell.
func (sh *interactive) runTraps(ctx context.Context) bool {
	script, _ := sh.t.due()
	if len(script) == 0 {
		return false
	}
	sh.t.startLine()
	err := sh.r.Run(ctx, &syntax.CallExpr{Args: []*syntax.Word{word("eval"), {Parts: []syntax.WordPart{&syntax.SglQuoted{Value: strings.Join(script, "\n")}}}}})
	sh.t.endLine()
	if sh.r.Exited() && !errors.Is(err, errInterrupted) {
		sh.last = sh.status(err)
		return true
	}
	sh.setStatus(ctx, sh.last)
	return false
}

func word(s string) *syntax.Word {
	return &syntax.Word{Parts: []syntax.WordPart{&syntax.Lit{Value: s}}}
}

// promptReader gives the parser what stdin has, one read at a time and
// only when the parser asks, so that the commands the shell runs read
// their own input. ^C ends a Read at once with errInterrupted (the
// terminal has dropped what was typed); the read in flight then serves the
// next Read.
type promptReader struct {
	in       io.Reader
	t        *shellTraps
	res      chan readResult
	inflight bool
	rest     []byte
	eof      bool  // stdin has ended
	err      error // stdin failed
}

type readResult struct {
	b   []byte
	err error
}

func (p *promptReader) Read(b []byte) (int, error) {
	for len(p.rest) == 0 {
		if p.eof || p.err != nil {
			if p.eof {
				return 0, io.EOF
			}
			return 0, p.err
		}
		if !p.inflight {
			p.inflight = true
			go func() {
				buf := make([]byte, 4096)
				n, err := p.in.Read(buf)
				p.res <- readResult{buf[:n], err}
			}()
		}
		select {
		case r := <-p.res:
			p.inflight = false
			p.rest = r.b
			if r.err == io.EOF {
				p.eof = true
			} else if r.err != nil {
				p.err = r.err
			}
		case <-p.t.wake:
			if p.t.takePromptInt() {
				return 0, errInterrupted
			}
		}
	}
	n := copy(b, p.rest)
	p.rest = p.rest[n:]
	return n, nil
}
