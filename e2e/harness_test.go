package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	dockerclient "github.com/docker/docker/client"
	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/internal/testenv"
)

// timeScale shrinks the kubelet's timers in these tests: a 10 s backoff takes 0.5 s.
const timeScale = "0.05"

// lab is one podlab lab with its own home, driven through the real binary.
type lab struct {
	t      *testing.T
	bin    string
	home   string
	docker *dockerclient.Client
}

func newLab(t *testing.T) *lab {
	t.Helper()
	return newLabWith(t)
}

// newLabWith starts a lab with `podlab up` and these flags (--nodes N,
// --allow-privileged, ...).
func newLabWith(t *testing.T, upFlags ...string) *lab {
	t.Helper()
	d := testenv.Docker(t)
	l := &lab{t: t, bin: testenv.PodlabBinary(t), home: t.TempDir(), docker: d}
	l.mustRun(append([]string{"up"}, upFlags...)...)
	t.Cleanup(func() {
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(l.home, "server.log")); err == nil {
				t.Logf("server.log:\n%s", lastLines(string(b), 60))
			}
		}
		id := l.labID()
		if out, _, code := l.run("reset", "--yes"); code != 0 {
			t.Errorf("podlab reset failed: %s", out)
		}
		if n := len(l.containers(id)); n != 0 {
			t.Errorf("podlab reset left %d containers of lab %s", n, id)
		}
	})
	return l
}

// serverLog is what the control plane logged so far (the kubelet's details
// that events leave out, like a failed hook's output).
func (l *lab) serverLog() string {
	b, _ := os.ReadFile(filepath.Join(l.home, "server.log"))
	return string(b)
}

func (l *lab) env() []string {
	return append(os.Environ(), "PODLAB_HOME="+l.home, "PODLAB_TIME_SCALE="+timeScale, "NO_COLOR=1")
}

// run runs podlab with args and returns stdout, stderr and the exit code.
func (l *lab) run(args ...string) (string, string, int) {
	return l.runStdin("", args...)
}

func (l *lab) runStdin(stdin string, args ...string) (string, string, int) {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, l.bin, args...)
	cmd.Env = l.env()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		l.t.Fatalf("podlab %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), code
}

func (l *lab) mustRun(args ...string) string {
	l.t.Helper()
	out, errOut, code := l.run(args...)
	if code != 0 {
		l.t.Fatalf("podlab %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// apply writes manifest to a file in the lab's test dir and applies it.
func (l *lab) apply(name, manifest string) string {
	l.t.Helper()
	path := filepath.Join(l.t.TempDir(), name)
	if err := os.WriteFile(path, []byte(manifest), 0o644); err != nil {
		l.t.Fatal(err)
	}
	return l.mustRun("apply", "-f", path)
}

// pod fetches a pod through `podlab get pod -o json`; nil when it does not exist.
func (l *lab) pod(name string) *corev1.Pod {
	l.t.Helper()
	out, errOut, code := l.run("get", "pod", name, "-o", "json")
	if code != 0 {
		if strings.Contains(errOut, "NotFound") {
			return nil
		}
		l.t.Fatalf("get pod %s: %s", name, errOut)
	}
	var p corev1.Pod
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		l.t.Fatalf("decoding pod: %v\n%s", err, out)
	}
	return &p
}

// waitPod polls until cond holds for the pod or the timeout passes.
func (l *lab) waitPod(name string, timeout time.Duration, what string, cond func(*corev1.Pod) bool) *corev1.Pod {
	l.t.Helper()
	deadline := time.Now().Add(timeout)
	var last *corev1.Pod
	for time.Now().Before(deadline) {
		last = l.pod(name)
		if last != nil && cond(last) {
			return last
		}
		time.Sleep(200 * time.Millisecond)
	}
	desc, _, _ := l.run("describe", "pod", name)
	l.t.Fatalf("pod %s never became %s within %s\n%s", name, what, timeout, desc)
	return nil
}

// nodeOf is the node a pod was scheduled to ("" while it waits).
func (l *lab) nodeOf(name string) string {
	l.t.Helper()
	p := l.pod(name)
	if p == nil {
		l.t.Fatalf("no pod %s", name)
	}
	return p.Spec.NodeName
}

// workers are a default lab's nodes that take ordinary pods.
var workers = []string{"node-1", "node-2"}

// otherWorker is the default lab's worker that is not node.
func otherWorker(t *testing.T, node string) string {
	t.Helper()
	switch node {
	case "node-1":
		return "node-2"
	case "node-2":
		return "node-1"
	}
	t.Fatalf("%q is not a worker of the default lab", node)
	return ""
}

func (l *lab) waitRunning(name string) *corev1.Pod {
	l.t.Helper()
	return l.waitPod(name, 90*time.Second, "Running and Ready", func(p *corev1.Pod) bool {
		return p.Status.Phase == corev1.PodRunning && podReady(p)
	})
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func (l *lab) labID() string {
	b, err := os.ReadFile(filepath.Join(l.home, "lab-id"))
	if err != nil {
		l.t.Fatalf("reading lab id: %v", err)
	}
	return strings.TrimSpace(string(b))
}

// containers lists the Docker containers labelled with lab id.
func (l *lab) containers(id string) []container.Summary {
	l.t.Helper()
	list, err := l.docker.ContainerList(context.Background(), container.ListOptions{
		All: true, Filters: filters.NewArgs(filters.Arg("label", "podlab.dev/lab="+id)),
	})
	if err != nil {
		l.t.Fatalf("listing containers: %v", err)
	}
	return list
}

// podContainers lists the containers of lab id's pods (not its nodes' own).
func (l *lab) podContainers(id string) []container.Summary {
	l.t.Helper()
	list, err := l.docker.ContainerList(context.Background(), container.ListOptions{
		All: true, Filters: filters.NewArgs(filters.Arg("label", "podlab.dev/lab="+id), filters.Arg("label", "podlab.dev/pod-uid")),
	})
	if err != nil {
		l.t.Fatalf("listing containers: %v", err)
	}
	return list
}

func (l *lab) networks(id string) []network.Summary {
	l.t.Helper()
	list, err := l.docker.NetworkList(context.Background(), network.ListOptions{
		Filters: filters.NewArgs(filters.Arg("label", "podlab.dev/lab="+id)),
	})
	if err != nil {
		l.t.Fatalf("listing networks: %v", err)
	}
	return list
}

func containerStatus(p *corev1.Pod, name string) *corev1.ContainerStatus {
	for i := range p.Status.ContainerStatuses {
		if p.Status.ContainerStatuses[i].Name == name {
			return &p.Status.ContainerStatuses[i]
		}
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Fatalf("%s does not contain %q:\n%s", what, w, got)
		}
	}
}

var _ = fmt.Sprintf

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitLogs polls a container's logs until they contain want.
func (l *lab) waitLogs(pod, container, want string) {
	l.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		logs, _, _ := l.run("logs", pod, "-c", container)
		if strings.Contains(logs, want) {
			return
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("the logs of %s/%s never showed %q:\n%s", pod, container, want, logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
