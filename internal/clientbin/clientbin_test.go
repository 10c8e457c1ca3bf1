package clientbin

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The smoke tests build each client (minutes the first time on a machine,
// then from the cache) and check it runs and reports the release pinned.

func kubectlClientVersion(t *testing.T, bin string) string {
	t.Helper()
	cmd := exec.Command(bin, "version", "--client", "-o", "json")
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s version --client -o json: %v\n%s", bin, err, out)
	}
	var v struct {
		ClientVersion struct {
			Major, Minor, GitVersion, GitTreeState string
		}
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("kubectl version output is no JSON: %v\n%s", err, out)
	}
	if v.ClientVersion.GitTreeState != "clean" || v.ClientVersion.Major != "1" {
		t.Errorf("kubectl version: %+v, want major 1 and a clean tree", v.ClientVersion)
	}
	if want := "v1." + v.ClientVersion.Minor + "."; !strings.HasPrefix(v.ClientVersion.GitVersion, want) {
		t.Errorf("kubectl gitVersion %q does not agree with minor %q", v.ClientVersion.GitVersion, v.ClientVersion.Minor)
	}
	return v.ClientVersion.GitVersion
}

func TestKubectlReportsItsRelease(t *testing.T) {
	if got := kubectlClientVersion(t, Kubectl(t)); got != "v1.37.2" {
		t.Errorf("kubectl version --client: gitVersion %q, want v1.37.2", got)
	}
}

func TestKubectl130ReportsItsRelease(t *testing.T) {
	if got := kubectlClientVersion(t, Kubectl130(t)); !regexp.MustCompile(`^v1\.30\.\d+$`).MatchString(got) {
		t.Errorf("kubectl 1.30 version --client: gitVersion %q, want v1.30.x", got)
	}
}

func TestK9sReportsItsVersion(t *testing.T) {
	bin := K9s(t)
	home := t.TempDir()
	cmd := exec.Command(bin, "version", "--short")
	cmd.Env = K9sEnv(t, home)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("k9s version --short: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`(?m)^Version\s+v0\.50\.16$`).Match(out) {
		t.Errorf("k9s version --short printed\n%s\nwant a line Version v0.50.16", out)
	}
	// Even `version` sets up k9s's log directory: it must be the one in home.
	if _, err := os.Stat(filepath.Join(home, ".local", "state", "k9s")); err != nil {
		t.Errorf("k9s log dir: %v", err)
	}
}

func TestSecondCallUsesTheCache(t *testing.T) {
	first := Kubectl(t)
	before, err := os.Stat(first)
	if err != nil {
		t.Fatal(err)
	}
	resultsMu.Lock()
	delete(results, "kubectl") // forget this process's answer: go to the cache again
	resultsMu.Unlock()
	again := Kubectl(t)
	if again != first {
		t.Fatalf("second Kubectl = %s, first %s", again, first)
	}
	if after, err := os.Stat(again); err != nil || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("the cached binary was built again (or is gone): %v", err)
	}
}

func TestKubectlStampsFollowGoMod(t *testing.T) {
	gomod := []byte(`module m

go 1.26.0

require (
	k8s.io/component-base v0.37.2
	k8s.io/kubectl v0.37.2 // the library
)

require k8s.io/api v0.37.2 // indirect
`)
	xs, err := kubectlStamps(gomod)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(xs, " ")
	for _, want := range []string{"version.gitVersion=v1.37.2", "version.gitMajor=1", "version.gitMinor=37"} {
		if !strings.Contains(got, want) {
			t.Errorf("stamps %q lack %q", got, want)
		}
	}
	if v, err := requiredVersion(gomod, "k8s.io/api"); err != nil || v != "v0.37.2" {
		t.Errorf("single-line require: %q, %v", v, err)
	}
	mixed := []byte("module m\nrequire (\n\tk8s.io/component-base v0.37.2\n\tk8s.io/kubectl v0.36.1\n)\n")
	if _, err := kubectlStamps(mixed); err == nil {
		t.Error("kubectl and component-base of two releases: no error")
	}
	if _, err := kubectlStamps([]byte("module m\n")); err == nil {
		t.Error("go.mod without k8s.io/component-base: no error")
	}
}

func TestCacheKeyFollowsModuleFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module m\n")
	write("go.sum", "")
	write("main.go", "package main\n")
	key := func() string {
		t.Helper()
		k, err := cacheKey(kubectl, dir, "-s -w", "go1.26.8")
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	k0 := key()
	write("README.md", "not part of the build\n")
	if key() != k0 {
		t.Error("a file that is not go.mod, go.sum or Go changed the key")
	}
	for _, f := range []string{"go.mod", "go.sum", "main.go"} {
		write(f, "changed "+f+"\n")
		if k := key(); k == k0 {
			t.Errorf("changing %s kept the key", f)
		} else {
			k0 = k
		}
	}
	if k, _ := cacheKey(kubectl, dir, "-s -w", "go1.27.0"); k == k0 {
		t.Error("another toolchain kept the key")
	}
}

// TestK9sRunsInTmuxOnlyAgainstItsAPI starts k9s as the e2e tests will: in
// tmux, with K9sEnv's environment and a kubeconfig for a small stand-in API
// server on loopback, reads its screen and quits it with :q. It checks what
// K9sEnv promises: k9s finds its API, keeps its files in home, and asks
// nothing of anyone else. For that last one, HTTP(S)_PROXY name a recording
// listener: Go's HTTP clients send every request to a non-loopback host
// there (k9s's release check would be one), while the API on loopback is
// reached directly.
func TestK9sRunsInTmuxOnlyAgainstItsAPI(t *testing.T) {
	bin := K9s(t)
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		if ci() {
			t.Fatalf("tmux is missing (scripts/test installs it): %v", err)
		}
		t.Skipf("tmux is missing: %v", err)
	}
	api := httptest.NewServer(http.HandlerFunc(standInAPI))
	t.Cleanup(api.Close)

	proxy := newRecordingProxy(t)

	home := t.TempDir()
	env := append(K9sEnv(t, home), "HTTPS_PROXY="+proxy.url, "HTTP_PROXY="+proxy.url)
	kubeconfig := "apiVersion: v1\nkind: Config\n" +
		"clusters:\n- name: podlab\n  cluster: {server: \"" + api.URL + "\"}\n" +
		"contexts:\n- name: podlab\n  context: {cluster: podlab, user: podlab, namespace: default}\n" +
		"current-context: podlab\nusers:\n- name: podlab\n  user: {}\n"
	if err := os.WriteFile(filepath.Join(home, ".kube", "config"), []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	// tmux runs the command through its server's shell and environment:
	// env -i gives k9s K9sEnv's environment and nothing else.
	run := []string{"env", "-i", "TERM=tmux-256color"}
	for _, kv := range env {
		run = append(run, shellQuote(kv))
	}
	run = append(run, shellQuote(bin))
	sock := filepath.Join(t.TempDir(), "tmux.sock")
	tm := func(args ...string) (string, error) {
		out, err := exec.Command(tmux, append([]string{"-S", sock, "-f", "/dev/null"}, args...)...).CombinedOutput()
		return string(out), err
	}
	if out, err := tm("new-session", "-d", "-x", "150", "-y", "40", strings.Join(run, " ")); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { tm("kill-server") })

	screen := waitScreen(t, tm, func(s string) bool {
		return strings.Contains(s, "K9s Rev: v0.50.16") && strings.Contains(s, "K8s Rev: v1.37.2")
	})
	if !strings.Contains(screen, "podlab") {
		t.Errorf("k9s's screen does not name the context podlab:\n%s", screen)
	}
	if _, err := tm("send-keys", ":q", "Enter"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := tm("has-session"); err != nil {
			break // k9s quit, and its session with it
		}
		if time.Now().After(deadline) {
			out, _ := tm("capture-pane", "-p")
			t.Fatalf("k9s did not quit on :q:\n%s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := proxy.requests(); len(got) > 0 {
		t.Errorf("k9s reached beyond its API server: %q", got)
	}
	for _, f := range []string{".local/state/k9s/k9s.log", ".config/k9s/clusters/podlab/podlab/config.yaml"} {
		if _, err := os.Stat(filepath.Join(home, filepath.FromSlash(f))); err != nil {
			t.Errorf("k9s did not keep its files in home: %v", err)
		}
	}
}

func waitScreen(t *testing.T, tm func(...string) (string, error), ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := tm("capture-pane", "-p")
		if err == nil && ok(out) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("k9s's screen never showed what was awaited (err %v):\n%s", err, out)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// recordingProxy is a listener named as the HTTP proxy: it notes the first
// line of each request (CONNECT host:443 for HTTPS) and refuses it.
type recordingProxy struct {
	url string
	mu  sync.Mutex
	got []string
}

func newRecordingProxy(t *testing.T) *recordingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	p := &recordingProxy{url: "http://" + ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				line, _ := bufio.NewReader(c).ReadString('\n')
				p.mu.Lock()
				p.got = append(p.got, strings.TrimSpace(line))
				p.mu.Unlock()
				io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			}()
		}
	}()
	return p
}

func (p *recordingProxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.got)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// standInAPI answers the few requests k9s starts with: the version, core
// discovery with pods and namespaces, and empty lists. It is no model of
// podlab's API, only enough for k9s to connect.
func standInAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	p := r.URL.Path
	var body string
	switch {
	case p == "/version":
		body = `{"major":"1","minor":"37","gitVersion":"v1.37.2","platform":"linux/amd64"}`
	case p == "/api":
		body = `{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1"}]}`
	case p == "/apis":
		body = `{"kind":"APIGroupList","apiVersion":"v1","groups":[]}`
	case p == "/api/v1":
		body = `{"kind":"APIResourceList","groupVersion":"v1","resources":[` +
			`{"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["get","list","watch"],"shortNames":["po"]},` +
			`{"name":"namespaces","singularName":"namespace","namespaced":false,"kind":"Namespace","verbs":["get","list","watch"],"shortNames":["ns"]}]}`
	case r.Method == http.MethodGet && strings.HasSuffix(p, "/pods"):
		body = `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}`
	case r.Method == http.MethodGet && strings.HasSuffix(p, "/namespaces"):
		body = `{"kind":"NamespaceList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"default"},"status":{"phase":"Active"}}]}`
	default:
		w.WriteHeader(http.StatusNotFound)
		body = `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`
	}
	w.Write([]byte(body))
}

// tinyClient is a module of the test's own, to see the build path work (and
// fail) in seconds.
func tinyClient(t *testing.T, mainGo string) client {
	t.Helper()
	if testing.Short() && !ci() {
		t.Skip("builds a program (skipped with -short)")
	}
	dir := t.TempDir()
	for name, s := range map[string]string{"go.mod": "module example.com/tiny\n\ngo 1.22\n", "main.go": mainGo} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(CacheEnv, t.TempDir())
	return client{name: "tiny", dir: dir, pkg: ".", stamps: func([]byte) ([]string, error) {
		return []string{"-X main.stamp=stamped"}, nil
	}}
}

func TestBuildStampsCachesAndReuses(t *testing.T) {
	c := tinyClient(t, "package main\n\nvar stamp = \"unstamped\"\n\nfunc main() { println(stamp) }\n")
	bin, skip, err := obtain(t, c)
	if err != nil || skip != "" {
		t.Fatalf("obtain: %v %s", err, skip)
	}
	if !strings.HasPrefix(bin, os.Getenv(CacheEnv)) {
		t.Errorf("binary %s is not in the cache dir %s", bin, os.Getenv(CacheEnv))
	}
	out, err := exec.Command(bin).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "stamped" {
		t.Errorf("built program printed %q (%v), want stamped", out, err)
	}
	before, _ := os.Stat(bin)
	again, _, err := obtain(t, c)
	if err != nil || again != bin {
		t.Fatalf("second obtain: %s, %v; want %s", again, err, bin)
	}
	if after, _ := os.Stat(again); !after.ModTime().Equal(before.ModTime()) {
		t.Error("second obtain built again")
	}
	if err := os.WriteFile(filepath.Join(c.dir, "main.go"), []byte("package main\n\nvar stamp string\n\nfunc main() { println(stamp + \"!\") }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	changed, _, err := obtain(t, c)
	if err != nil || changed == bin {
		t.Fatalf("after main.go changed: %s, %v; want a new binary beside %s", changed, err, bin)
	}
	if out, _ := exec.Command(changed).CombinedOutput(); strings.TrimSpace(string(out)) != "stamped!" {
		t.Errorf("rebuilt program printed %q, want stamped!", out)
	}
}

func TestFailedBuildReportsItsOutput(t *testing.T) {
	c := tinyClient(t, "package main\n\nfunc main() { notDefined() }\n")
	_, skip, err := obtain(t, c)
	if err == nil || skip != "" {
		t.Fatalf("a program that does not compile: err %v, skip %q", err, skip)
	}
	for _, want := range []string{"building it failed", "notDefined", "go build"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
	entries, _ := os.ReadDir(os.Getenv(CacheEnv))
	for _, e := range entries {
		if sub, _ := os.ReadDir(filepath.Join(os.Getenv(CacheEnv), e.Name())); e.IsDir() && len(sub) > 0 {
			t.Errorf("a failed build left %s/%v in the cache", e.Name(), sub)
		}
	}
}
