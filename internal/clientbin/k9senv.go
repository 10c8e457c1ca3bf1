package clientbin

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// K9sConfig is the config.yaml K9sEnv gives k9s. skipLatestRevCheck stops
// the one request k9s makes on its own: without it, k9s asks GitHub's API
// for its latest release as it starts and on every cluster-info refresh.
// Image scans (the only other thing that would reach out, for a
// vulnerability database) are off by default; the file says so all the same.
const K9sConfig = `k9s:
  skipLatestRevCheck: true
  imageScans:
    enable: false
`

// K9sEnv prepares home as the whole world k9s sees and returns the
// environment to run it in (e.g. exec.Cmd.Env, or tmux new-session -e). The
// environment is built from nothing, not from the caller's, so that no
// setting of the developer's — kubeconfig, proxy variables, k9s's own — leaks
// in; a caller adds what it needs (TERM comes from tmux) by appending, and a
// later entry wins.
//
// What k9s reads and writes, and where this puts it:
//   - K9S_CONFIG_DIR=home/.config/k9s: config.yaml (written here, unless
//     home already has one), aliases, hotkeys, plugins, views, skins, and the
//     clusters/ per-context state and screen-dumps/ and benchmarks/ it writes.
//     With it set, k9s uses no XDG directory for these.
//   - K9S_LOGS_DIR=home/.local/state/k9s: k9s.log. Without it (and with
//     K9S_CONFIG_DIR set) k9s logs to $TMPDIR/$USER/k9s.
//   - KUBECONFIG=home/.kube/config: the caller writes the kubeconfig there
//     (or appends its own KUBECONFIG); KUBECACHEDIR=home/.kube/cache keeps
//     client-go's discovery cache there.
//   - HOME, XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_STATE_HOME, XDG_CACHE_HOME,
//     TMPDIR under home, for the libraries that look there themselves (helm's
//     config and cache, the xdg package's defaults, temporary files such as
//     the edited manifest of an edit).
//
// With these, k9s 0.50 connects to nothing but the API server in the
// kubeconfig: traced (strace, in a network namespace with only loopback) it
// opened no other socket, where without skipLatestRevCheck it looks up
// api.github.com on each refresh. TestK9sRunsInTmuxOnlyAgainstItsAPI keeps
// checking that through a recording HTTP proxy. LANG=C.UTF-8 lets k9s draw
// its frames and tmux pass them on.
func K9sEnv(t testing.TB, home string) []string {
	t.Helper()
	home, err := filepath.Abs(home)
	if err != nil {
		t.Fatal(err)
	}
	p := func(rel string) string { return filepath.Join(home, filepath.FromSlash(rel)) }
	configDir := p(".config/k9s")
	for _, d := range []string{configDir, p(".local/state/k9s"), p(".local/share"), p(".cache"), p(".kube/cache"), p("tmp")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(configDir, "config.yaml")
	if _, err := os.Stat(cfg); errors.Is(err, fs.ErrNotExist) {
		if err := os.WriteFile(cfg, []byte(K9sConfig), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := os.Getenv("PATH")
	if path == "" {
		path = "/usr/local/bin:/usr/bin:/bin"
	}
	return []string{
		"PATH=" + path,
		"HOME=" + home,
		"LANG=C.UTF-8",
		"K9S_CONFIG_DIR=" + configDir,
		"K9S_LOGS_DIR=" + p(".local/state/k9s"),
		"KUBECONFIG=" + p(".kube/config"),
		"KUBECACHEDIR=" + p(".kube/cache"),
		"XDG_CONFIG_HOME=" + p(".config"),
		"XDG_DATA_HOME=" + p(".local/share"),
		"XDG_STATE_HOME=" + p(".local/state"),
		"XDG_CACHE_HOME=" + p(".cache"),
		"TMPDIR=" + p("tmp"),
	}
}
