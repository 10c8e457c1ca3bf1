// Package cli is podlab's kubectl-shaped command line: the lab's own verbs
// (up, down, status, reset) and kubectl's (apply, get, describe, logs, exec,
// delete, label, annotate, edit, create, run, explain), with kubectl's flags, output and
// messages, so `alias kubectl=podlab` makes Pod tutorials work. It talks to
// the control plane only through runtime/client.
package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"
	"golang.org/x/term"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/podlab/podlab/lessons"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/lab"
	"github.com/podlab/podlab/runtime/labhome"
	"github.com/podlab/podlab/ui/tui"
)

// app holds what every command shares: streams, the namespace flag and the
// way to reach the control plane (replaced by a fake in tests).
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	namespace      string
	pack, lang     string
	connect        func(ctx context.Context) (client.Interface, error)
	home           func() (labhome.Home, error)
}

// exitError carries an exit code through cobra without printing twice.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// Main runs the command line with args (without the program name) and returns the exit code.
func Main(args []string) int {
	a := &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, home: labhome.Default}
	a.connect = func(ctx context.Context) (client.Interface, error) {
		home, err := a.home()
		if err != nil {
			return nil, err
		}
		return lab.Connect(ctx, home, a.stderr)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return a.run(ctx, args)
}

func (a *app) run(ctx context.Context, args []string) int {
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintln(a.stderr, formatError(err))
	return 1
}

// formatError words an error the way kubectl does: API errors as
// `Error from server (Reason): message`, others as `error: message`.
func formatError(err error) string {
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		s := st.Status()
		reason := string(s.Reason)
		if reason == "" {
			reason = "InternalError"
		}
		return fmt.Sprintf("Error from server (%s): %s", reason, s.Message)
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "error: ") || strings.HasPrefix(msg, "Error from server") {
		return msg
	}
	return "error: " + msg
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "podlab",
		Short: "A terminal lab that teaches Kubernetes Pods by running them for real",
		Long: `podlab runs real Pods on your local Docker Engine — a pause container per
Pod, init and app containers that join its namespaces, restarts with the
kubelet's backoff — and manages them with kubectl's commands.

  podlab                         open the terminal app: pods live, anatomy, events, logs
  podlab up                      start the lab's control plane
  podlab apply -f pod.yaml       run the Pods of a manifest
  podlab get pods -o wide        watch them (-w to follow)
  podlab describe pod NAME       see their containers, conditions and events
  podlab logs / exec / delete    as with kubectl

Tip: alias kubectl=podlab makes the commands of any Pod tutorial work.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !isTerminal(a.stdout) {
				return cmd.Help()
			}
			return a.runTUI(cmd)
		},
	}
	root.PersistentFlags().StringVarP(&a.namespace, "namespace", "n", "", "If present, the namespace scope for this CLI request")
	root.Flags().StringVar(&a.pack, "pack", "builtin", "the lesson pack the app opens: \"builtin\" or a pack directory")
	root.Flags().StringVar(&a.lang, "lang", "", "the lessons' language (e.g. zh-CN; default $LANG, English as fallback)")
	root.AddGroup(&cobra.Group{ID: "lab", Title: "The lab:"}, &cobra.Group{ID: "basic", Title: "Basic commands (as kubectl):"},
		&cobra.Group{ID: "debug", Title: "Troubleshooting and debugging commands (as kubectl):"})
	for _, c := range []*cobra.Command{a.upCommand(), a.downCommand(), a.statusCommand(), a.kubeconfigCommand(), a.resetCommand(), a.nodeCommand()} {
		c.GroupID = "lab"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{a.applyCommand(), a.createCommand(), a.runCommand(), a.explainCommand(), a.getCommand(), a.deleteCommand(), a.labelCommand("label"), a.labelCommand("annotate"), a.editCommand(), a.waitCommand()} {
		c.GroupID = "basic"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{a.describeCommand(), a.logsCommand(), a.execCommand(), a.attachCommand(), a.portForwardCommand()} {
		c.GroupID = "debug"
		root.AddCommand(c)
	}
	root.AddGroup(&cobra.Group{ID: "cluster", Title: "Cluster management commands (as kubectl):"})
	for _, c := range []*cobra.Command{a.taintCommand(), a.cordonCommand(true), a.cordonCommand(false)} {
		c.GroupID = "cluster"
		root.AddCommand(c)
	}
	root.AddGroup(&cobra.Group{ID: "learn", Title: "Lessons:"})
	for _, c := range []*cobra.Command{a.exerciseCommand(), a.packCommand()} {
		c.GroupID = "learn"
		root.AddCommand(c)
	}
	root.AddCommand(a.serveCommand(), a.apiResourcesCommand(), a.versionCommand(), a.completionCommand(root))
	return root
}

// ns is the namespace to act in: -n, else default.
func (a *app) ns() string {
	if a.namespace == "" {
		return "default"
	}
	return a.namespace
}

func (a *app) client(cmd *cobra.Command) (client.Interface, error) {
	return a.connect(cmd.Context())
}

func (a *app) printWarnings(ws []string) {
	for _, w := range ws {
		fmt.Fprintf(a.stderr, "Warning: %s\n", w)
	}
}

type clientIface = client.Interface

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// runTUI opens the terminal app on the lab (starting the control plane if needed).
func (a *app) runTUI(cmd *cobra.Command) error {
	cl, err := a.client(cmd)
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
		Client: cl, Namespace: a.ns(), Program: exe, Learning: learning,
		Run: func(ctx context.Context, args []string, stdin []byte) string {
			_, out := a.runOn(ctx, cl, args, stdin)
			return out
		},
	})
}

// runOn runs a podlab command line in-process against cl, with stdin, and
// returns its exit code and its combined output: the app's command bar and
// a pack's commands run this way.
func (a *app) runOn(ctx context.Context, cl client.Interface, args []string, stdin []byte) (int, string) {
	var out bytes.Buffer
	sub := &app{stdin: bytes.NewReader(stdin), stdout: &out, stderr: &out, namespace: a.namespace,
		home: a.home, connect: func(context.Context) (client.Interface, error) { return cl, nil }}
	code := sub.run(ctx, args)
	return code, out.String()
}

// learning loads the packs the app opens — --pack first if given, the
// built-in one, then those added with "pack add" — and the learner's
// progress and language.
func (a *app) learning() (*tui.Learning, error) {
	home, err := a.home()
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
		p, err := loadPack(src)
		if err != nil {
			if src == a.pack {
				return nil, err // the pack asked for on the command line must load
			}
			fmt.Fprintf(a.stderr, "podlab: skipping pack %s: %v\n", src, err)
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
