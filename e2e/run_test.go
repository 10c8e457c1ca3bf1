package e2e

import (
	"strings"
	"testing"
)

// kubectl run -i --rm of a command that ends at once: its output shows
// (through the attach, or the logs when the container ended first), the
// pod is removed, and the exit code is the container's.
func TestRunInteractiveQuickCommand(t *testing.T) {
	l := newLab(t)
	for i, c := range []struct {
		script string
		code   int
	}{{"echo hi", 0}, {"echo hi; exit 3", 3}} {
		name := []string{"quick-ok", "quick-fail"}[i]
		out, errOut, code := l.runStdin("", "run", name, "-i", "--rm", "--restart=Never", "--image=busybox", "--", "sh", "-c", c.script)
		if code != c.code || !strings.Contains(out, "hi") || !strings.Contains(out, `pod "`+name+`" deleted`) {
			t.Fatalf("run %s: exit %d, want %d\nstdout: %s\nstderr: %s", name, code, c.code, out, errOut)
		}
	}
}
