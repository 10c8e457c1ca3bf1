package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/exercises"
	"github.com/podlab/podlab/lessons"
	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

// loadPack loads "builtin" or a pack directory.
func loadPack(src string) (*lessons.Pack, error) {
	if src == "" || src == "builtin" {
		return lessons.Builtin()
	}
	if strings.HasSuffix(src, ".zip") || strings.HasSuffix(src, ".tar.gz") || strings.HasSuffix(src, ".tgz") {
		return lessons.LoadArchive(src)
	}
	fi, err := os.Stat(src)
	if err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("pack %q: not a directory or archive (give a pack directory, a .tar.gz or .zip of one, or \"builtin\")", src)
	}
	return lessons.LoadDir(src)
}

// chapterOf finds a chapter by directory name, number ("3") or prefix.
func chapterOf(p *lessons.Pack, name string) (*lessons.Chapter, error) {
	for i, c := range p.Chapters {
		if c.Dir == name || fmt.Sprint(i+1) == name || strings.HasPrefix(c.Dir, name+"-") {
			return c, nil
		}
	}
	var dirs []string
	for _, c := range p.Chapters {
		dirs = append(dirs, c.Dir)
	}
	return nil, fmt.Errorf("no chapter %q in pack %s (chapters: %s)", name, p.Meta.ID, strings.Join(dirs, ", "))
}

// objectiveStates evaluates a chapter's objectives.
func objectiveStates(ctx context.Context, ev *exercises.Evaluator, c *lessons.Chapter) (met int, lines []string) {
	for _, o := range c.Exercise.Objectives {
		ok, why := ev.Eval(ctx, c.Dir+"/"+o.ID, o.Check)
		mark := "[ ]"
		if ok {
			mark = "[x]"
			met++
		}
		line := fmt.Sprintf("  %s %s", mark, o.Text)
		if !ok && why != "" {
			line += " — " + why
		}
		lines = append(lines, line)
	}
	return met, lines
}

// solve applies a chapter's setup and solution through the CLI itself: the
// pack's manifests via apply, its commands as podlab commands against the lab.
func (a *app) solve(ctx context.Context, cl client.Interface, p *lessons.Pack, c *lessons.Chapter) error {
	for _, steps := range []exercises.Steps{c.Exercise.Setup, c.Exercise.Solution} {
		for _, cmd := range steps.Commands {
			if len(cmd) > 0 && cmd[0] == "create" {
				if err := a.runPackCommand(ctx, cl, cmd, nil); err != nil {
					return err
				}
			}
		}
		for _, mf := range steps.Manifests {
			data, err := p.ReadFile(c.Dir + "/" + mf)
			if err != nil {
				return err
			}
			if err := a.runPackCommand(ctx, cl, []string{"apply", "-f", "-"}, data); err != nil {
				return err
			}
		}
		for _, cmd := range steps.Commands {
			if len(cmd) > 0 && cmd[0] != "create" {
				if err := a.runPackCommand(ctx, cl, cmd, nil); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// runPackCommand runs one podlab command for a pack, retrying for a while:
// a command may need a Pod that is still starting.
func (a *app) runPackCommand(ctx context.Context, cl client.Interface, args []string, stdin []byte) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		code, out := a.runOn(ctx, cl, args, stdin)
		if code == 0 || strings.Contains(out, "AlreadyExists") {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("podlab %s: %s", strings.Join(args, " "), strings.TrimSpace(out))
		}
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// cleanup deletes what the exercise names, waiting until it is gone.
func (a *app) cleanup(ctx context.Context, cl client.Interface, c *lessons.Chapter) {
	for _, ref := range c.Exercise.Cleanup.Delete {
		res, ok := api.Lookup(ref.Kind)
		if !ok {
			continue
		}
		ns := ref.Namespace
		if ns == "" && res.Namespaced {
			ns = "default"
		}
		if obj, err := cl.Delete(ctx, res, ns, ref.Name, metav1.DeleteOptions{}); err == nil {
			waitGone(ctx, cl, res, ns, ref.Name, string(obj.GetUID()))
		}
	}
	for _, cmd := range c.Exercise.Cleanup.Commands {
		// Once, without retries: a command with nothing left to undo fails, and that is fine.
		a.runOn(ctx, cl, cmd, nil)
	}
}

func (a *app) exerciseCommand() *cobra.Command {
	var packSrc, chapter string
	var watch bool
	c := &cobra.Command{Use: "exercise", Short: "Check, solve or reset a lesson's exercise (headless)"}
	c.PersistentFlags().StringVar(&packSrc, "pack", "builtin", "the pack: \"builtin\" or a pack directory")
	c.PersistentFlags().StringVar(&chapter, "chapter", "", "the chapter (directory name or number); default: the current one")
	current := func() (*lessons.Pack, *lessons.Chapter, error) {
		p, err := loadPack(packSrc)
		if err != nil {
			return nil, nil, err
		}
		name := chapter
		if name == "" {
			home, err := a.home()
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
	withExercise := func(fn func(cmd *cobra.Command, cl clientIface, p *lessons.Pack, ch *lessons.Chapter) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, _ []string) error {
			p, ch, err := current()
			if err != nil {
				return err
			}
			cl, err := a.client(cmd)
			if err != nil {
				return err
			}
			return fn(cmd, cl, p, ch)
		}
	}
	check := &cobra.Command{
		Use:   "check",
		Short: "Print the current exercise's objectives and whether each is met (exit 0 when all are)",
		RunE: withExercise(func(cmd *cobra.Command, cl clientIface, p *lessons.Pack, ch *lessons.Chapter) error {
			ev := exercises.NewEvaluator(cl)
			for {
				met, lines := objectiveStates(cmd.Context(), ev, ch)
				fmt.Fprintf(a.stdout, "%s: %s\n%s\n%d/%d objectives met\n", ch.Dir, ch.Exercise.Title, strings.Join(lines, "\n"), met, len(lines))
				if met == len(lines) {
					a.markDone(p, ch)
					return nil
				}
				if !watch {
					return &exitError{code: 1}
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
		RunE: withExercise(func(cmd *cobra.Command, cl clientIface, p *lessons.Pack, ch *lessons.Chapter) error {
			if err := a.solve(cmd.Context(), cl, p, ch); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "applied the solution of %s\n", ch.Dir)
			return nil
		}),
	}
	reset := &cobra.Command{
		Use:   "reset",
		Short: "Remove the objects the exercise names",
		RunE: withExercise(func(cmd *cobra.Command, cl clientIface, _ *lessons.Pack, ch *lessons.Chapter) error {
			a.cleanup(cmd.Context(), cl, ch)
			fmt.Fprintf(a.stdout, "reset %s\n", ch.Dir)
			return nil
		}),
	}
	c.AddCommand(check, solve, reset)
	return c
}

func (a *app) markDone(p *lessons.Pack, ch *lessons.Chapter) {
	home, err := a.home()
	if err != nil {
		return
	}
	prog, _ := lessons.LoadProgress(home.Dir)
	prog.Done[lessons.Key(p, ch)] = true
	prog.Save(home.Dir)
}
