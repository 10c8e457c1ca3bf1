package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/podlab/podlab/internal/testenv"
)

// tmux runs a tmux command against the test's own server socket.
func tmux(t *testing.T, sock string, args ...string) string {
	t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", sock}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// `podlab exec -it` gives a real terminal: an interactive shell in the pod,
// driven through tmux like a learner's keyboard.
func TestExecInteractiveShellInATerminal(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		if testenv.CI() {
			t.Fatal("tmux is required in CI (scripts/test installs it)")
		}
		t.Skip("tmux not installed")
	}
	l := newLab(t)
	l.apply("sleeper.yaml", sleeperPod)
	l.waitRunning("sleeper")
	sock := t.TempDir() + "/tmux.sock"
	env := []string{"PODLAB_HOME=" + l.home, "PODLAB_TIME_SCALE=" + timeScale}
	cmd := "env " + strings.Join(env, " ") + " " + l.bin + " exec -it sleeper -- sh"
	tmux(t, sock, "new-session", "-d", "-x", "100", "-y", "30", "-s", "podlab", cmd)
	t.Cleanup(func() { exec.Command("tmux", "-S", sock, "kill-server").Run() })

	screen := func() string { return tmux(t, sock, "capture-pane", "-p", "-t", "podlab") }
	waitScreen := func(want string) string {
		deadline := time.Now().Add(20 * time.Second)
		for {
			s := screen()
			if strings.Contains(s, want) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("screen never showed %q:\n%s", want, s)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitScreen("/ #")
	tmux(t, sock, "send-keys", "-t", "podlab", "echo answer=$((6*7)); hostname", "Enter")
	s := waitScreen("answer=42")
	if !strings.Contains(s, "sleeper") {
		t.Fatalf("hostname inside the pod is not the pod's name:\n%s", s)
	}
	tmux(t, sock, "send-keys", "-t", "podlab", "exit", "Enter")
}

// `podlab get pods -w` prints the table, then a row per change.
func TestGetPodsWatch(t *testing.T) {
	l := newLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, l.bin, "get", "pods", "-w")
	cmd.Env = l.env()
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	l.apply("sleeper.yaml", sleeperPod)
	l.waitRunning("sleeper")
	time.Sleep(500 * time.Millisecond)
	cancel()
	cmd.Wait()
	text := out.String()
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if !strings.HasPrefix(lines[0], "NAME") || len(lines) < 3 {
		t.Fatalf("watch output:\n%s", text)
	}
	if !strings.Contains(text, "Pending") && !strings.Contains(text, "ContainerCreating") {
		t.Fatalf("watch never showed the pod starting:\n%s", text)
	}
	if !strings.Contains(lines[len(lines)-1], "Running") {
		t.Fatalf("last watch row is not Running:\n%s", text)
	}
}

// The seeds' `kubectl attach -it` to a shell container started with stdin and tty.
func TestAttachToShellContainer(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		if testenv.CI() {
			t.Fatal("tmux is required in CI (scripts/test installs it)")
		}
		t.Skip("tmux not installed")
	}
	l := newLab(t)
	l.apply("attach.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: nginx}
spec:
  shareProcessNamespace: true
  containers:
  - name: nginx
    image: nginx
  - name: shell
    image: busybox
    stdin: true
    tty: true
`)
	l.waitRunning("nginx")
	sock := t.TempDir() + "/tmux.sock"
	cmd := "env PODLAB_HOME=" + l.home + " " + l.bin + " attach -it nginx -c shell"
	tmux(t, sock, "new-session", "-d", "-x", "100", "-y", "30", "-s", "podlab", cmd)
	t.Cleanup(func() { exec.Command("tmux", "-S", sock, "kill-server").Run() })
	time.Sleep(500 * time.Millisecond)
	tmux(t, sock, "send-keys", "-t", "podlab", "echo attached=$((2*21))", "Enter")
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := tmux(t, sock, "capture-pane", "-p", "-t", "podlab")
		if strings.Contains(s, "attached=42") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("attached shell never answered:\n%s", s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The terminal app, as a first-time learner uses it: run the real binary in
// tmux, open the first chapter, apply its manifest, see the Pod reach
// Running, watch the first objective tick, look at the Pod's anatomy, run a
// command from the command bar, quit.
func TestTUIFirstExercise(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		if testenv.CI() {
			t.Fatal("tmux is required in CI (scripts/test installs it)")
		}
		t.Skip("tmux not installed")
	}
	l := newLab(t)
	sock := t.TempDir() + "/tmux.sock"
	cmd := "env PODLAB_HOME=" + l.home + " PODLAB_TIME_SCALE=" + timeScale + " TERM=xterm-256color " + l.bin
	tmux(t, sock, "new-session", "-d", "-x", "100", "-y", "32", "-s", "podlab", cmd)
	t.Cleanup(func() { exec.Command("tmux", "-S", sock, "kill-server").Run() })
	waitScreen := func(want string) string {
		deadline := time.Now().Add(45 * time.Second)
		for {
			s := tmux(t, sock, "capture-pane", "-p", "-t", "podlab")
			if strings.Contains(s, want) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("the TUI never showed %q:\n%s", want, s)
			}
			time.Sleep(150 * time.Millisecond)
		}
	}
	keys := func(k ...string) { tmux(t, sock, append([]string{"send-keys", "-t", "podlab"}, k...)...) }
	waitScreen("1. Your first Pod")

	// In an 80×24 terminal the chapters scroll between the title and the
	// footer, which stays on the last row; G goes to the last chapter.
	lastRow := func(s string) string {
		rows := strings.Split(strings.TrimRight(s, "\n"), "\n")
		return strings.TrimSpace(rows[len(rows)-1])
	}
	tmux(t, sock, "resize-window", "-t", "podlab", "-x", "80", "-y", "24")
	if s := waitScreen("↓ 1 more"); lastRow(s) != "enter open · w workspace · ? help · q quit" {
		t.Fatalf("the footer is not on the last row at 80×24:\n%s", s)
	}
	keys("G")
	if s := waitScreen("21/21"); !strings.Contains(s, "21. DaemonSets") || strings.Contains(s, "1. Your first Pod") || lastRow(s) != "enter open · w workspace · ? help · q quit" {
		t.Fatalf("the list did not scroll to the last chapter:\n%s", s)
	}
	keys("g")
	waitScreen(" 1/21") // not 21/21
	tmux(t, sock, "resize-window", "-t", "podlab", "-x", "100", "-y", "32")
	waitScreen("21. DaemonSets")
	keys("Enter")
	waitScreen("exercise · Run your first Pod")
	keys("A")
	waitScreen("[✓] A Pod named hello is Running and Ready")
	waitScreen("[✓] Its logs say hello")
	keys("w")
	waitScreen("Running")
	keys("a")
	waitScreen("pause (sandbox)")
	keys(":", "get nodes", "Enter")
	waitScreen("node-1")

	// Back to the chapters, on to liveness probes: the probe-driven restart
	// shows in the table and on the container's timeline.
	keys("w")
	waitScreen("exercise · Run your first Pod")
	keys("Escape")
	waitScreen("enter open · w workspace")
	keys("j", "j", "j", "j", "j", "j", "Enter")
	waitScreen("exercise ·")
	keys("A")
	// The apply's output lands in the detail pane when it ends: wait for it,
	// or it would take the pane back from the timeline chosen below.
	waitScreen("pod/liveness-exec created")
	keys("w")
	waitScreen("liveness-exec")
	keys("Down", "t")
	waitScreen("pod/liveness-exec")
	waitScreen("↻ restarted")
	// The container's row of the timeline carries the probe failures and the kill.
	killed := regexp.MustCompile(`(?m)^liveness\s.*!.*✖`)
	for deadline := time.Now().Add(45 * time.Second); ; time.Sleep(150 * time.Millisecond) {
		s := tmux(t, sock, "capture-pane", "-p", "-t", "podlab")
		if killed.MatchString(s) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the timeline never showed the liveness kill:\n%s", s)
		}
	}
	keys("q")
	progress, err := os.ReadFile(filepath.Join(l.home, "progress.json"))
	if err != nil || !strings.Contains(string(progress), `"podlab-basics/01-first-pod": true`) {
		t.Fatalf("progress not saved as done: %s %v", progress, err)
	}
}
