package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	corev1 "k8s.io/api/core/v1"
)

const sleeperPod = `
apiVersion: v1
kind: Pod
metadata:
  name: sleeper
  labels: {app: sleeper}
spec:
  containers:
  - name: app
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "trap 'echo got SIGTERM; exit 0' TERM; while true; do sleep 1; done"]
`

func containerIDs(l *lab) []string {
	var ids []string
	for _, c := range l.containers(l.labID()) {
		ids = append(ids, c.ID+"/"+c.State)
	}
	sort.Strings(ids)
	return ids
}

// kill -9 of the control plane, then `podlab up`: the same pods, the same
// containers (adopted, not duplicated), the same restart counts.
func TestControlPlaneCrashAdoptsPods(t *testing.T) {
	l := newLab(t)
	l.apply("sleeper.yaml", sleeperPod)
	before := l.waitRunning("sleeper")
	idsBefore := containerIDs(l)

	pidText, err := os.ReadFile(filepath.Join(l.home, "server.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(pidText)))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d: %v", pid, err)
	}
	for i := 0; i < 100 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	st, _, _ := l.run("status")
	if !strings.Contains(strings.ToLower(st), "not running") {
		t.Fatalf("status after kill -9 should say the control plane is not running:\n%s", st)
	}

	l.mustRun("up")
	after := l.waitRunning("sleeper")
	time.Sleep(2 * time.Second) // give a faulty adoption time to create duplicates
	if got := containerIDs(l); strings.Join(got, ",") != strings.Join(idsBefore, ",") {
		t.Fatalf("containers changed across a control-plane crash:\nbefore %v\nafter  %v", idsBefore, got)
	}
	if after.UID != before.UID || containerStatus(after, "app").RestartCount != containerStatus(before, "app").RestartCount {
		t.Fatalf("pod changed across a control-plane crash: uid %s→%s", before.UID, after.UID)
	}
}

// `podlab down` leaves pods running; `podlab reset` removes every lab
// object and touches nothing foreign.
func TestDownKeepsPodsResetRemovesLabOnly(t *testing.T) {
	l := newLab(t)
	ctx := context.Background()
	foreign, err := l.docker.ContainerCreate(ctx, &container.Config{
		Image: "busybox:1.35", Cmd: []string{"sleep", "600"},
		Labels: map[string]string{"podlab.dev/test-foreign": "true"},
	}, nil, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.docker.ContainerRemove(ctx, foreign.ID, container.RemoveOptions{Force: true}) })

	l.apply("sleeper.yaml", sleeperPod)
	l.waitRunning("sleeper")
	id := l.labID()
	l.mustRun("down")
	for _, c := range l.containers(id) {
		if c.State != "running" {
			t.Fatalf("down stopped container %s (%s)", c.Names, c.State)
		}
	}
	if len(l.networks(id)) != 1 {
		t.Fatalf("lab network missing after down")
	}

	out := l.mustRun("reset", "--yes")
	if n := len(l.containers(id)); n != 0 {
		t.Fatalf("reset left %d containers:\n%s", n, out)
	}
	if n := len(l.networks(id)); n != 0 {
		t.Fatalf("reset left %d networks", n)
	}
	if _, err := l.docker.ContainerInspect(ctx, foreign.ID); err != nil {
		t.Fatalf("reset touched a foreign container: %v", err)
	}
	if _, err := os.Stat(filepath.Join(l.home, "state.db")); !os.IsNotExist(err) {
		t.Fatalf("reset kept the lab state: %v", err)
	}
	l.mustRun("up") // the cleanup's reset expects a lab
}

// A malformed manifest among good ones: a file:line error, exit 1, nothing applied.
func TestBadManifestAppliesNothing(t *testing.T) {
	l := newLab(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "a-good.yaml")
	bad := filepath.Join(dir, "b-bad.yaml")
	os.WriteFile(good, []byte(sleeperPod), 0o644)
	os.WriteFile(bad, []byte(`apiVersion: v1
kind: Pod
metadata:
  name: typo
spec:
  containers:
  - name: app
    image: busybox
    comand: ["sleep", "10"]
`), 0o644)
	_, errOut, code := l.run("apply", "-f", dir)
	if code == 0 {
		t.Fatal("apply of a directory with a bad manifest succeeded")
	}
	mustContain(t, "apply's error", errOut, "b-bad.yaml:9", "comand")
	out, errOut, _ := l.run("get", "pods")
	if strings.Contains(out, "sleeper") {
		t.Fatalf("the good manifest was applied although another file was bad:\n%s", out)
	}
	mustContain(t, "get pods on an empty lab", errOut, "No resources found in default namespace.")
}

// Deleting a pod sends SIGTERM, waits for the grace period, and the pod is gone.
func TestDeleteIsGraceful(t *testing.T) {
	l := newLab(t)
	l.apply("sleeper.yaml", sleeperPod)
	l.waitRunning("sleeper")
	out := l.mustRun("delete", "pod", "sleeper")
	mustContain(t, "delete output", out, `pod "sleeper" deleted`)
	if p := l.pod("sleeper"); p != nil {
		t.Fatalf("pod still exists after delete --wait: %s", p.Status.Phase)
	}
	if n := len(l.podContainers(l.labID())); n != 0 {
		t.Fatalf("%d containers left after the pod was deleted", n)
	}
	events := l.mustRun("get", "events")
	mustContain(t, "events", events, "Killing", "Stopping container app")
}

// A busybox-style shell as PID 1 with a TERM trap: the stand-in's shell runs
// the trap before its next command and exits with the trap's code.
func TestShellTrapsTERM(t *testing.T) {
	trapTERM(t, "trapper", "", "echo ready; while true; do sleep 1; done")
}

// A trapped SIGTERM ends the shell's `wait` for a background job at once,
// so the pod stops long before its grace period.
func TestShellTrapsTERMDuringWait(t *testing.T) {
	trapTERM(t, "waiter", "  terminationGracePeriodSeconds: 600\n", "sleep 3600 & echo ready; wait")
}

// trapTERM runs a pod whose shell traps TERM and then runs body (which
// prints "ready"), sends SIGTERM to its PID 1, and expects the trap's
// message and exit code 143.
func trapTERM(t *testing.T, name, specExtra, body string) {
	l := newLab(t)
	l.apply(name+".yaml", fmt.Sprintf(`
apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  restartPolicy: Never
%s  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "trap 'echo got TERM; exit 143' TERM; %s"]
`, name, specExtra, body))
	l.waitRunning(name)
	l.waitLogs(name, "app", "ready")
	// The trap may end the container before kill itself returns: the engine
	// then ends the exec too (exit 137). Either way the signal was sent.
	if _, errOut, code := l.run("exec", name, "--", "kill", "-TERM", "1"); code != 0 && code != 137 {
		t.Fatalf("exec kill: exit %d: %s", code, errOut)
	}
	p := l.waitPod(name, time.Minute, "Failed", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
	if cs := containerStatus(p, "app"); cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 143 {
		t.Fatalf("container after SIGTERM: %+v", cs.State)
	}
	l.waitLogs(name, "app", "got TERM")
}
