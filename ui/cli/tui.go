package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	"k8s.io/klog/v2"

	"github.com/podlab/podlab/lessons"
	"github.com/podlab/podlab/ui/cli/packcmd"
	"github.com/podlab/podlab/ui/tui"
)

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// runTUI opens the terminal app on the lab (starting the control plane if needed).
func (a *app) runTUI(cmd *cobra.Command) error {
	cl, err := a.env.Client(cmd)
	if err != nil {
		return err
	}
	// client-go logs through klog to stderr, which would tear the app's
	// screen: while it runs, those lines go nowhere.
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
	exe, _ := os.Executable()
	learning, err := a.learning()
	if err != nil {
		return err
	}
	return tui.Run(cmd.Context(), tui.Options{
		Client: cl, Namespace: a.env.NS(), Program: exe, Learning: learning,
		Run: func(ctx context.Context, args []string, stdin []byte) string {
			_, out := a.runOn(ctx, cl, args, stdin)
			return out
		},
	})
}

// learning loads the packs the app opens — --pack first if given, the
// built-in one, then those added with "pack add" — and the learner's
// progress and language.
func (a *app) learning() (*tui.Learning, error) {
	home, err := a.env.Home()
	if err != nil {
		return nil, err
	}
	srcs := []string{"builtin"}
	if a.pack != "" && a.pack != "builtin" {
		srcs = append([]string{a.pack}, srcs...)
	}
	srcs = append(srcs, lessons.AddedPacks(home.Dir)...)
	var packs []*lessons.Pack
	seen := map[string]bool{}
	for _, src := range srcs {
		p, err := packcmd.Load(src)
		if err != nil {
			if src == a.pack {
				return nil, err // the pack asked for on the command line must load
			}
			fmt.Fprintf(a.env.Stderr, "podlab: skipping pack %s: %v\n", src, err)
			continue
		}
		if !seen[p.Meta.ID] {
			seen[p.Meta.ID] = true
			packs = append(packs, p)
		}
	}
	prog, _ := lessons.LoadProgress(home.Dir)
	return &tui.Learning{Packs: packs, Lang: language(a.lang), Progress: prog,
		SaveProgress: func(p lessons.Progress) { p.Save(home.Dir) }}, nil
}

// language picks the lesson language: --lang, else $LANG ("zh_CN.UTF-8" → "zh-CN").
func language(flag string) string {
	if flag != "" {
		return flag
	}
	l := os.Getenv("LANG")
	if i := strings.IndexByte(l, '.'); i >= 0 {
		l = l[:i]
	}
	if l == "C" || l == "POSIX" {
		return ""
	}
	return strings.ReplaceAll(l, "_", "-")
}
