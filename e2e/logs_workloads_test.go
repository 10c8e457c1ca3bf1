package e2e

import (
	"bufio"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/podlab/podlab/internal/clientbin"
)

// logsDeployment is two pods that each say their hostname (the pod's
// name), then wait.
const logsDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: talk
spec:
  replicas: 2
  selector:
    matchLabels: {app: talk}
  template:
    metadata:
      labels: {app: talk}
    spec:
      containers:
      - name: app
        image: busybox
        command: ["sh", "-c", "echo \"hello from $(hostname)\"; trap 'exit 0' TERM; while true; do sleep 1; done"]
`

// sortedLines are s's lines in order, for output whose order kubectl
// leaves to chance (it keeps a selector's streams in a map).
func sortedLines(s string) []string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	slices.Sort(lines)
	return lines
}

// TestLogsOfWorkloadsAndSelectors: `podlab logs deployment/NAME` reads one
// pod, chosen and announced as kubectl does, and `logs -l` / --all-pods
// read every selected pod with kubectl's [pod/NAME/CONTAINER] prefix; real
// kubectl 1.37 prints the same against the same lab.
func TestLogsOfWorkloadsAndSelectors(t *testing.T) {
	bin := clientbin.Kubectl(t)
	l := newLab(t)
	k := newKubectl(t, l, bin)
	l.apply("talk.yaml", logsDeployment)
	l.waitRolledOut("talk")
	pods := podNames(l.waitSelected("talk", "running and ready", runningReady(2)))
	for _, p := range pods {
		l.waitLogs(p, "app", "hello from "+p)
	}

	t.Run("deployment/NAME", func(t *testing.T) {
		out, errOut, code := l.run("logs", "deployment/talk")
		chosen := strings.TrimPrefix(strings.TrimSuffix(errOut, "\n"), "Found 2 pods, using pod/")
		if code != 0 || !slices.Contains(pods, chosen) || out != "hello from "+chosen+"\n" {
			t.Fatalf("podlab logs deployment/talk: exit %d\nstdout: %q\nstderr: %q", code, out, errOut)
		}
		r := k.run(t, "logs", "deployment/talk")
		if r.code != 0 || r.stdout != out || r.stderr != errOut {
			t.Errorf("podlab and kubectl disagree (kubectl is right):\n--- podlab\n%s%s--- kubectl\n%v", out, errOut, r)
		}
	})

	t.Run("-l --prefix", func(t *testing.T) {
		out, errOut, code := l.run("logs", "-l", "app=talk", "--prefix")
		var want []string
		for _, p := range pods {
			want = append(want, "[pod/"+p+"/app] hello from "+p)
		}
		slices.Sort(want)
		if code != 0 || errOut != "" || !slices.Equal(sortedLines(out), want) {
			t.Fatalf("podlab logs -l app=talk --prefix: exit %d\nstdout: %q\nstderr: %q\nwant the lines %q", code, out, errOut, want)
		}
		r := k.run(t, "logs", "-l", "app=talk", "--prefix")
		if r.code != 0 || r.stderr != "" || !slices.Equal(sortedLines(r.stdout), want) {
			t.Errorf("kubectl printed otherwise (kubectl is right):\n%v", r)
		}
	})

	t.Run("--all-pods", func(t *testing.T) {
		out, errOut, code := l.run("logs", "deployment/talk", "--all-pods")
		r := k.run(t, "logs", "deployment/talk", "--all-pods")
		if code != 0 || errOut != "" || len(sortedLines(out)) != 2 || r.code != 0 || r.stderr != "" ||
			!slices.Equal(sortedLines(out), sortedLines(r.stdout)) {
			t.Errorf("podlab logs deployment/talk --all-pods: exit %d\nstdout: %q\nstderr: %q\nkubectl: %v", code, out, errOut, r)
		}
	})

	t.Run("-f over --max-log-requests", func(t *testing.T) {
		_, errOut, code := l.run("logs", "-f", "-l", "app=talk", "--max-log-requests=1")
		r := k.run(t, "logs", "-f", "-l", "app=talk", "--max-log-requests=1")
		want := "error: you are attempting to follow 2 log streams, but maximum allowed concurrency is 1, use --max-log-requests to increase the limit\n"
		if code != 1 || errOut != want || r.code != 1 || r.stderr != want {
			t.Errorf("podlab: exit %d %q\nkubectl: %v", code, errOut, r)
		}
	})

	t.Run("-l -c missing", func(t *testing.T) {
		_, errOut, code := l.run("logs", "-l", "app=talk", "-c", "nope")
		r := k.run(t, "logs", "-l", "app=talk", "-c", "nope")
		if code != 1 || !strings.HasPrefix(errOut, "error: container nope is not valid for pod talk-") || r.code != 1 || r.stderr != errOut {
			t.Errorf("podlab: exit %d %q\nkubectl: %v", code, errOut, r)
		}
	})

	t.Run("rs/NAME", func(t *testing.T) {
		rs := "rs/talk-" + l.selected("talk")[0].Labels["pod-template-hash"]
		out, errOut, code := l.run("logs", rs)
		r := k.run(t, "logs", rs)
		if code != 0 || !strings.HasPrefix(out, "hello from talk-") || r.code != 0 || r.stdout != out || r.stderr != errOut {
			t.Errorf("podlab logs %s: exit %d\nstdout: %q\nstderr: %q\nkubectl: %v", rs, code, out, errOut, r)
		}
	})

	t.Run("-f -l --prefix", func(t *testing.T) {
		// Both streams at once, prefixed, and still open until ctrl-c.
		cmd := exec.Command(l.bin, "logs", "-f", "-l", "app=talk", "--prefix")
		cmd.Env = l.env()
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Process.Kill()
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		var got []string
		timeout := time.After(30 * time.Second)
		for len(got) < 2 {
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatalf("logs -f ended after %q", got)
				}
				got = append(got, line)
			case <-timeout:
				t.Fatalf("logs -f printed only %q", got)
			}
		}
		slices.Sort(got)
		want := []string{"[pod/" + pods[0] + "/app] hello from " + pods[0], "[pod/" + pods[1] + "/app] hello from " + pods[1]}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("logs -f -l --prefix printed %q, want %q", got, want)
		}
		select {
		case line, ok := <-lines:
			t.Fatalf("logs -f printed %q (still open: %v) where the containers printed nothing more", line, ok)
		case <-time.After(time.Second):
		}
		cmd.Process.Signal(syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("logs -f did not stop on ctrl-c")
		}
	})
}
