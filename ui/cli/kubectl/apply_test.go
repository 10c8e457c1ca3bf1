package kubectl

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/ui/cli/internal/clitest"
)

// apply --dry-run as kubectl's: client sends nothing, server sends the
// request with dryRun=All; both say so after the operation, -o prints the
// object instead, and nothing is stored.
func TestApplyDryRuns(t *testing.T) {
	h := newHarness(t)
	f := h.File("web.yaml", clitest.WebPod)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--dry-run=client"}, "pod/web created (dry run)\n"},
		{[]string{"--dry-run"}, "pod/web created (dry run)\n"},
		{[]string{"--dry-run=server"}, "pod/web created (server dry run)\n"},
		{[]string{"--dry-run=server", "-o", "name"}, "pod/web\n"},
	} {
		out, errOut, code := h.Run("", append([]string{"apply", "-f", f}, c.args...)...)
		if code != 0 || out != c.want {
			t.Fatalf("apply %v: exit %d %q %q, want %q", c.args, code, out, errOut, c.want)
		}
	}
	if _, err := h.St.Get(api.Pods, "default", "web"); err == nil {
		t.Fatal("a dry run stored the pod")
	}
	// The server's answer: defaulted, never stored.
	out, _, code := h.Run("", "apply", "-f", f, "--dry-run=server", "-o", "yaml")
	if code != 0 || !strings.Contains(out, "terminationGracePeriodSeconds: 30") || !strings.Contains(out, "kubectl.kubernetes.io/last-applied-configuration") {
		t.Fatalf("server dry run -o yaml: exit %d\n%s", code, out)
	}

	h.Run("", "apply", "-f", f)
	h.File("web.yaml", strings.Replace(clitest.WebPod, "busybox:1.35", "busybox:1.36", 1))
	if out, _, _ := h.Run("", "apply", "-f", f, "--dry-run=server"); out != "pod/web configured (server dry run)\n" {
		t.Fatalf("server dry run of a change: %q", out)
	}
	if out, _, _ := h.Run("", "apply", "-f", f, "--dry-run=client"); out != "pod/web configured (dry run)\n" {
		t.Fatalf("client dry run of a change: %q", out)
	}
	o, _ := h.St.Get(api.Pods, "default", "web")
	if img := o.(*corev1.Pod).Spec.Containers[0].Image; img != "busybox:1.35" {
		t.Fatalf("a dry run changed the image to %s", img)
	}
	if _, errOut, code := h.Run("", "apply", "-f", f, "--dry-run=maybe"); code != 1 || errOut != "error: Invalid dry-run value (maybe). Must be \"none\", \"server\", or \"client\".\n" {
		t.Fatalf("bad --dry-run: exit %d %q", code, errOut)
	}
}
