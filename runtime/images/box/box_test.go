package box

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// capture runs an applet in-process and returns its stdout and exit code.
func capture(t *testing.T, stdin string, argv ...string) (string, int) {
	t.Helper()
	applet, ok := Lookup(argv[0])
	if !ok {
		t.Fatalf("no applet %s", argv[0])
	}
	r, w, _ := os.Pipe()
	in, inW, _ := os.Pipe()
	oldOut, oldIn := os.Stdout, os.Stdin
	os.Stdout, os.Stdin = w, in
	go func() { io.WriteString(inW, stdin); inW.Close() }()
	code := applet(argv)
	w.Close()
	os.Stdout, os.Stdin = oldOut, oldIn
	var buf bytes.Buffer
	io.Copy(&buf, r)
	return buf.String(), code
}

func TestShellBuiltinsAndExitCodes(t *testing.T) {
	out, code := capture(t, "", "sh", "-c", `x=3; if [ $x -gt 2 ]; then echo big; fi; for i in a b; do printf "%s-" $i; done; echo; exit 4`)
	if out != "big\na-b-\n" || code != 4 {
		t.Fatalf("sh -c: %q exit %d", out, code)
	}
	out, code = capture(t, "echo from-stdin; false", "sh")
	if out != "from-stdin\n" || code != 1 {
		t.Fatalf("sh reading a script on stdin: %q exit %d", out, code)
	}
	out, _ = capture(t, "", "sh", "-c", `echo "$0 $1 $2"`, "name", "a1", "a2")
	if out != "name a1 a2\n" {
		t.Fatalf("positional parameters: %q", out)
	}
}

func TestFileUtilities(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "healthy")
	if _, code := capture(t, "", "touch", f); code != 0 {
		t.Fatal("touch failed")
	}
	if out, _ := capture(t, "", "ls", dir); out != "healthy\n" {
		t.Fatalf("ls = %q", out)
	}
	os.WriteFile(f, []byte("one\ntwo\nthree\n"), 0o644)
	if out, _ := capture(t, "", "cat", f); out != "one\ntwo\nthree\n" {
		t.Fatalf("cat = %q", out)
	}
	if out, code := capture(t, "", "grep", "-n", "t", f); out != "2:two\n3:three\n" || code != 0 {
		t.Fatalf("grep = %q %d", out, code)
	}
	if _, code := capture(t, "", "grep", "-q", "nothing", f); code != 1 {
		t.Fatalf("grep miss exit %d, want 1", code)
	}
	if out, _ := capture(t, "", "tail", "-n", "1", f); out != "three\n" {
		t.Fatalf("tail = %q", out)
	}
	if out, _ := capture(t, "", "wc", "-l", f); !strings.HasPrefix(strings.TrimSpace(out), "3") {
		t.Fatalf("wc -l = %q", out)
	}
	if _, code := capture(t, "", "rm", "-rf", dir); code != 0 {
		t.Fatal("rm -rf failed")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatal("rm -rf left the directory")
	}
	if _, code := capture(t, "", "cat", f); code != 1 {
		t.Fatalf("cat of a missing file exit %d, want 1", code)
	}
}

func TestPsListsProcesses(t *testing.T) {
	out, _ := capture(t, "", "ps")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "PID   USER     TIME  COMMAND" || len(lines) < 2 {
		t.Fatalf("ps:\n%s", out)
	}
	self := strings.Contains(out, filepath.Base(os.Args[0]))
	if !self {
		t.Fatalf("ps does not list the test process:\n%s", out)
	}
}

func TestSleepParsesDurations(t *testing.T) {
	if _, code := capture(t, "", "sleep", "0.01"); code != 0 {
		t.Fatal("sleep 0.01 failed")
	}
	if _, code := capture(t, "", "sleep", "abc"); code != 1 {
		t.Fatal("sleep abc did not fail")
	}
}
