package packcmd

import (
	"context"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/exercises"
	"github.com/podlab/podlab/lessons"
	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/ui/cli/kubectl"
)

// solve applies a chapter's setup and solution through the CLI itself: the
// pack's manifests via apply, its commands as podlab commands against the lab.
func (pc *packs) solve(ctx context.Context, cl client.Interface, p *lessons.Pack, c *lessons.Chapter) error {
	for _, steps := range []exercises.Steps{c.Exercise.Setup, c.Exercise.Solution} {
		for _, cmd := range steps.Commands {
			if len(cmd) > 0 && cmd[0] == "create" {
				if err := pc.runPackCommand(ctx, cl, cmd, nil); err != nil {
					return err
				}
			}
		}
		for _, mf := range steps.Manifests {
			data, err := p.ReadFile(c.Dir + "/" + mf)
			if err != nil {
				return err
			}
			if err := pc.runPackCommand(ctx, cl, []string{"apply", "-f", "-"}, data); err != nil {
				return err
			}
		}
		for _, cmd := range steps.Commands {
			if len(cmd) > 0 && cmd[0] != "create" {
				if err := pc.runPackCommand(ctx, cl, cmd, nil); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// runPackCommand runs one podlab command for a pack, retrying for a while:
// a command may need a Pod that is still starting.
func (pc *packs) runPackCommand(ctx context.Context, cl client.Interface, args []string, stdin []byte) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		code, out := pc.runOn(ctx, cl, args, stdin)
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
func (pc *packs) cleanup(ctx context.Context, cl client.Interface, c *lessons.Chapter) {
	for _, ref := range c.Exercise.Cleanup.Delete {
		res, ok := api.Lookup(ref.Kind)
		if !ok {
			continue
		}
		ns := ref.Namespace
		if ns == "" && res.Namespaced {
			ns = "default"
		}
		// In the background, as kubectl deletes (a job's or RC's pods would
		// otherwise be orphaned, and the job wait on a garbage collector).
		// A server that answers with a status only has removed it already.
		background := metav1.DeletePropagationBackground
		if obj, err := cl.Delete(ctx, res, ns, ref.Name, metav1.DeleteOptions{PropagationPolicy: &background}); err == nil && obj != nil {
			kubectl.WaitGone(ctx, cl, res, ns, ref.Name, string(obj.GetUID()))
		}
	}
	for _, cmd := range c.Exercise.Cleanup.Commands {
		// Once, without retries: a command with nothing left to undo fails, and that is fine.
		pc.runOn(ctx, cl, cmd, nil)
	}
}

// testChapter replays one exercise: clean slate, every objective false,
// solution applied, every objective true within the timeout, cleanup.
func (pc *packs) testChapter(ctx context.Context, cl client.Interface, p *lessons.Pack, ch *lessons.Chapter, timeout time.Duration) error {
	pc.cleanup(ctx, cl, ch)
	defer pc.cleanup(ctx, cl, ch)
	ev := exercises.NewEvaluator(cl)
	for _, o := range ch.Exercise.Objectives {
		if ok, _ := ev.Eval(ctx, "before/"+o.ID, o.Check); ok {
			return fmt.Errorf("objective %s is already met before the solution", o.ID)
		}
	}
	if err := pc.solve(ctx, cl, p, ch); err != nil {
		return fmt.Errorf("solution: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		met, lines := objectiveStates(ctx, ev, ch)
		if met == len(lines) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %s only %d/%d objectives met:\n%s", timeout, met, len(lines), joinLines(lines))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
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

func joinLines(lines []string) string {
	out := ""
	for _, l := range lines {
		out += l + "\n"
	}
	return out
}
