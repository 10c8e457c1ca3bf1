package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/podlab/podlab/internal/testenv"
)

// This file holds what the tests of the real clients share: a lab's
// kubeconfig as `export KUBECONFIG=$(podlab kubeconfig)` gives it, a real
// kubectl run against it in the foreground or in the background, and the
// parsing of kubectl's tables.

// in is the lab seen from subtest t: its helpers fail t, not the test that
// made the lab (t.Fatal must be called from its own test's goroutine).
func (l *lab) in(t *testing.T) *lab {
	c := *l
	c.t = t
	return &c
}

// kubeconfig runs `podlab kubeconfig` and returns the path it printed.
func (l *lab) kubeconfig() string {
	l.t.Helper()
	out, errOut, code := l.run("kubeconfig")
	path := strings.TrimSpace(out)
	if code != 0 || !filepath.IsAbs(path) || strings.Contains(path, "\n") || errOut != "" {
		l.t.Fatalf("podlab kubeconfig: exit %d, want 0 and one absolute path on stdout\nstdout: %q\nstderr: %s", code, out, errOut)
	}
	if _, err := os.Stat(path); err != nil {
		l.t.Fatalf("podlab kubeconfig printed %s: %v", path, err)
	}
	return path
}

// kubectl is a real kubectl binary pointed at a lab.
type kubectl struct {
	bin string
	// env is the whole environment kubectl runs in: PATH, a home of its
	// own (so no developer's ~/.kube leaks in, and discovery is cached
	// between runs as on a learner's machine) and KUBECONFIG.
	env []string
	// home is that home directory.
	home string
}

// newKubectl points the kubectl binary bin at lab l, as a learner does with
// export KUBECONFIG=$(podlab kubeconfig).
func newKubectl(t *testing.T, l *lab, bin string) *kubectl {
	t.Helper()
	home := t.TempDir()
	path := os.Getenv("PATH")
	if path == "" {
		path = "/usr/local/bin:/usr/bin:/bin"
	}
	return &kubectl{bin: bin, home: home, env: []string{
		"PATH=" + path,
		"HOME=" + home,
		"TMPDIR=" + os.TempDir(),
		"KUBECONFIG=" + l.kubeconfig(),
	}}
}

// ran is what one kubectl run printed and how it ended.
type ran struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r ran) String() string {
	return fmt.Sprintf("kubectl %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// run runs kubectl with args; it fails t only when kubectl cannot be run
// or takes over a minute.
func (k *kubectl) run(t *testing.T, args ...string) ran {
	t.Helper()
	return k.runWith(t, "", nil, args...)
}

// runWith runs kubectl with stdin and extra environment entries.
func (k *kubectl) runWith(t *testing.T, stdin string, extraEnv []string, args ...string) ran {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, k.bin, args...)
	cmd.Env = append(append([]string(nil), k.env...), extraEnv...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	r := ran{args: args, stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok && ctx.Err() == nil {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("kubectl %s: %v (%v)\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, ctx.Err(), r.stdout, r.stderr)
	}
	return r
}

// ok runs kubectl and fails t unless it exits 0; it returns stdout.
func (k *kubectl) ok(t *testing.T, args ...string) string {
	t.Helper()
	r := k.run(t, args...)
	if r.code != 0 {
		t.Fatalf("%v", r)
	}
	return r.stdout
}

// okQuiet runs kubectl and fails t unless it exits 0 with nothing on
// stderr (no warning, no deprecation notice); it returns stdout.
func (k *kubectl) okQuiet(t *testing.T, args ...string) string {
	t.Helper()
	r := k.run(t, args...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("want exit 0 and an empty stderr: %v", r)
	}
	return r.stdout
}

// want runs kubectl and fails t unless it exits with code and prints
// exactly stdout.
func (k *kubectl) want(t *testing.T, code int, stdout string, args ...string) ran {
	t.Helper()
	r := k.run(t, args...)
	if r.code != code || r.stdout != stdout {
		t.Fatalf("want exit %d and stdout %q: %v", code, stdout, r)
	}
	return r
}

// jsonpath is `kubectl get <args> -o jsonpath=<tmpl>`.
func (k *kubectl) jsonpath(t *testing.T, tmpl string, args ...string) string {
	t.Helper()
	return k.ok(t, append(append([]string{"get"}, args...), "-o", "jsonpath="+tmpl)...)
}

// resourceVersion is the object's metadata.resourceVersion.
func (k *kubectl) resourceVersion(t *testing.T, args ...string) string {
	t.Helper()
	rv := k.jsonpath(t, "{.metadata.resourceVersion}", args...)
	if rv == "" {
		t.Fatalf("%v has no resourceVersion", args)
	}
	return rv
}

// notFound asserts the object is gone the way upstream says it:
// `Error from server (NotFound): pods "x" not found`, exit 1.
func (k *kubectl) notFound(t *testing.T, resource, name string, extra ...string) {
	t.Helper()
	r := k.run(t, append([]string{"get", resource, name}, extra...)...)
	want := fmt.Sprintf("Error from server (NotFound): %s %q not found\n", resource, name)
	if r.code != 1 || r.stdout != "" || r.stderr != want {
		t.Fatalf("want exit 1 and stderr %q: %v", want, r)
	}
}

// writeTemp writes content to a new file in t's temporary directory.
func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	writeFile(t, path, content)
	return path
}

// applyFile writes manifest to a file and runs kubectl apply -f on it.
func (k *kubectl) applyFile(t *testing.T, name, manifest string, extra ...string) string {
	t.Helper()
	return k.ok(t, append([]string{"apply", "-f", writeTemp(t, name, manifest)}, extra...)...)
}

// line is one line a background kubectl printed, and when.
type line struct {
	text string
	at   time.Time
}

// bgKubectl is a kubectl running in the background (get -w, logs -f,
// port-forward, wait): its stdout read line by line as it comes.
type bgKubectl struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []line
	errb  bytes.Buffer
	grew  chan struct{} // closed and replaced at each new line and at the end
	done  chan struct{}
	code  int
}

// start starts kubectl with args in the background; t's cleanup kills it if
// it is still running.
func (k *kubectl) start(t *testing.T, args ...string) *bgKubectl {
	t.Helper()
	b := &bgKubectl{grew: make(chan struct{}), done: make(chan struct{}), code: -1}
	b.cmd = exec.Command(k.bin, args...)
	b.cmd.Env = k.env
	b.cmd.Stderr = lockedWriter{&b.mu, &b.errb}
	stdout, err := b.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			b.mu.Lock()
			b.lines = append(b.lines, line{sc.Text(), time.Now()})
			close(b.grew)
			b.grew = make(chan struct{})
			b.mu.Unlock()
		}
		err := b.cmd.Wait()
		b.mu.Lock()
		b.code = 0
		if ee, ok := err.(*exec.ExitError); ok {
			b.code = ee.ExitCode()
		} else if err != nil {
			b.code = -2
		}
		close(b.grew)
		b.mu.Unlock()
		close(b.done)
	}()
	t.Cleanup(func() {
		select {
		case <-b.done:
		default:
			b.cmd.Process.Kill()
			<-b.done
		}
	})
	return b
}

func (b *bgKubectl) snapshot() ([]line, string, chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]line(nil), b.lines...), b.errb.String(), b.grew
}

// stdout is everything printed so far.
func (b *bgKubectl) stdout() string {
	lines, _, _ := b.snapshot()
	var s strings.Builder
	for _, l := range lines {
		s.WriteString(l.text + "\n")
	}
	return s.String()
}

func (b *bgKubectl) stderr() string { _, e, _ := b.snapshot(); return e }

// waitLine waits until a line from index from on matches ok, and returns
// its index and the line.
func (b *bgKubectl) waitLine(t *testing.T, from int, timeout time.Duration, what string, ok func(string) bool) (int, line) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		lines, _, grew := b.snapshot()
		for i := from; i < len(lines); i++ {
			if ok(lines[i].text) {
				return i, lines[i]
			}
		}
		select {
		case <-grew:
		case <-b.done:
			lines, _, _ = b.snapshot()
			for i := from; i < len(lines); i++ {
				if ok(lines[i].text) {
					return i, lines[i]
				}
			}
			t.Fatalf("kubectl %s ended (exit %d) without printing %s\nstdout:\n%s\nstderr:\n%s",
				strings.Join(b.cmd.Args[1:], " "), b.exitCode(), what, b.stdout(), b.stderr())
		case <-deadline:
			t.Fatalf("kubectl %s printed no %s within %s\nstdout:\n%s\nstderr:\n%s",
				strings.Join(b.cmd.Args[1:], " "), what, timeout, b.stdout(), b.stderr())
		}
	}
}

// waitStdout waits until ok holds for everything printed so far.
func (b *bgKubectl) waitStdout(t *testing.T, timeout time.Duration, what string, ok func(string) bool) {
	t.Helper()
	b.waitLine(t, 0, timeout, what, func(string) bool { return ok(b.stdout()) })
}

func (b *bgKubectl) exitCode() int { b.mu.Lock(); defer b.mu.Unlock(); return b.code }

// interrupt sends SIGINT, as ctrl-c in a terminal does.
func (b *bgKubectl) interrupt() { b.cmd.Process.Signal(syscall.SIGINT) }

// wait waits for kubectl to end and returns its exit code (-1 for a
// signal's end), failing t when it runs past timeout.
func (b *bgKubectl) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-b.done:
		return b.exitCode()
	case <-time.After(timeout):
		t.Fatalf("kubectl %s still runs after %s\nstdout:\n%s\nstderr:\n%s",
			strings.Join(b.cmd.Args[1:], " "), timeout, b.stdout(), b.stderr())
		return 0
	}
}

// columnSep splits a row of a kubectl table printed alone (the rows of
// get -w come one by one, each padded on its own): the tabwriter pads cells
// with at least three spaces, while a cell (RESTARTS "1 (5s ago)") holds
// single spaces. No cell of such a row may be empty.
var columnSep = regexp.MustCompile(`\s{2,}`)

// headerCell is one column name of a table header ("NOMINATED NODE" too).
var headerCell = regexp.MustCompile(`\S+(?: \S+)*`)

// table is a kubectl table parsed: the header's columns and each row's cells.
type table struct {
	header []string
	rows   [][]string
}

// parseTable parses a table as kubectl's tabwriter lays it out: each cell
// starts where its column's name does, so empty cells (SHORTNAMES of
// secrets) parse too.
func parseTable(t *testing.T, out string) table {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatalf("no table:\n%s", out)
	}
	locs := headerCell.FindAllStringIndex(lines[0], -1)
	var tb table
	for _, loc := range locs {
		tb.header = append(tb.header, lines[0][loc[0]:loc[1]])
	}
	for _, l := range lines[1:] {
		cells := make([]string, len(locs))
		for i, loc := range locs {
			start := loc[0]
			if start > len(l) {
				break
			}
			if start > 0 && l[start-1] != ' ' {
				t.Fatalf("row %q does not line up with the header at column %q:\n%s", l, tb.header[i], out)
			}
			end := len(l)
			if i+1 < len(locs) && locs[i+1][0] < end {
				end = locs[i+1][0]
			}
			cells[i] = strings.TrimSpace(l[start:end])
		}
		tb.rows = append(tb.rows, cells)
	}
	return tb
}

// row is the row whose first cell is name, nil if none.
func (tb table) row(name string) map[string]string {
	for _, r := range tb.rows {
		if r[0] == name {
			m := map[string]string{}
			for i, h := range tb.header {
				m[h] = r[i]
			}
			return m
		}
	}
	return nil
}

// requireTmux fails the test in CI when tmux is missing, and skips it
// elsewhere.
func requireTmux(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if testenv.CI() {
			t.Fatal("tmux is required in CI (scripts/test installs it)")
		}
		t.Skip("tmux not installed")
	}
}

// tmuxSession is one program running in a tmux server of the test's own.
type tmuxSession struct {
	t    *testing.T
	sock string
}

// newTmux starts command (a shell line) in a detached tmux session of
// width x height; t's cleanup kills the server.
func newTmux(t *testing.T, width, height int, command string) *tmuxSession {
	t.Helper()
	requireTmux(t)
	s := &tmuxSession{t: t, sock: filepath.Join(t.TempDir(), "tmux.sock")}
	out, err := exec.Command("tmux", "-S", s.sock, "-f", "/dev/null", "new-session", "-d",
		"-x", fmt.Sprint(width), "-y", fmt.Sprint(height), "-s", "lab", command).CombinedOutput()
	if err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "-S", s.sock, "kill-server").Run() })
	return s
}

// screen is what the pane shows now.
func (s *tmuxSession) screen() string {
	s.t.Helper()
	out, err := exec.Command("tmux", "-S", s.sock, "capture-pane", "-p", "-t", "lab").CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux capture-pane: %v\n%s", err, out)
	}
	return string(out)
}

// keys types keys into the pane (tmux send-keys: "Enter", "Escape" name keys).
func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	if out, err := exec.Command("tmux", append([]string{"-S", s.sock, "send-keys", "-t", "lab"}, keys...)...).CombinedOutput(); err != nil {
		s.t.Fatalf("tmux send-keys %q: %v\n%s", keys, err, out)
	}
}

// literal types text as it is (send-keys -l: no key names).
func (s *tmuxSession) literal(text string) {
	s.t.Helper()
	if out, err := exec.Command("tmux", "-S", s.sock, "send-keys", "-t", "lab", "-l", text).CombinedOutput(); err != nil {
		s.t.Fatalf("tmux send-keys -l %q: %v\n%s", text, err, out)
	}
}

// waitScreen waits until ok holds for the screen and returns it.
func (s *tmuxSession) waitScreen(timeout time.Duration, what string, ok func(string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		sc := s.screen()
		if ok(sc) {
			return sc
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %s within %s:\n%s", what, timeout, sc)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// alive reports whether the session's program still runs.
func (s *tmuxSession) alive() bool {
	return exec.Command("tmux", "-S", s.sock, "has-session", "-t", "lab").Run() == nil
}

// waitEnded waits for the session's program to end.
func (s *tmuxSession) waitEnded(timeout time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for s.alive() {
		if time.Now().After(deadline) {
			s.t.Fatalf("the program in tmux still runs after %s:\n%s", timeout, s.screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// hasLine reports whether screen has a line that is exactly want (trailing
// blanks aside): the output of a command, not the command line that typed it.
func hasLine(screen, want string) bool {
	for _, l := range strings.Split(screen, "\n") {
		if strings.TrimRight(l, " ") == want {
			return true
		}
	}
	return false
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// envLine is `env -i K=V... ` for a tmux command line: the program gets
// exactly env, nothing of the tmux server's.
func envLine(env []string) string {
	var b strings.Builder
	b.WriteString("env -i")
	for _, kv := range env {
		b.WriteString(" " + shellQuote(kv))
	}
	return b.String()
}
