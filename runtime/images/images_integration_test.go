package images

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
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

// execIn runs cmd in a running container with stdin, as kubectl exec does,
// and returns its stdout, stderr and exit code.
func execIn(t *testing.T, cli *client.Client, id string, stdin []byte, cmd ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ex, err := cli.ContainerExecCreate(ctx, id, container.ExecOptions{Cmd: cmd, AttachStdin: stdin != nil, AttachStdout: true, AttachStderr: true})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := cli.ContainerExecAttach(ctx, ex.ID, container.ExecAttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Close()
	if stdin != nil {
		go func() { resp.Conn.Write(stdin); resp.CloseWrite() }()
	}
	var out, errb bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &errb, resp.Reader); err != nil {
		t.Fatal(err)
	}
	info, err := cli.ContainerExecInspect(ctx, ex.ID)
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), info.ExitCode
}

// TestBoxServesKubectlCp runs in the busybox stand-in what kubectl cp runs:
// test -d, tar -xmf - -C DIR fed kubectl's stream, tar cf - PATH and its
// retry form through tail -c+N.
func TestBoxServesKubectlCp(t *testing.T) {
	cli := testenv.Docker(t)
	ctx := context.Background()
	set, err := Ensure(ctx, cli, testenv.PodlabBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	c, err := cli.ContainerCreate(ctx, &container.Config{Image: set.Box, Cmd: []string{"sleep", "300"}, Labels: map[string]string{"podlab.dev/test": "images"}}, nil, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.ContainerRemove(context.Background(), c.ID, container.RemoveOptions{Force: true}) })
	if err := cli.ContainerStart(ctx, c.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, code := execIn(t, cli, c.ID, nil, "test", "-d", "/tmp"); code != 0 {
		t.Fatalf("test -d /tmp: exit %d", code)
	}
	if _, _, code := execIn(t, cli, c.ID, nil, "test", "-d", "/tmp/notes.txt"); code != 1 {
		t.Fatalf("test -d on nothing: exit %d", code)
	}

	// kubectl cp notes.txt pod:/tmp → tar -xmf - -C /tmp, names relative, the local owner.
	var stream bytes.Buffer
	tw := tar.NewWriter(&stream)
	body := "kubectl cp works\n"
	tw.WriteHeader(&tar.Header{Name: "notes.txt", Mode: 0o640, Size: int64(len(body)), Typeflag: tar.TypeReg, Uid: 1000, Gid: 1000, ModTime: time.Unix(1e9, 0)})
	io.WriteString(tw, body)
	tw.Close()
	if _, errs, code := execIn(t, cli, c.ID, stream.Bytes(), "tar", "-xmf", "-", "-C", "/tmp"); code != 0 {
		t.Fatalf("tar -xmf - -C /tmp: exit %d: %s", code, errs)
	}
	if out, _, _ := execIn(t, cli, c.ID, nil, "cat", "/tmp/notes.txt"); out != body {
		t.Fatalf("cat /tmp/notes.txt = %q", out)
	}
	if _, errs, code := execIn(t, cli, c.ID, stream.Bytes(), "tar", "--no-same-permissions", "--no-same-owner", "-xmf", "-", "-C", "/root"); code != 0 {
		t.Fatalf("--no-preserve form: exit %d: %s", code, errs)
	}

	// kubectl cp pod:/tmp/notes.txt . → tar cf - /tmp/notes.txt; with --retries, through tail.
	full, errs, code := execIn(t, cli, c.ID, nil, "tar", "cf", "-", "/tmp/notes.txt")
	if code != 0 || errs != "tar: Removing leading `/' from member names\n" {
		t.Fatalf("tar cf - /tmp/notes.txt: exit %d, %q", code, errs)
	}
	tr := tar.NewReader(strings.NewReader(full))
	h, err := tr.Next()
	if err != nil || h.Name != "tmp/notes.txt" || h.Mode != 0o640 || h.Uid != 1000 {
		t.Fatalf("archived %+v, %v; want tmp/notes.txt 0640 uid 1000 (as root tar keeps modes and owners)", h, err)
	}
	if b, _ := io.ReadAll(tr); string(b) != body {
		t.Fatalf("archived body %q", b)
	}
	if out, _, code := execIn(t, cli, c.ID, nil, "sh", "-c", "tar cf - '/tmp/notes.txt' | tail -c+513"); code != 0 || out != full[512:] {
		t.Fatalf("tar cf - | tail -c+513: exit %d, %d bytes, want %d", code, len(out), len(full)-512)
	}
	if _, errs, code := execIn(t, cli, c.ID, nil, "tar", "cf", "-", "/tmp/nope"); code == 0 || !strings.Contains(errs, "tar: /tmp/nope: No such file or directory") {
		t.Fatalf("tar cf - /tmp/nope: exit %d, %q", code, errs)
	}
}
