package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/podlab/podlab/internal/clientbin"
)

// k9s 0.50 in a terminal against a live lab: it connects with the lab's
// kubeconfig, lists the pods, and its shell (the s key, which runs kubectl
// exec -it) is an interactive shell in the pod.
func TestK9s(t *testing.T) {
	requireTmux(t)
	k9s := clientbin.K9s(t)
	kubectlBin := clientbin.Kubectl(t)
	l := newLab(t)
	l.apply("pods.yaml", `apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: nginx
    image: nginx
---
apiVersion: v1
kind: Pod
metadata: {name: sleeper}
spec:
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
`)
	l.waitRunning("web")
	l.waitRunning("sleeper")
	context := strings.TrimSpace(newKubectl(t, l, kubectlBin).ok(t, "config", "current-context"))

	// k9s's shell runs the kubectl on its PATH: ours comes first.
	home := t.TempDir()
	bin := filepath.Join(home, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(kubectlBin, filepath.Join(bin, "kubectl")); err != nil {
		t.Fatal(err)
	}
	env := clientbin.K9sEnv(t, home)
	for i, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			env[i] = "PATH=" + bin + ":" + v
		}
	}
	env = append(env, "TERM=tmux-256color", "KUBECONFIG="+l.kubeconfig())
	s := newTmux(t, 150, 40, envLine(env)+" "+shellQuote(k9s))

	screen := s.waitScreen(45*time.Second, "the pods of the lab", func(sc string) bool {
		return strings.Contains(sc, "K8s Rev: v1.37.2") && strings.Contains(sc, "pods(default)[2]") &&
			podRow(sc, "web") && podRow(sc, "sleeper")
	})
	if !strings.Contains(screen, "Context: "+context) {
		t.Errorf("k9s does not show the lab's context %s:\n%s", context, screen)
	}

	// Filter the list down to sleeper, then open a shell in it.
	s.keys("/")
	s.literal("sleeper")
	s.keys("Enter")
	s.waitScreen(20*time.Second, "the list filtered to sleeper", func(sc string) bool {
		return podRow(sc, "sleeper") && !podRow(sc, "web")
	})
	s.keys("s")
	s.waitScreen(30*time.Second, "the shell in sleeper", func(sc string) bool {
		return strings.Contains(sc, "<<K9s-Shell>> Pod: default/sleeper | Container: app") && hasLine(sc, "/ #")
	})
	s.literal("echo k9s-shell-works")
	s.keys("Enter")
	s.waitScreen(20*time.Second, "the shell's answer", func(sc string) bool { return hasLine(sc, "k9s-shell-works") })
	s.literal("exit")
	s.keys("Enter")
	s.waitScreen(20*time.Second, "k9s's pods view again", func(sc string) bool {
		return !strings.Contains(sc, "<<K9s-Shell>>") && podRow(sc, "sleeper")
	})
	s.keys(":q", "Enter")
	s.waitEnded(15 * time.Second)
}

// podRow reports whether k9s's screen has a row of the running pod name.
func podRow(screen, name string) bool {
	for _, l := range strings.Split(screen, "\n") {
		f := strings.Fields(strings.Trim(l, "│ "))
		if len(f) >= 4 && f[0] == name && strings.Contains(l, "Running") {
			return true
		}
	}
	return false
}
