package packcmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/podlab/podlab/ui/cli/cmdenv"
	"github.com/podlab/podlab/ui/cli/internal/clitest"
)

// packsRoot is podlab with the pack and exercise commands only; with no
// in-process runner it replays no pack.
func packsRoot(env *cmdenv.Env) *cobra.Command {
	return clitest.Root(env, Commands(env, nil)...)
}

func TestPackValidateNewAddAndList(t *testing.T) {
	h := clitest.New(t, packsRoot)
	dir := filepath.Join(h.Dir, "mypack")
	if out, _, code := h.Run("", "pack", "new", dir); code != 0 || !strings.Contains(out, "created a pack") {
		t.Fatalf("pack new: %d %q", code, out)
	}
	if out, _, code := h.Run("", "pack", "validate", dir); code != 0 || out != "pack my-pack 0.1.0 is valid: 1 chapter\n" {
		t.Fatalf("pack validate: %d %q", code, out)
	}
	os.WriteFile(filepath.Join(dir, "01-hello", "exercise.yaml"), []byte("title: x\nobjectivez: []\n"), 0o644)
	_, errOut, code := h.Run("", "pack", "validate", dir)
	if code != 1 || !strings.Contains(errOut, `01-hello/exercise.yaml:2: unknown key "objectivez" in exercise.yaml (known keys: title, objectives`) {
		t.Fatalf("broken pack: %d %q", code, errOut)
	}
	if out, _, code := h.Run("", "pack", "add", "../../../docs/example-pack"); code != 0 || !strings.Contains(out, "added pack example-sidecars") {
		t.Fatalf("pack add: %d %q", code, out)
	}
	out, _, _ := h.Run("", "pack", "list")
	if !strings.Contains(out, "podlab-basics") || !strings.Contains(out, "example-sidecars") {
		t.Fatalf("pack list:\n%s", out)
	}
}
