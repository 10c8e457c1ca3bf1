package e2e

import (
	"regexp"
	"strings"
	"testing"
)

// Where podlab's CLI and kubectl disagree, kubectl is right: the read
// commands of Pod tutorials print the same page from both, once what time
// moves (ages, timestamps, lease renewals) is set aside.

// parityCommands are read verbs over the shared pods and the lab's nodes.
var parityCommands = [][]string{
	{"get", "pods"},
	{"get", "pods", "-o", "wide"},
	{"get", "pods", "--show-labels"},
	{"get", "nodes"},
	{"get", "nodes", "-o", "wide"},
	{"get", "nodes", "--show-labels"},
	{"describe", "node", "node-1"},
	{"describe", "node", "control-plane"},
	{"describe", "pod", "stuck"},
	{"describe", "pod", "web"},
	{"describe", "pod", "done"},
	{"get", "pods", "-A"},
	{"get", "namespaces"},
	{"get", "pod", "web", "-o", "jsonpath={.spec.nodeName} {.status.hostIP}"},
}

var (
	// An RFC 1123 time, as describe prints them.
	parityTime = regexp.MustCompile(`[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}`)
	// A kubectl age or event interval: 5s, 3m12s, 2d4h, <invalid>.
	parityAge = regexp.MustCompile(`\b\d+[smhd](\d+[smh])?\b|<invalid>`)
	// Runs of spaces: the columns' widths follow the ages' lengths.
	paritySpace = regexp.MustCompile(` {2,}`)
)

// normaliseForParity sets aside what differs between two runs a moment apart.
func normaliseForParity(s string) string {
	s = parityTime.ReplaceAllString(s, "TIME")
	s = parityAge.ReplaceAllString(s, "AGE")
	return paritySpace.ReplaceAllString(s, "  ")
}

func kubectlParity(t *testing.T, l *lab, k *kubectl) {
	for _, args := range parityCommands {
		name := strings.Join(args, " ")
		t.Run(name, func(t *testing.T) {
			// A pod or node may change between the two runs (a lease is
			// renewed, a condition moves): the pages must agree on one of
			// a few tries.
			var ours, theirs string
			for try := 0; try < 3; try++ {
				out, errOut, code := l.run(args...)
				if code != 0 {
					t.Fatalf("podlab %s: exit %d\n%s", name, code, errOut)
				}
				ours, theirs = normaliseForParity(out), normaliseForParity(k.ok(t, args...))
				if ours == theirs {
					return
				}
			}
			t.Errorf("podlab %s and kubectl disagree (kubectl is right):\n--- podlab\n%s\n--- kubectl\n%s", name, ours, theirs)
		})
	}
}
