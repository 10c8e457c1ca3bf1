package images

import (
	"regexp"
	"testing"
)

func regexpMatch(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }

func TestStandIn(t *testing.T) {
	set := Set{Pause: "p", Box: "b", Web: "w", Nginx: "n", Liveness: "l"}
	cases := map[string]string{
		"busybox": "b", "busybox:1.36": "b", "docker.io/library/busybox:latest": "b", "library/busybox@sha256:abc": "b",
		"nginx": "n", "nginx:1.25-alpine": "n", "registry.k8s.io/pause:3.9": "p",
		"registry.k8s.io/e2e-test-images/agnhost:2.39": "w", "registry.k8s.io/liveness": "l", "cnych/liveness": "l",
	}
	for ref, want := range cases {
		if got, ok := StandIn(set, ref); !ok || got != want {
			t.Errorf("StandIn(%q) = %q, %v; want %q", ref, got, ok, want)
		}
	}
	for _, ref := range []string{"alpine", "myregistry:5000/busybox", "nginxinc/nginx-unprivileged"} {
		if got, ok := StandIn(set, ref); ok {
			t.Errorf("StandIn(%q) = %q, want none", ref, got)
		}
	}
}
