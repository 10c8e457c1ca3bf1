package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/podlab/podlab/exercises"
	"github.com/podlab/podlab/lessons"
)

func (a *app) packCommand() *cobra.Command {
	c := &cobra.Command{Use: "pack", Short: "Author lesson packs: validate, test, scaffold"}
	c.AddCommand(&cobra.Command{
		Use:   "validate DIR",
		Short: "Check a pack: schema, files, manifests, checks (every problem as file:line: message)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := loadPack(args[0])
			if err != nil {
				var probs lessons.Problems
				if errors.As(err, &probs) {
					for _, pr := range probs {
						fmt.Fprintln(a.stderr, pr.Error())
					}
					fmt.Fprintf(a.stderr, "%d problem(s)\n", len(probs))
					return &exitError{code: 1}
				}
				return err
			}
			fmt.Fprintf(a.stdout, "pack %s %s is valid: %s\n", p.Meta.ID, p.Meta.Version, chapters(len(p.Chapters)))
			return nil
		},
	})
	c.AddCommand(&cobra.Command{
		Use:   "new DIR",
		Short: "Scaffold a pack with one chapter to start from",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := scaffold(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "created a pack in %s; check it with: podlab pack validate %s\n", args[0], args[0])
			return nil
		},
	})
	c.AddCommand(&cobra.Command{
		Use:   "add DIR|ARCHIVE",
		Short: "Validate a pack and open it beside the built-in one from now on",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := loadPack(args[0])
			if err != nil {
				return err
			}
			home, err := a.home()
			if err != nil {
				return err
			}
			src, _ := filepath.Abs(args[0])
			srcs := lessons.AddedPacks(home.Dir)
			for _, s := range srcs {
				if s == src {
					fmt.Fprintf(a.stdout, "pack %s is already added\n", p.Meta.ID)
					return nil
				}
			}
			if err := lessons.SetAddedPacks(home.Dir, append(srcs, src)); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "added pack %s (%s, %s)\n", p.Meta.ID, p.Meta.Title, chapters(len(p.Chapters)))
			return nil
		},
	})
	c.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the packs the app opens",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := a.home()
			if err != nil {
				return err
			}
			tw := newTabWriter(a.stdout)
			fmt.Fprintln(tw, "ID\tVERSION\tCHAPTERS\tSOURCE")
			for _, src := range append([]string{"builtin"}, lessons.AddedPacks(home.Dir)...) {
				p, err := loadPack(src)
				if err != nil {
					fmt.Fprintf(tw, "?\t?\t?\t%s (does not load: %v)\n", src, firstLine(err))
					continue
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", p.Meta.ID, p.Meta.Version, len(p.Chapters), src)
			}
			return tw.Flush()
		},
	})
	c.AddCommand(&cobra.Command{
		Use:   "remove SOURCE",
		Short: "Stop opening an added pack (its files are left alone)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			home, err := a.home()
			if err != nil {
				return err
			}
			src, _ := filepath.Abs(args[0])
			var keep []string
			for _, s := range lessons.AddedPacks(home.Dir) {
				if s != src {
					keep = append(keep, s)
				}
			}
			return lessons.SetAddedPacks(home.Dir, keep)
		},
	})
	var timeout time.Duration
	test := &cobra.Command{
		Use:   "test DIR",
		Short: "Replay every exercise on the lab: objectives start false, the solution makes them true",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := loadPack(args[0])
			if err != nil {
				return err
			}
			cl, err := a.client(cmd)
			if err != nil {
				return err
			}
			failed := 0
			for _, ch := range p.Chapters {
				if err := a.testChapter(cmd.Context(), cl, p, ch, timeout); err != nil {
					failed++
					fmt.Fprintf(a.stdout, "FAIL %s: %v\n", ch.Dir, err)
					continue
				}
				fmt.Fprintf(a.stdout, "ok   %s\n", ch.Dir)
			}
			fmt.Fprintf(a.stdout, "%d passed, %d failed\n", len(p.Chapters)-failed, failed)
			if failed > 0 {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	test.Flags().DurationVar(&timeout, "timeout", 3*time.Minute, "how long a solution may take to meet every objective")
	c.AddCommand(test)
	return c
}

// testChapter replays one exercise: clean slate, every objective false,
// solution applied, every objective true within the timeout, cleanup.
func (a *app) testChapter(ctx context.Context, cl clientIface, p *lessons.Pack, ch *lessons.Chapter, timeout time.Duration) error {
	a.cleanup(ctx, cl, ch)
	defer a.cleanup(ctx, cl, ch)
	ev := exercises.NewEvaluator(cl)
	for _, o := range ch.Exercise.Objectives {
		if ok, _ := ev.Eval(ctx, "before/"+o.ID, o.Check); ok {
			return fmt.Errorf("objective %s is already met before the solution", o.ID)
		}
	}
	if err := a.solve(ctx, cl, p, ch); err != nil {
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

func joinLines(lines []string) string {
	out := ""
	for _, l := range lines {
		out += l + "\n"
	}
	return out
}

// scaffold writes a one-chapter pack that validates.
func scaffold(dir string) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty", dir)
	}
	files := map[string]string{
		"pack.yaml":                     "id: my-pack\ntitle: My first pack\nversion: 0.1.0\nauthors: [me]\nlanguage: en\nminPodlab: 0.1.0\nchapters:\n- 01-hello\n",
		"01-hello/lesson.md":            "# Hello, Pod\n\nWrite the lesson here, in Markdown. Show the manifest, say what to run:\n\n    podlab apply -f manifests/hello.yaml\n",
		"01-hello/manifests/hello.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: hello\nspec:\n  containers:\n  - name: hello\n    image: busybox\n    command: [\"sh\", \"-c\", \"echo hello; sleep 3600\"]\n",
		"01-hello/exercise.yaml":        "title: Say hello\nobjectives:\n- id: running\n  text: The Pod hello is Running\n  check:\n    pod: {name: hello, phase: Running}\n- id: logs\n  text: It said hello\n  check:\n    logs: {pod: hello, match: hello}\nhints:\n- Apply manifests/hello.yaml.\nsolution:\n  manifests: [manifests/hello.yaml]\ncleanup:\n  delete:\n  - {kind: Pod, name: hello}\n",
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func firstLine(err error) string {
	s := err.Error()
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}

// chapters is "1 chapter", "11 chapters".
func chapters(n int) string {
	if n == 1 {
		return "1 chapter"
	}
	return fmt.Sprintf("%d chapters", n)
}
