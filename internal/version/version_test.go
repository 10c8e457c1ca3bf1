package version

import (
	"os"
	"regexp"
	"testing"
)

// The lab must claim the Kubernetes release whose API types it serves, or
// kubectl warns of a version skew on every command.
func TestKubernetesVersionFollowsTheAPIModule(t *testing.T) {
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*k8s\.io/api v0\.(\d+)\.(\d+)`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("go.mod requires no k8s.io/api")
	}
	if want := "v1." + string(m[1]) + "." + string(m[2]); KubernetesVersion != want {
		t.Fatalf("KubernetesVersion = %s, but go.mod's k8s.io/api is the release %s", KubernetesVersion, want)
	}
}
