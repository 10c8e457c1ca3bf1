package e2e

import (
	"strings"
	"testing"
)

// Every exercise of the built-in pack is replayed on the real engine:
// objectives false before, the solution makes all of them true.
func TestBuiltinPackExercisesSolve(t *testing.T) {
	l := newLab(t)
	out, errOut, code := l.run("pack", "test", "builtin")
	if code != 0 {
		t.Fatalf("pack test failed (exit %d):\n%s\n%s", code, out, errOut)
	}
	mustContain(t, "pack test", out, "16 passed, 0 failed")
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
