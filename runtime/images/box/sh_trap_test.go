package box

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets tests start applets as processes of their own: the test
// binary, run with BOX_TEST_APPLET=1, acts as the applet named by argv[0].
func TestMain(m *testing.M) {
	if os.Getenv("BOX_TEST_APPLET") == "1" {
		if applet, ok := Lookup(os.Args[0]); ok {
			os.Exit(applet(os.Args))
		}
		os.Exit(127)
	}
	os.Exit(m.Run())
}

// startApplet starts argv as a process (in a process group of its own,
// killed at the end of the test) whose PATH holds only the box's sleep.
func startApplet(t *testing.T, argv ...string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.Symlink(self, filepath.Join(bin, "sleep")); err != nil {
		t.Fatal(err)
	}
	cmd := &exec.Cmd{Path: self, Args: argv, Env: append(os.Environ(), "BOX_TEST_APPLET=1", "PATH="+bin)}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	return cmd, bufio.NewReader(out)
}

func TestShellTrapEndsAWaitForBackgroundJobs(t *testing.T) {
	for script, want := range map[string]string{
		`trap 'echo got TERM; exit 143' TERM; sleep 3600 >/dev/null & echo ready; wait`:       "got TERM\n",
		`trap 'echo got TERM' TERM; sleep 3600 >/dev/null & echo ready; wait; echo "wait $?"`: "got TERM\nwait 143\n",
		`trap 'echo got TERM; exit 143' TERM; echo ready; while true; do sleep 1; done`:       "got TERM\n",
	} {
		cmd, out := startApplet(t, "sh", "-c", script)
		if line, err := out.ReadString('\n'); line != "ready\n" {
			t.Fatalf("%s: first line %q, %v", script, line, err)
		}
		time.Sleep(100 * time.Millisecond) // let the shell block in wait (or sleep)
		start := time.Now()
		cmd.Process.Signal(syscall.SIGTERM)
		// The shell's output ends when it exits (its job has none).
		done := make(chan []byte, 1)
		go func() { b, _ := io.ReadAll(out); done <- b }()
		var rest []byte
		select {
		case rest = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: still running 5s after SIGTERM", script)
		}
		err := cmd.Wait()
		if string(rest) != want || time.Since(start) > 3*time.Second {
			t.Errorf("%s: after SIGTERM printed %q in %v, want %q", script, rest, time.Since(start), want)
		}
		if code := cmd.ProcessState.ExitCode(); strings.Contains(script, "exit 143") && code != 143 || !strings.Contains(script, "exit 143") && code != 0 {
			t.Errorf("%s: exit code %d (%v)", script, code, err)
		}
	}
}

func TestShellWaitStillWaitsForJobs(t *testing.T) {
	out, code := capture(t, "", "sh", "-c", `x=0; (x=1; exit 3) & true & wait; echo "all $? $x"; (exit 4) & wait g3; echo "one $?"`)
	if out != "all 0 0\none 4\n" || code != 0 {
		t.Fatalf("wait: %q exit %d", out, code)
	}
}

func TestShellTrapRunsBeforeTheNextCommand(t *testing.T) {
	tr := newShellTraps()
	if got, _ := tr.call(context.Background(), []string{"trap", "echo got TERM; exit 143", "SIGTERM", "EXIT"}); !reflect.DeepEqual(got, []string{"trap", "echo got TERM; exit 143", "EXIT"}) {
		t.Fatalf("trap TERM EXIT became %q: EXIT belongs to the interpreter", got)
	}
	defer tr.call(context.Background(), []string{"trap", "-", "15"})
	if got, _ := tr.call(context.Background(), []string{"echo", "it's"}); !reflect.DeepEqual(got, []string{"echo", "it's"}) {
		t.Fatalf("no signal yet, but the command became %q", got)
	}
	tr.mu.Lock()
	tr.pending = append(tr.pending, syscall.SIGTERM)
	tr.mu.Unlock()
	got, _ := tr.call(context.Background(), []string{"echo", "it's"})
	if len(got) != 2 || got[0] != "eval" || !strings.HasPrefix(got[1], "echo got TERM; exit 143\n") || !strings.HasSuffix(got[1], "echo 'it'\"'\"'s'") && !strings.HasSuffix(got[1], `echo "it's"`) {
		t.Fatalf("after SIGTERM the command became %q, want the action, then the command quoted", got)
	}
	if got, _ := tr.call(context.Background(), []string{"kill", "-0", "1"}); got[0] != "/bin/kill" {
		t.Fatalf("kill is not sent to the applet: %q", got)
	}
}
