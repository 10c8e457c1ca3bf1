// Package testenv gives podlab's integration tests what they need from the
// machine: a Docker Engine (required, not skipped, when CI=true) and a static
// podlab binary to build the offline images from.
package testenv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/client"
)

// CI reports whether the tests run in CI, where nothing may be skipped.
func CI() bool { return os.Getenv("CI") == "true" }

// Docker returns a client for the local engine with API version negotiation.
// Without an engine the test is skipped on a developer machine and fails in CI.
func Docker(t testing.TB) *client.Client {
	t.Helper()
	if testing.Short() && !CI() {
		t.Skip("integration test: needs Docker (skipped with -short)")
	}
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = cli.Ping(ctx)
	}
	if err != nil {
		if CI() {
			t.Fatalf("integration test needs a Docker Engine and CI=true forbids skipping: %v", err)
		}
		t.Skipf("integration test: no Docker Engine: %v", err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// PodlabBinary builds the static podlab binary once per test process and
// returns its path; the lean podlab-box its images are made from is built
// beside it, as README's build command does.
func PodlabBinary(t testing.TB) string {
	t.Helper()
	// PODLAB_TEST_BINARY runs the tests against a binary built elsewhere
	// (e.g. with -race, beside PODLAB_BOX_BINARY).
	if bin := os.Getenv("PODLAB_TEST_BINARY"); bin != "" {
		return bin
	}
	buildOnce.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		// One directory per checkout, so two checkouts tested at once never swap binaries.
		sum := sha256.Sum256([]byte(root))
		dir := filepath.Join(os.TempDir(), "podlab-test-bin-"+hex.EncodeToString(sum[:6]))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			buildErr = err
			return
		}
		for _, b := range []struct{ name, pkg string }{{"podlab-box", "./runtime/images/box/podlab-box"}, {"podlab", "."}} {
			if binPath, buildErr = build(root, dir, b.name, b.pkg); buildErr != nil {
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatalf("building podlab: %v\n%s", buildErr, binPath)
	}
	return binPath
}

// build builds pkg as dir/name: to a temporary name, then renamed, so
// concurrent test packages never exec a half-written file. On failure the
// returned string is the compiler's output.
func build(root, dir, name, pkg string) (string, error) {
	tmp, err := os.CreateTemp(dir, name+"-*.tmp")
	if err != nil {
		return "", err
	}
	tmp.Close()
	cmd := exec.Command("go", "build", "-o", tmp.Name(), pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return string(out), err
	}
	path := filepath.Join(dir, name)
	return path, os.Rename(tmp.Name(), path)
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}
