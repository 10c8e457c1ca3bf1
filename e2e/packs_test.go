package e2e

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Every exercise of the built-in pack is replayed on the real engine:
// objectives false before, the solution makes all of them true.
// It replays every chapter in turn, longer than l.run's two minutes allow.
func TestBuiltinPackExercisesSolve(t *testing.T) {
	l := newLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, l.bin, "pack", "test", "builtin")
	cmd.Env = l.env()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("pack test failed (%v):\n%s\n%s", err, out.String(), errOut.String())
	}
	mustContain(t, "pack test", out.String(), "21 passed, 0 failed")
}

// The headless runner: check reports unmet objectives (exit 1), solve
// applies the solution, check then reports all met (exit 0).
func TestExerciseCheckAndSolve(t *testing.T) {
	l := newLab(t)
	out, _, code := l.run("exercise", "check", "--chapter", "1")
	if code != 1 || !strings.Contains(out, "[ ] A Pod named hello is Running and Ready") || !strings.Contains(out, "0/2 objectives met") {
		t.Fatalf("check before: exit %d\n%s", code, out)
	}
	l.mustRun("exercise", "solve", "--chapter", "01-first-pod")
	out, _, code = l.run("exercise", "check", "--chapter", "1", "--watch")
	if code != 0 || !strings.Contains(out, "2/2 objectives met") {
		t.Fatalf("check after solve: exit %d\n%s", code, out)
	}
}

// The example pack in docs/ is proven on the engine too.
func TestExamplePackSolves(t *testing.T) {
	l := newLab(t)
	out, errOut, code := l.run("pack", "test", "../docs/example-pack")
	if code != 0 {
		t.Fatalf("pack test of the example pack failed (exit %d):\n%s\n%s", code, out, errOut)
	}
	mustContain(t, "pack test", out, "1 passed, 0 failed")
}
