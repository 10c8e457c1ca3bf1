package box

import (
	"context"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

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
