package packcmd

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/podlab/podlab/exercises"
	"github.com/podlab/podlab/lessons"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/ui/cli/cmdenv"
)

func (pc *packs) exerciseCommand() *cobra.Command {
	var packSrc, chapter string
	var watch bool
	c := &cobra.Command{Use: "exercise", Short: "Check, solve or reset a lesson's exercise (headless)"}
	c.PersistentFlags().StringVar(&packSrc, "pack", "builtin", "the pack: \"builtin\" or a pack directory")
	c.PersistentFlags().StringVar(&chapter, "chapter", "", "the chapter (directory name or number); default: the current one")
	current := func() (*lessons.Pack, *lessons.Chapter, error) {
		p, err := Load(packSrc)
		if err != nil {
			return nil, nil, err
		}
		name := chapter
		if name == "" {
			home, err := pc.Home()
			if err != nil {
				return nil, nil, err
			}
			prog, _ := lessons.LoadProgress(home.Dir)
			if _, ch, ok := strings.Cut(prog.Current, "/"); ok {
				name = ch
			} else {
				name = p.Chapters[0].Dir
			}
		}
		ch, err := chapterOf(p, name)
		return p, ch, err
	}
	// withExercise runs fn on the current exercise with a client of the lab.
	withExercise := func(fn func(cmd *cobra.Command, cl client.Interface, p *lessons.Pack, ch *lessons.Chapter) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, _ []string) error {
			p, ch, err := current()
			if err != nil {
				return err
			}
			cl, err := pc.Client(cmd)
			if err != nil {
				return err
			}
			return fn(cmd, cl, p, ch)
		}
	}
	check := &cobra.Command{
		Use:   "check",
		Short: "Print the current exercise's objectives and whether each is met (exit 0 when all are)",
		RunE: withExercise(func(cmd *cobra.Command, cl client.Interface, p *lessons.Pack, ch *lessons.Chapter) error {
			ev := exercises.NewEvaluator(cl)
			for {
				met, lines := objectiveStates(cmd.Context(), ev, ch)
				fmt.Fprintf(pc.Stdout, "%s: %s\n%s\n%d/%d objectives met\n", ch.Dir, ch.Exercise.Title, strings.Join(lines, "\n"), met, len(lines))
				if met == len(lines) {
					pc.markDone(p, ch)
					return nil
				}
				if !watch {
					return &cmdenv.ExitError{Code: 1}
				}
				select {
				case <-cmd.Context().Done():
					return nil
				case <-time.After(2 * time.Second):
				}
			}
		}),
	}
	check.Flags().BoolVarP(&watch, "watch", "w", false, "keep checking until every objective is met")
	solve := &cobra.Command{
		Use:   "solve",
		Short: "Apply the exercise's solution to the lab",
		RunE: withExercise(func(cmd *cobra.Command, cl client.Interface, p *lessons.Pack, ch *lessons.Chapter) error {
			if err := pc.solve(cmd.Context(), cl, p, ch); err != nil {
				return err
			}
			fmt.Fprintf(pc.Stdout, "applied the solution of %s\n", ch.Dir)
			return nil
		}),
	}
	reset := &cobra.Command{
		Use:   "reset",
		Short: "Remove the objects the exercise names",
		RunE: withExercise(func(cmd *cobra.Command, cl client.Interface, _ *lessons.Pack, ch *lessons.Chapter) error {
			pc.cleanup(cmd.Context(), cl, ch)
			fmt.Fprintf(pc.Stdout, "reset %s\n", ch.Dir)
			return nil
		}),
	}
	c.AddCommand(check, solve, reset)
	return c
}

func (pc *packs) markDone(p *lessons.Pack, ch *lessons.Chapter) {
	home, err := pc.Home()
	if err != nil {
		return
	}
	prog, _ := lessons.LoadProgress(home.Dir)
	prog.Done[lessons.Key(p, ch)] = true
	prog.Save(home.Dir)
}
