// Package clitest runs podlab's commands in tests against the lab's real
// API server and storage, with no engine, scheduler or kubelet: a stand-in
// kubelet answers logs, exec, attach and port-forward, and tests bind Pods
// and write their status as the scheduler and the kubelet would. The
// kubectl verbs, the pack commands and the root command test through it.
package clitest

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/podlab/podlab/internal/kubetest"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/labhome"
	"github.com/podlab/podlab/ui/cli/cmdenv"
)

// Harness runs the commands under a root command against a test lab.
type Harness struct {
	T      *testing.T
	Client *client.Client // nil without a lab
	Kube   kubernetes.Interface
	St     APIShim
	Dir    string // the lab home, and where File writes
	root   func(env *cmdenv.Env) *cobra.Command
}

// Root is a bare podlab command with kubectl's -n flag over cmds, for tests
// of a package's commands without the rest of the CLI.
func Root(env *cmdenv.Env, cmds ...*cobra.Command) *cobra.Command {
	root := &cobra.Command{Use: "podlab"}
	env.AddNamespaceFlag(root)
	root.AddCommand(cmds...)
	return root
}

// New starts a lab (with a namespace "team" beside default) and runs the
// command lines of root, built afresh for each, against it.
func New(t *testing.T, root func(env *cmdenv.Env) *cobra.Command) *Harness {
	t.Helper()
	srv := kubetest.Start(t, kubetest.Options{PodIO: echoIO{}})
	for _, ns := range []string{"team"} {
		if _, err := srv.Client.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	cl := client.New(srv.Socket)
	return &Harness{T: t, Client: cl, Kube: srv.Client, St: APIShim{cl: cl, kube: srv.Client}, Dir: srv.Dir, root: root}
}

// Offline runs the command lines of root without a lab, for commands that need none.
func Offline(t *testing.T, root func(env *cmdenv.Env) *cobra.Command) *Harness {
	return &Harness{T: t, Dir: t.TempDir(), root: root}
}

// Run runs a command line with stdin and returns stdout, stderr and the exit code.
func (h *Harness) Run(stdin string, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := h.execute(context.Background(), strings.NewReader(stdin), &out, &errb, args)
	return out.String(), errb.String(), code
}

// Start runs a command line until the returned stop is called; stop returns the exit code.
func (h *Harness) Start(args ...string) (out, errOut *SyncBuffer, stop func() int) {
	out, errOut = &SyncBuffer{}, &SyncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() { done <- h.execute(ctx, strings.NewReader(""), out, errOut, args) }()
	return out, errOut, func() int { cancel(); return <-done }
}

func (h *Harness) execute(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, args []string) int {
	env := &cmdenv.Env{Stdin: stdin, Stdout: stdout, Stderr: stderr,
		Home: func() (labhome.Home, error) { return labhome.Home{Dir: h.Dir}, nil }}
	if h.Client != nil {
		env.Connect = func(context.Context) (client.Interface, error) { return h.Client, nil }
	}
	return env.Execute(ctx, h.root(env), args)
}

// File writes a file under Dir and returns its path.
func (h *Harness) File(name, content string) string {
	p := filepath.Join(h.Dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		h.T.Fatal(err)
	}
	return p
}
