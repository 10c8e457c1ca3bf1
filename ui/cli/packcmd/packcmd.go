// Package packcmd is the lesson packs on the command line: authoring them
// (pack new, validate, test), choosing the ones the app opens (pack add,
// list, remove), and working a lesson's exercise headless (exercise check,
// solve, reset). A pack's setup, solution and cleanup run as podlab command
// lines, in-process.
package packcmd

import (
	"github.com/spf13/cobra"

	"github.com/podlab/podlab/ui/cli/cmdenv"
)

// packs builds the pack and exercise commands; they run in its Env, and a
// pack's own commands through runOn.
type packs struct {
	*cmdenv.Env
	runOn cmdenv.InProcess
}

// Commands builds the exercise and pack commands to run in env; runOn runs
// a pack's command lines.
func Commands(env *cmdenv.Env, runOn cmdenv.InProcess) []*cobra.Command {
	pc := &packs{Env: env, runOn: runOn}
	return []*cobra.Command{pc.exerciseCommand(), pc.packCommand()}
}
