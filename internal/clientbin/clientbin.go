// Package clientbin gives podlab's tests the real client programs they drive
// podlab's API with — kubectl of the newest and of the oldest release podlab
// serves, and k9s — built from the pinned modules under e2e/clients once per
// machine and cached, so each test only asks for a path.
//
// A binary is built with the Go toolchain on PATH (CGO_ENABLED=0, -trimpath,
// -mod=readonly, GOTOOLCHAIN=local: nothing but the module proxy is needed)
// into the user's cache directory, under a name that carries a hash of its
// module's go.mod, go.sum and Go files, the version stamps and the toolchain,
// so a change to any of them builds anew and an unchanged one is reused. A
// file lock keeps parallel test packages from building the same binary
// twice. A failed build fails the test with the build's output; with CI=true
// nothing here is ever skipped.
package clientbin

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// BuildTimeout bounds one build (and the wait for another process's build of
// the same binary). A first build of k9s on a fresh two-core machine, with
// its modules still to download, takes several minutes.
const BuildTimeout = 30 * time.Minute

// CacheEnv names the variable that, when set, replaces the default cache
// directory ($XDG_CACHE_HOME or ~/.cache, then podlab-test/clients).
const CacheEnv = "PODLAB_CLIENTBIN_CACHE"

// client is one program this package builds.
type client struct {
	name string // binary name and cache-directory prefix
	dir  string // its module, relative to the repository root (or absolute)
	pkg  string // the main package to build, in that module
	// stamps returns the -X flags that make the binary report its release,
	// read from the module's go.mod.
	stamps func(gomod []byte) ([]string, error)
}

var (
	kubectl = client{
		name: "kubectl", dir: "e2e/clients/kubectl", pkg: ".",
		stamps: kubectlStamps,
	}
	kubectl130 = client{
		name: "kubectl130", dir: "e2e/clients/kubectl130", pkg: ".",
		stamps: kubectlStamps,
	}
	k9s = client{
		name: "k9s", dir: "e2e/clients/k9s", pkg: "github.com/derailed/k9s",
		stamps: k9sStamps,
	}
)

// Kubectl returns the path of kubectl of the newest release podlab serves
// (1.37), building it first if this machine has not yet.
func Kubectl(t testing.TB) string { t.Helper(); return binary(t, kubectl) }

// Kubectl130 returns the path of kubectl 1.30, the oldest release podlab
// promises to serve, building it first if this machine has not yet.
func Kubectl130(t testing.TB) string { t.Helper(); return binary(t, kubectl130) }

// K9s returns the path of k9s, building it first if this machine has not
// yet. Run it with K9sEnv.
func K9s(t testing.TB) string { t.Helper(); return binary(t, k9s) }

// BuildEnv is the environment the binaries are built in: the caller's, with
// the settings that make the build reproducible and need nothing but the
// module proxy. -mod=readonly builds exactly what the committed go.mod and
// go.sum say (a stale one is an error, never silently rewritten); GOWORK=off
// keeps any go.work out; GOTOOLCHAIN=local never downloads a toolchain;
// -buildvcs=false keeps the repository's commit out of the binaries.
func BuildEnv() []string {
	drop := []string{"GOFLAGS", "GOWORK", "GOTOOLCHAIN", "CGO_ENABLED", "GOOS", "GOARCH"}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, k) {
			env = append(env, kv)
		}
	}
	return append(env,
		"GOFLAGS=-mod=readonly -buildvcs=false",
		"GOWORK=off",
		"GOTOOLCHAIN=local",
		"CGO_ENABLED=0",
		"GOOS="+runtime.GOOS,
		"GOARCH="+runtime.GOARCH,
	)
}

func ci() bool { return os.Getenv("CI") == "true" }

// result is one client's outcome in this process: built once, then handed
// out (or its failure reported) to every test that asks.
type result struct {
	once sync.Once
	path string
	err  error
	skip string // why a developer's run skips (never in CI)
}

var (
	resultsMu sync.Mutex
	results   = map[string]*result{}
)

func binary(t testing.TB, c client) string {
	t.Helper()
	resultsMu.Lock()
	r := results[c.name]
	if r == nil {
		r = &result{}
		results[c.name] = r
	}
	resultsMu.Unlock()
	r.once.Do(func() { r.path, r.skip, r.err = obtain(t, c) })
	if r.err != nil {
		t.Fatalf("clientbin: %s: %v", c.name, r.err)
	}
	if r.skip != "" {
		t.Skip(r.skip)
	}
	return r.path
}

// obtain returns the cached binary, building it when missing. skip is set
// only outside CI, when the machine cannot build and a developer may go on.
func obtain(t testing.TB, c client) (path, skip string, err error) {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		return "", "", err
	}
	modDir := filepath.Join(root, filepath.FromSlash(c.dir))
	if filepath.IsAbs(c.dir) { // a test's own module
		modDir = c.dir
	}
	gomod, err := os.ReadFile(filepath.Join(modDir, "go.mod"))
	if err != nil {
		return "", "", err
	}
	xs, err := c.stamps(gomod)
	if err != nil {
		return "", "", fmt.Errorf("%s/go.mod: %w", c.dir, err)
	}
	ldflags := strings.Join(append([]string{"-s", "-w"}, xs...), " ")
	goBin, err := goTool()
	if err != nil {
		if ci() {
			return "", "", fmt.Errorf("no Go toolchain to build it with (CI=true forbids skipping): %v", err)
		}
		return "", "no Go toolchain to build " + c.name + " with: " + err.Error(), nil
	}
	goVersion, err := goEnvVersion(goBin)
	if err != nil {
		return "", "", err
	}
	key, err := cacheKey(c, modDir, ldflags, goVersion)
	if err != nil {
		return "", "", err
	}
	cache, err := cacheRoot()
	if err != nil {
		return "", "", err
	}
	dir := filepath.Join(cache, c.name+"-"+key)
	bin := filepath.Join(dir, c.name)
	if isExecutable(bin) {
		return bin, "", nil
	}
	if testing.Short() && !ci() {
		return "", c.name + " is not built on this machine yet and building it takes minutes (skipped with -short)", nil
	}

	deadline := time.Now().Add(BuildTimeout)
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if td, ok := d.Deadline(); ok && td.Add(-time.Minute).Before(deadline) {
			deadline = td.Add(-time.Minute)
		}
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", "", err
	}
	unlock, err := lockFile(filepath.Join(cache, c.name+"-"+key+".lock"), deadline, func() {
		t.Logf("clientbin: waiting for another process building %s", c.name)
	})
	if err != nil {
		return "", "", err
	}
	defer unlock()
	if isExecutable(bin) { // the other process built it
		return bin, "", nil
	}

	t.Logf("clientbin: building %s from %s (%s; minutes the first time) into %s", c.name, c.dir, strings.Join(xs, " "), dir)
	start := time.Now()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".%s.%d.tmp", c.name, os.Getpid()))
	defer os.Remove(tmp)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-trimpath", "-ldflags", ldflags, "-o", tmp, c.pkg)
	cmd.Dir = modDir
	cmd.Env = BuildEnv()
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		err = fmt.Errorf("%v (build timed out after %s)", err, time.Since(start).Round(time.Second))
	}
	if err != nil {
		return "", "", fmt.Errorf("building it failed: %v\n$ cd %s && %s\n%s", err, modDir, shellLine(cmd), out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", "", err
	}
	t.Logf("clientbin: built %s in %s", c.name, time.Since(start).Round(time.Second))
	return bin, "", nil
}

func shellLine(cmd *exec.Cmd) string {
	var b strings.Builder
	b.WriteString("CGO_ENABLED=0 GOFLAGS='-mod=readonly -buildvcs=false' GOWORK=off GOTOOLCHAIN=local")
	for _, a := range cmd.Args {
		b.WriteByte(' ')
		if strings.ContainsAny(a, " \t'\"$") {
			b.WriteString("'" + strings.ReplaceAll(a, "'", `'\''`) + "'")
		} else {
			b.WriteString(a)
		}
	}
	return b.String()
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// repoRoot finds podlab's main module from the working directory, which go
// test sets to the package's directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && modulePath(b) == "github.com/podlab/podlab" {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside podlab's repository (no go.mod of module github.com/podlab/podlab above the working directory)")
		}
		dir = parent
	}
}

// goTool is the go command of the toolchain the tests run under when go
// test said where that is, else the one on PATH.
func goTool() (string, error) {
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); isExecutable(p) {
			return p, nil
		}
	}
	return exec.LookPath("go")
}

func goEnvVersion(goBin string) (string, error) {
	cmd := exec.Command(goBin, "env", "GOVERSION")
	cmd.Env = BuildEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go env GOVERSION: %v: %s", err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

func cacheRoot() (string, error) {
	if d := os.Getenv(CacheEnv); d != "" {
		return filepath.Abs(d)
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "podlab-test", "clients"), nil
}

// cacheKey hashes everything the binary is made of: the module's go.mod,
// go.sum and Go files, what is built and how, and the toolchain.
func cacheKey(c client, modDir, ldflags, goVersion string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "name=%s\npkg=%s\nldflags=%s\ngo=%s\nplatform=%s/%s\nflags=-trimpath -mod=readonly CGO_ENABLED=0\n",
		c.name, c.pkg, ldflags, goVersion, runtime.GOOS, runtime.GOARCH)
	entries, err := os.ReadDir(modDir)
	if err != nil {
		return "", err
	}
	for _, e := range entries { // ReadDir sorts by name
		n := e.Name()
		if !e.Type().IsRegular() || !(n == "go.mod" || n == "go.sum" || strings.HasSuffix(n, ".go")) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(modDir, n))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "file %s %d\n", n, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// modulePath is the path on go.mod's module line.
func modulePath(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// requiredVersion is the version go.mod requires of module path, in a
// require line or block.
func requiredVersion(gomod []byte, path string) (string, error) {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	inBlock := false
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "//")
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
			continue
		case f[0] == "require" && len(f) == 2 && f[1] == "(":
			inBlock = true
			continue
		case inBlock && f[0] == ")":
			inBlock = false
			continue
		case f[0] == "require" && len(f) >= 3:
			f = f[1:]
		case !inBlock:
			continue
		}
		if len(f) >= 2 && f[0] == path {
			return f[1], nil
		}
	}
	return "", fmt.Errorf("requires no %s", path)
}

// kubectlStamps are the -X flags Kubernetes' release build sets on
// k8s.io/component-base/version, for the release the module pins: library
// version v0.M.P is Kubernetes v1.M.P. Every k8s.io module of a kubectl
// build must be at that one release.
func kubectlStamps(gomod []byte) ([]string, error) {
	base, err := requiredVersion(gomod, "k8s.io/component-base")
	if err != nil {
		return nil, err
	}
	lib, err := requiredVersion(gomod, "k8s.io/kubectl")
	if err != nil {
		return nil, err
	}
	if lib != base {
		return nil, fmt.Errorf("k8s.io/kubectl %s and k8s.io/component-base %s are not one release", lib, base)
	}
	parts := strings.Split(strings.TrimPrefix(base, "v"), ".")
	if len(parts) != 3 || parts[0] != "0" || strings.ContainsAny(parts[2], "-+") {
		return nil, fmt.Errorf("k8s.io/component-base %s is not a v0.MINOR.PATCH release", base)
	}
	const pkg = "k8s.io/component-base/version"
	return []string{
		"-X " + pkg + ".gitVersion=v1." + parts[1] + "." + parts[2],
		"-X " + pkg + ".gitMajor=1",
		"-X " + pkg + ".gitMinor=" + parts[1],
		"-X " + pkg + ".gitTreeState=clean",
		// The upstream commit is not known from a module; an empty one
		// reads better than the unexpanded "$Format:%H$".
		"-X " + pkg + ".gitCommit=",
	}, nil
}

// k9sStamps are the -X flags k9s's own release build sets, for the k9s
// version the module pins.
func k9sStamps(gomod []byte) ([]string, error) {
	v, err := requiredVersion(gomod, "github.com/derailed/k9s")
	if err != nil {
		return nil, err
	}
	return []string{"-X github.com/derailed/k9s/cmd.version=" + v}, nil
}
