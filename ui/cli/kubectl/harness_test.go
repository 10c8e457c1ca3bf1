package kubectl

import (
	"slices"
	"testing"

	"github.com/spf13/cobra"

	"github.com/podlab/podlab/ui/cli/cmdenv"
	"github.com/podlab/podlab/ui/cli/internal/clitest"
)

// harness runs kubectl's verbs against a test lab; the run tests add to it.
type harness struct{ *clitest.Harness }

func newHarness(t *testing.T) *harness { return &harness{clitest.New(t, verbsRoot)} }

// verbsRoot is podlab with kubectl's verbs only.
func verbsRoot(env *cmdenv.Env) *cobra.Command {
	v := Commands(env)
	return clitest.Root(env, slices.Concat(v.Basic, v.Deploy, v.Debug, v.Cluster, v.Other)...)
}
