// Package testenv gives podlab's integration tests what they need from the
// machine: a Docker Engine (required, not skipped, when CI=true) and a static
// podlab binary to build the offline images from.
package testenv

import (
	"context"
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
// returns its path. Its images are built from it.
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
		dir := filepath.Join(os.TempDir(), "podlab-test-bin")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "podlab")
		// Build to a temporary name and rename, so concurrent test packages never exec a half-written file.
		tmp, err := os.CreateTemp(dir, "podlab-*.tmp")
		if err != nil {
			buildErr = err
			return
		}
		tmp.Close()
		cmd := exec.Command("go", "build", "-o", tmp.Name(), ".")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = err
			binPath = string(out)
			return
		}
		buildErr = os.Rename(tmp.Name(), binPath)
	})
	if buildErr != nil {
		t.Fatalf("building podlab: %v\n%s", buildErr, binPath)
	}
	return binPath
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}
