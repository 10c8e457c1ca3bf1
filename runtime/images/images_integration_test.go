package images

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/podlab/podlab/internal/testenv"
)

// runImage runs cmd in img to completion and returns its output and exit code.
func runImage(t *testing.T, cli *client.Client, img string, cmd []string, hc *container.HostConfig) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	created, err := cli.ContainerCreate(ctx, &container.Config{Image: img, Cmd: cmd, Labels: map[string]string{"podlab.dev/test": "images"}}, hc, nil, nil, "")
	if err != nil {
		t.Fatalf("create %s: %v", img, err)
	}
	t.Cleanup(func() { cli.ContainerRemove(context.Background(), created.ID, container.RemoveOptions{Force: true}) })
	if err := cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		t.Fatalf("start: %v", err)
	}
	waitC, errC := cli.ContainerWait(ctx, created.ID, container.WaitConditionNotRunning)
	var code int
	select {
	case w := <-waitC:
		code = int(w.StatusCode)
	case err := <-errC:
		t.Fatalf("wait: %v", err)
	}
	logs, err := cli.ContainerLogs(ctx, created.ID, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	var out bytes.Buffer
	stdcopy.StdCopy(&out, &out, logs)
	return out.String(), code
}

func TestEnsureBuildsImagesThatRunTheSeedsCommands(t *testing.T) {
	cli := testenv.Docker(t)
	bin := testenv.PodlabBinary(t)
	ctx := context.Background()
	set, err := Ensure(ctx, cli, bin)
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	for _, ref := range []string{set.Pause, set.Box, set.Web, set.Nginx, set.Liveness} {
		info, err := cli.ImageInspect(ctx, ref)
		if err != nil {
			t.Fatalf("image %s missing after Ensure: %v", ref, err)
		}
		if info.Config.Labels[LabelManaged] != "true" {
			t.Fatalf("image %s lacks the %s label", ref, LabelManaged)
		}
	}
	again, err := Ensure(ctx, cli, bin)
	if err != nil || again != set {
		t.Fatalf("second Ensure = %+v, %v; want the same set", again, err)
	}

	out, code := runImage(t, cli, set.Box, []string{"sh", "-c", `touch /tmp/healthy; ls /tmp; echo sum=$((1+2)); cat /tmp/healthy && echo present; rm -rf /tmp/healthy; ls /tmp | wc -l; exit 7`}, nil)
	if code != 7 {
		t.Fatalf("exit code %d, want 7; output:\n%s", code, out)
	}
	for _, want := range []string{"healthy\n", "sum=3", "present", "0\n"} {
		if !strings.Contains(out, want) {
			t.Fatalf("box output lacks %q:\n%s", want, out)
		}
	}
}

func TestPauseIsPID1AndOthersJoinItsNamespaces(t *testing.T) {
	cli := testenv.Docker(t)
	ctx := context.Background()
	set, err := Ensure(ctx, cli, testenv.PodlabBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	pause, err := cli.ContainerCreate(ctx, &container.Config{Image: set.Pause, Labels: map[string]string{"podlab.dev/test": "images"}},
		&container.HostConfig{IpcMode: "shareable"}, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.ContainerRemove(context.Background(), pause.ID, container.RemoveOptions{Force: true}) })
	if err := cli.ContainerStart(ctx, pause.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	ns := "container:" + pause.ID
	out, code := runImage(t, cli, set.Box, []string{"ps"}, &container.HostConfig{
		NetworkMode: container.NetworkMode(ns), IpcMode: container.IpcMode(ns), PidMode: container.PidMode(ns)})
	if code != 0 || !regexpMatch(`(?m)^\s+1 root\s+\d+:\d+ /pause$`, out) {
		t.Fatalf("ps in a container joining pause's PID namespace (exit %d):\n%s", code, out)
	}
	// pause exits 0 on SIGTERM.
	timeout := 5
	if err := cli.ContainerStop(ctx, pause.ID, container.StopOptions{Timeout: &timeout}); err != nil {
		t.Fatal(err)
	}
	info, _ := cli.ContainerInspect(ctx, pause.ID)
	if info.State.ExitCode != 0 {
		t.Fatalf("pause exit code on SIGTERM = %d, want 0", info.State.ExitCode)
	}
}

func TestWebHealthzFailsAfterAndNginxQuitsGracefully(t *testing.T) {
	cli := testenv.Docker(t)
	ctx := context.Background()
	set, err := Ensure(ctx, cli, testenv.PodlabBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	web, err := cli.ContainerCreate(ctx, &container.Config{Image: set.Web, Cmd: []string{"--fail-after", "2s"}, Labels: map[string]string{"podlab.dev/test": "images"}}, nil, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.ContainerRemove(context.Background(), web.ID, container.RemoveOptions{Force: true}) })
	if err := cli.ContainerStart(ctx, web.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	ns := container.NetworkMode("container:" + web.ID)
	script := `for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O - http://127.0.0.1:8080/healthz && break; sleep 0.2; done; sleep 2.5; wget -q -O - http://127.0.0.1:8080/healthz; echo "exit=$?"`
	out, _ := runImage(t, cli, set.Box, []string{"sh", "-c", script}, &container.HostConfig{NetworkMode: ns})
	if !strings.Contains(out, "ok\n") || !strings.Contains(out, "500") || !strings.Contains(out, "exit=1") {
		t.Fatalf("healthz did not go from ok to 500:\n%s", out)
	}

	ng, err := cli.ContainerCreate(ctx, &container.Config{Image: set.Nginx, Labels: map[string]string{"podlab.dev/test": "images"}}, nil, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.ContainerRemove(context.Background(), ng.ID, container.RemoveOptions{Force: true}) })
	if err := cli.ContainerStart(ctx, ng.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	out, _ = runImage(t, cli, set.Box, []string{"sh", "-c", `for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O - http://127.0.0.1/ && break; sleep 0.2; done`},
		&container.HostConfig{NetworkMode: container.NetworkMode("container:" + ng.ID)})
	if !strings.Contains(out, "Welcome to nginx!") {
		t.Fatalf("nginx stand-in did not serve its page:\n%s", out)
	}
	exec, err := cli.ContainerExecCreate(ctx, ng.ID, container.ExecOptions{Cmd: []string{"/usr/sbin/nginx", "-s", "quit"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.ContainerExecStart(ctx, exec.ID, container.ExecStartOptions{}); err != nil {
		t.Fatal(err)
	}
	waitC, errC := cli.ContainerWait(ctx, ng.ID, container.WaitConditionNotRunning)
	select {
	case w := <-waitC:
		if w.StatusCode != 0 {
			t.Fatalf("nginx -s quit: exit code %d, want 0", w.StatusCode)
		}
	case err := <-errC:
		t.Fatal(err)
	case <-time.After(20 * time.Second):
		t.Fatal("nginx stand-in did not quit on nginx -s quit")
	}
}
