package packcmd

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/podlab/podlab/lessons"
	"github.com/podlab/podlab/ui/cli/cmdenv"
)

func (pc *packs) packCommand() *cobra.Command {
	c := &cobra.Command{Use: "pack", Short: "Author lesson packs: validate, test, scaffold"}
	c.AddCommand(&cobra.Command{
		Use:   "validate DIR",
		Short: "Check a pack: schema, files, manifests, checks (every problem as file:line: message)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := Load(args[0])
			if err != nil {
				var probs lessons.Problems
				if errors.As(err, &probs) {
					for _, pr := range probs {
						fmt.Fprintln(pc.Stderr, pr.Error())
					}
					fmt.Fprintf(pc.Stderr, "%d problem(s)\n", len(probs))
					return &cmdenv.ExitError{Code: 1}
				}
				return err
			}
			fmt.Fprintf(pc.Stdout, "pack %s %s is valid: %s\n", p.Meta.ID, p.Meta.Version, chapters(len(p.Chapters)))
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
			fmt.Fprintf(pc.Stdout, "created a pack in %s; check it with: podlab pack validate %s\n", args[0], args[0])
			return nil
		},
	})
	c.AddCommand(&cobra.Command{
		Use:   "add DIR|ARCHIVE",
		Short: "Validate a pack and open it beside the built-in one from now on",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := Load(args[0])
			if err != nil {
				return err
			}
			home, err := pc.Home()
			if err != nil {
				return err
			}
			src, _ := filepath.Abs(args[0])
			srcs := lessons.AddedPacks(home.Dir)
			for _, s := range srcs {
				if s == src {
					fmt.Fprintf(pc.Stdout, "pack %s is already added\n", p.Meta.ID)
					return nil
				}
			}
			if err := lessons.SetAddedPacks(home.Dir, append(srcs, src)); err != nil {
				return err
			}
			fmt.Fprintf(pc.Stdout, "added pack %s (%s, %s)\n", p.Meta.ID, p.Meta.Title, chapters(len(p.Chapters)))
			return nil
		},
	})
	c.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the packs the app opens",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := pc.Home()
			if err != nil {
				return err
			}
			tw := cmdenv.NewTabWriter(pc.Stdout)
			fmt.Fprintln(tw, "ID\tVERSION\tCHAPTERS\tSOURCE")
			for _, src := range append([]string{"builtin"}, lessons.AddedPacks(home.Dir)...) {
				p, err := Load(src)
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
			home, err := pc.Home()
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
			p, err := Load(args[0])
			if err != nil {
				return err
			}
			cl, err := pc.Client(cmd)
			if err != nil {
				return err
			}
			failed := 0
			for _, ch := range p.Chapters {
				if err := pc.testChapter(cmd.Context(), cl, p, ch, timeout); err != nil {
					failed++
					fmt.Fprintf(pc.Stdout, "FAIL %s: %v\n", ch.Dir, err)
					continue
				}
				fmt.Fprintf(pc.Stdout, "ok   %s\n", ch.Dir)
			}
			fmt.Fprintf(pc.Stdout, "%d passed, %d failed\n", len(p.Chapters)-failed, failed)
			if failed > 0 {
				return &cmdenv.ExitError{Code: 1}
			}
			return nil
		},
	}
	test.Flags().DurationVar(&timeout, "timeout", 3*time.Minute, "how long a solution may take to meet every objective")
	c.AddCommand(test)
	return c
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
