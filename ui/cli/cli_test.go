package cli

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/ui/cli/cmdenv"
	"github.com/podlab/podlab/ui/cli/internal/clitest"
)

// podlabRoot is the whole command line, as Main runs it.
func podlabRoot(env *cmdenv.Env) *cobra.Command { return (&app{env: env}).rootCommand() }

func TestCompletionScripts(t *testing.T) {
	h := clitest.New(t, podlabRoot)
	for _, shell := range []string{"bash", "zsh", "fish"} {
		out, _, code := h.Run("", "completion", shell)
		if code != 0 || !strings.Contains(out, "podlab") || len(out) < 500 {
			t.Fatalf("%s completion: exit %d, %d bytes", shell, code, len(out))
		}
	}
}

// A pack's solution runs through the whole command line, in-process: its
// manifests via apply, its commands as podlab commands.
func TestExerciseSolveRunsThePacksCommandsInProcess(t *testing.T) {
	h := clitest.New(t, podlabRoot)
	if out, errOut, code := h.Run("", "exercise", "solve", "--chapter", "2"); code != 0 || out != "applied the solution of 02-labels-and-namespaces\n" {
		t.Fatalf("exercise solve: %d %q %q", code, out, errOut)
	}
	o, err := h.St.Get(api.Pods, "team-a", "web")
	if err != nil {
		t.Fatal(err)
	}
	if o.GetLabels()["tier"] != "frontend" {
		t.Fatalf("the solution's label command did not run: labels %v", o.GetLabels())
	}
}
