package tui

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func completionFixture() completionData {
	pods := fixturePods()
	return completionData{pods: []*corev1.Pod{&pods[0], &pods[1]}, files: []string{"manifests/", "manifests/hello.yaml"}}
}

// Each case presses tab len(want) times from line and expects the lines in
// turn: kubectl-valid commands, cycling instead of appending.
func TestCompletionCyclesThroughValidCandidates(t *testing.T) {
	cases := []struct {
		line string
		want []string
		// shown are the candidates listed after the first tab (nil: none, it was unique).
		shown []string
	}{
		{"ge", []string{"get "}, nil},
		{"get po", []string{"get pod", "get pods ", "get poddisruptionbudgets "}, []string{"pods", "poddisruptionbudgets"}},
		{"get pods", []string{"get pods "}, nil},
		{"get ", []string{"get pods ", "get nodes ", "get namespaces "}, []string{"pods", "nodes", "namespaces", "events", "configmaps", "secrets", "services", "endpoints", "replicationcontrollers", "deployments", "replicasets", "daemonsets", "statefulsets", "controllerrevisions", "jobs", "cronjobs", "endpointslices", "leases", "poddisruptionbudgets"}},
		{"d", []string{"de", "delete ", "describe ", "delete "}, []string{"delete", "describe"}},
		{"describe pod ", []string{"describe pod crasher ", "describe pod nginx ", "describe pod crasher "}, []string{"crasher", "nginx"}},
		{"get pods crasher ", []string{"get pods crasher nginx ", "get pods crasher nginx "}, nil},
		{"logs ", []string{"logs crasher ", "logs nginx "}, []string{"crasher", "nginx"}},
		{"logs n", []string{"logs nginx "}, nil},
		{"logs nginx -c s", []string{"logs nginx -c shell "}, nil},
		{"exec -it nginx -c ", []string{"exec -it nginx -c nginx ", "exec -it nginx -c shell "}, []string{"nginx", "shell"}},
		{"label pod nginx ", []string{"label pod nginx "}, nil},
		{"get pods -o w", []string{"get pods -o wide "}, nil},
		{"apply -f ", []string{"apply -f manifests/", "apply -f manifests/ ", "apply -f manifests/hello.yaml "}, []string{"manifests/", "manifests/hello.yaml"}},
		{"get he", []string{"get he"}, nil},
		{"exec nginx -- ", []string{"exec nginx -- "}, nil},
		{"kubectl get no", []string{"kubectl get nodes "}, nil},
	}
	for _, c := range cases {
		line, comp := c.line, (*completion)(nil)
		for i, want := range c.want {
			line, comp = nextCompletion(line, comp, completionFixture(), false)
			if line != want {
				t.Fatalf("%q: tab %d gave %q, want %q", c.line, i+1, line, want)
			}
			if i == 0 {
				var shown []string
				if comp != nil {
					shown = comp.candidates
				}
				if !slices.Equal(shown, c.shown) {
					t.Fatalf("%q: candidates %q, want %q", c.line, shown, c.shown)
				}
			}
		}
	}
	// shift+tab cycles back.
	line, comp := nextCompletion("d", nil, completionFixture(), false)
	line, comp = nextCompletion(line, comp, completionFixture(), true)
	if line != "describe " {
		t.Fatalf("shift+tab after the common prefix gave %q", line)
	}
	// Typing ends the cycle: the next tab completes the new word.
	line, _ = nextCompletion(line+"pod n", comp, completionFixture(), false)
	if line != "describe pod nginx " {
		t.Fatalf("after typing on: %q", line)
	}
}

func TestCommandBarShowsAmbiguousCandidates(t *testing.T) {
	m := step(t, newTestModel(t), press(":", "d", "tab")...)
	s := screenText(m)
	if m.input.Value() != "de" || !strings.Contains(s, "delete  describe\n: de") {
		t.Fatalf("d+tab: line %q, screen:\n%s", m.input.Value(), s)
	}
	m = step(t, m, press("tab", "tab")...)
	if m.input.Value() != "describe " {
		t.Fatalf("tab cycled to %q", m.input.Value())
	}
	m = step(t, m, press("p")...)
	if strings.Contains(screenText(m), "delete  describe") {
		t.Fatal("the candidates stay after typing")
	}
}
