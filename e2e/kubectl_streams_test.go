package e2e

import (
	"bytes"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The streaming commands of the real kubectl (logs -f, exec, exec -it, cp,
// port-forward), the subtests of TestKubectl that reach into containers.

// streamPods are TestKubectl's pods for the streams: one with podlab's
// stand-in busybox ("box") and upstream's busybox ("real", whose image has
// no /tmp of its own) side by side, and one that ticks every second.
const streamPods = `apiVersion: v1
kind: Pod
metadata: {name: files}
spec:
  containers:
  - name: box
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
  - name: real
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "mkdir -p /tmp; trap 'exit 0' TERM; while true; do sleep 1; done"]
---
apiVersion: v1
kind: Pod
metadata: {name: ticker}
spec:
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; i=0; while true; do echo tick $i; i=$((i+1)); sleep 1; done"]
`

// kubectlLogs: logs of ended containers; logs -f streams each line as the
// container prints it, until ctrl-c or the container's end.
func kubectlLogs(t *testing.T, k *kubectl) {
	k.want(t, 0, "done\n", "logs", "done")
	k.want(t, 0, "done\n", "logs", "pod/done", "-c", "app")
	k.want(t, 0, "", "logs", "failed")
	out := k.ok(t, "logs", "ticker", "--tail=2", "--timestamps")
	if !regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z tick \d+\n){2}$`).MatchString(out) {
		t.Errorf("logs --tail=2 --timestamps printed %q, want two timestamped ticks", out)
	}

	t.Run("follow-until-ctrl-c", func(t *testing.T) {
		f := k.start(t, "logs", "-f", "--tail=1", "ticker")
		tick := regexp.MustCompile(`^tick (\d+)$`)
		var got []line
		for i := 0; i < 4; i++ {
			_, l := f.waitLine(t, i, 10*time.Second, "a tick", func(string) bool { return true })
			if !tick.MatchString(l.text) {
				t.Fatalf("logs -f printed %q, want tick N", l.text)
			}
			got = append(got, l)
		}
		for i := 1; i < len(got); i++ {
			prev, _ := strconv.Atoi(tick.FindStringSubmatch(got[i-1].text)[1])
			n, _ := strconv.Atoi(tick.FindStringSubmatch(got[i].text)[1])
			if n != prev+1 {
				t.Errorf("logs -f printed %q after %q", got[i].text, got[i-1].text)
			}
			// The first line is the tail kubectl asked for; each later one
			// comes as the container prints it, a second apart.
			if gap := got[i].at.Sub(got[i-1].at); i > 1 && gap < 300*time.Millisecond {
				t.Errorf("%q came %s after %q: not streamed as printed", got[i].text, gap, got[i-1].text)
			}
		}
		f.interrupt()
		f.wait(t, 10*time.Second)
	})

	t.Run("follow-until-the-container-ends", func(t *testing.T) {
		k.applyFile(t, "countdown.yaml", `apiVersion: v1
kind: Pod
metadata: {name: countdown}
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "for i in 1 2 3; do echo line $i; sleep 1; done"]
`)
		f := k.start(t, "logs", "-f", "countdown")
		if code := f.wait(t, time.Minute); code != 0 || f.stdout() != "line 1\nline 2\nline 3\n" {
			t.Fatalf("logs -f of a container that ends: exit %d, stdout %q, stderr %q", code, f.stdout(), f.stderr())
		}
		lines, _, _ := f.snapshot()
		if gap := lines[2].at.Sub(lines[0].at); gap < time.Second {
			t.Errorf("line 3 came %s after line 1, printed 2 s apart: not streamed", gap)
		}
	})
}

// kubectlExec: exec's streams and exit codes.
func kubectlExec(t *testing.T, k *kubectl) {
	r := k.runWith(t, "hello from stdin\n", nil, "exec", "-i", "sleeper", "--", "sh", "-c", "cat; exit 3")
	if r.code != 3 || r.stdout != "hello from stdin\n" || r.stderr != "command terminated with exit code 3\n" {
		t.Errorf("exec -i with stdin: %v", r)
	}
	r = k.run(t, "exec", "sleeper", "--", "sh", "-c", "exit 3")
	if r.code != 3 || r.stdout != "" || r.stderr != "command terminated with exit code 3\n" {
		t.Errorf("exec of exit 3: %v", r)
	}
	r = k.run(t, "exec", "sleeper", "--", "sh", "-c", "echo out; echo err >&2")
	if r.code != 0 || r.stdout != "out\n" || r.stderr != "err\n" {
		t.Errorf("exec's stdout and stderr apart: %v", r)
	}
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	r = k.runWith(t, big, nil, "exec", "-i", "sleeper", "--", "wc", "-c")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "1048576" {
		t.Errorf("1 MiB through exec -i into wc -c: %v", r)
	}
	r = k.run(t, "exec", "files", "--", "sh", "-c", "echo $HOSTNAME")
	if r.code != 0 || r.stdout != "files\n" || r.stderr != "Defaulted container \"box\" out of: box, real\n" {
		t.Errorf("exec into a pod of two containers: %v", r)
	}
	r = k.run(t, "exec", "files", "-c", "real", "--", "busybox", "true")
	if r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Errorf("exec -c real: %v", r)
	}
	r = k.run(t, "exec", "done", "--", "true")
	if r.code != 1 || r.stderr != "error: cannot exec into a container in a completed pod; current phase is Succeeded\n" {
		t.Errorf("exec into a completed pod: %v", r)
	}
}

// kubectlExecTTY: exec -it in a terminal is an interactive shell; ctrl-c
// there interrupts the shell's command, not the shell.
func kubectlExecTTY(t *testing.T, k *kubectl) {
	requireTmux(t)
	prompt := regexp.MustCompile(`(?m)^/ #`)
	shell := func(t *testing.T, target ...string) *tmuxSession {
		env := append(append([]string(nil), k.env...), "TERM=xterm")
		args := append(append([]string{"exec", "-it"}, target...), "--", "sh")
		cmd := envLine(env) + " " + shellQuote(k.bin)
		for _, a := range args {
			cmd += " " + shellQuote(a)
		}
		s := newTmux(t, 100, 30, cmd+`; echo "kubectl exited $?"; sleep 600`)
		s.waitScreen(30*time.Second, "the shell's prompt", prompt.MatchString)
		return s
	}
	t.Run("shell", func(t *testing.T) {
		s := shell(t, "sleeper")
		s.literal("echo answer=$((6*7)); hostname")
		s.keys("Enter")
		s.waitScreen(20*time.Second, "the answer and the pod's hostname", func(sc string) bool {
			return hasLine(sc, "answer=42") && hasLine(sc, "sleeper")
		})
		s.literal("exit 5")
		s.keys("Enter")
		sc := s.waitScreen(20*time.Second, "kubectl's end", func(sc string) bool { return strings.Contains(sc, "kubectl exited ") })
		if !hasLine(sc, "command terminated with exit code 5") || !hasLine(sc, "kubectl exited 5") {
			t.Errorf("after exit 5 in the shell, want kubectl to say so and exit 5:\n%s", sc)
		}
	})
	// The key goes through as the terminal's ^C: the container's terminal
	// sends SIGINT to the foreground command; an interactive shell lives
	// on. Upstream's busybox, and podlab's stand-in.
	for _, c := range []string{"real", "box"} {
		t.Run("ctrl-c/"+c, func(t *testing.T) {
			s := shell(t, "files", "-c", c)
			s.literal("sleep 100")
			s.keys("Enter")
			time.Sleep(300 * time.Millisecond)
			s.keys("C-c")
			// Typed only at the new prompt: typed ahead, the terminal
			// echoes it before the shell's prompt and the answer ends up
			// beside the prompt, not on a line of its own.
			s.waitScreen(20*time.Second, "a new prompt after ctrl-c", func(sc string) bool {
				return len(prompt.FindAllString(sc, -1)) >= 2 || strings.Contains(sc, "kubectl exited ")
			})
			s.literal("echo after-ctrl-c")
			s.keys("Enter")
			s.waitScreen(20*time.Second, "the shell's answer after ctrl-c", func(sc string) bool {
				return hasLine(sc, "after-ctrl-c") || strings.Contains(sc, "kubectl exited ")
			})
			if sc := s.screen(); strings.Contains(sc, "kubectl exited ") {
				t.Fatalf("ctrl-c at `sleep 100` ended the shell, want it to end only sleep, as busybox's sh does:\n%s", sc)
			}
			s.literal("exit")
			s.keys("Enter")
			s.waitScreen(20*time.Second, "kubectl's end", func(sc string) bool { return hasLine(sc, "kubectl exited 0") })
		})
	}
}

// kubectlCp: kubectl cp both ways, a directory tree and a single file,
// through tar in the container: upstream's busybox, and podlab's stand-in.
func kubectlCp(t *testing.T, k *kubectl) {
	src := t.TempDir()
	files := map[string]string{
		"a.txt":         "one\n",
		"sub/b.txt":     "two\n",
		"sub/deep/c.sh": "#!/bin/sh\necho three\n",
		"big.bin":       strings.Repeat("\x00\x01binary\xff", 40000),
	}
	for name, content := range files {
		p := filepath.Join(src, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []string{"real", "box"} {
		t.Run(c, func(t *testing.T) {
			k.want(t, 0, "", "cp", src, "files:/tmp/tree", "-c", c)
			if out := k.ok(t, "exec", "files", "-c", c, "--", "cat", "/tmp/tree/sub/b.txt", "/tmp/tree/a.txt"); out != "two\none\n" {
				t.Fatalf("the copied files hold %q", out)
			}
			// Into the container, the modes go too (the tar kubectl writes
			// has them): the script runs by its path.
			if out := k.ok(t, "exec", "files", "-c", c, "--", "/tmp/tree/sub/deep/c.sh"); out != "three\n" {
				t.Errorf("the copied script printed %q", out)
			}
			back := filepath.Join(t.TempDir(), "back")
			r := k.run(t, "cp", "files:/tmp/tree", back, "-c", c)
			if r.code != 0 {
				t.Fatalf("cp from the pod: %v", r)
			}
			if got := readTree(t, back); !equalTree(got, files) {
				t.Fatalf("cp there and back changed the tree:\ngot  %q\nwant %q\n%v", keys(got), keys(files), r)
			}
			// (Out of it, upstream's kubectl creates plain files: no modes.)

			one := filepath.Join(t.TempDir(), "note.txt")
			writeFile(t, one, "a single file\n")
			k.want(t, 0, "", "cp", one, "files:/tmp/note.txt", "-c", c)
			got := filepath.Join(t.TempDir(), "got.txt")
			if r := k.run(t, "cp", "files:/tmp/note.txt", got, "-c", c); r.code != 0 {
				t.Fatalf("cp of a file from the pod: %v", r)
			}
			if b, err := os.ReadFile(got); err != nil || string(b) != "a single file\n" {
				t.Errorf("the file copied back holds %q (%v)", b, err)
			}
		})
	}
}

func readTree(t *testing.T, root string) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		got[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatalf("reading %s: %v", root, err)
	}
	return got
}

func equalTree(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func keys(m map[string]string) []string {
	var ks []string
	for k, v := range m {
		ks = append(ks, k+"("+strconv.Itoa(len(v))+" bytes)")
	}
	return ks
}

// kubectlPortForward: HTTP and a raw TCP exchange through port-forward to
// the nginx stand-in; ctrl-c ends it cleanly; a port nothing listens on
// loses the connection as upstream's does.
func kubectlPortForward(t *testing.T, k *kubectl) {
	pf := k.start(t, "port-forward", "pod/web", "0:http")
	_, first := pf.waitLine(t, 0, 30*time.Second, "Forwarding from", func(s string) bool { return strings.HasPrefix(s, "Forwarding from ") })
	m := regexp.MustCompile(`^Forwarding from 127\.0\.0\.1:(\d+) -> 80$`).FindStringSubmatch(first.text)
	if m == nil {
		t.Fatalf("port-forward's first line %q, want Forwarding from 127.0.0.1:PORT -> 80", first.text)
	}
	port := m[1]
	hc := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for i := range 2 {
		resp, err := hc.Get("http://127.0.0.1:" + port + "/")
		if err != nil {
			t.Fatalf("GET %d through kubectl port-forward: %v\nstderr: %s", i, err, pf.stderr())
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "Welcome to nginx!") {
			t.Fatalf("GET %d: %s\n%s", i, resp.Status, body)
		}
	}
	conn, err := net.DialTimeout("tcp", "127.0.0.1:"+port, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(conn, "GET / HTTP/1.0\r\nHost: web\r\n\r\n")
	raw, err := io.ReadAll(conn)
	conn.Close()
	if err != nil || !regexp.MustCompile(`^HTTP/1\.[01] 200 OK\r\n`).Match(raw) || !bytes.Contains(raw, []byte("Welcome to nginx!")) {
		t.Fatalf("a raw HTTP/1.0 exchange through port-forward: %v\n%s", err, raw)
	}
	pf.waitStdout(t, 10*time.Second, "three Handling connection lines", func(out string) bool {
		return strings.Count(out, "Handling connection for "+port+"\n") == 3
	})
	pf.interrupt()
	if code := pf.wait(t, 10*time.Second); code != 0 {
		t.Errorf("port-forward exit %d after ctrl-c, want 0\nstderr: %s", code, pf.stderr())
	}

	refused := k.start(t, "port-forward", "pod/web", "0:81")
	_, first = refused.waitLine(t, 0, 30*time.Second, "Forwarding from", func(s string) bool { return strings.HasPrefix(s, "Forwarding from 127.0.0.1:") })
	addr := strings.TrimSuffix(strings.TrimPrefix(first.text, "Forwarding from "), " -> 81")
	if c, err := net.DialTimeout("tcp", addr, 10*time.Second); err == nil {
		c.SetDeadline(time.Now().Add(20 * time.Second))
		io.ReadAll(c)
		c.Close()
	}
	if code := refused.wait(t, 30*time.Second); code != 1 {
		t.Errorf("port-forward to a closed port: exit %d, want 1", code)
	}
	mustContain(t, "port-forward's stderr", refused.stderr(), "error forwarding port 81 to pod ", "connection refused", "error: lost connection to pod\n")
}
