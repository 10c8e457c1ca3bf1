package tui

import (
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/api"
)

// verbs are the commands the command bar completes first.
var verbs = []string{"annotate", "api-resources", "apply", "attach", "create", "delete", "describe", "edit", "exec", "get", "label", "logs"}

// valueFlags take the next word as their value (kubectl's -n, -o, -c, -l, -f).
var valueFlags = map[string]bool{
	"-n": true, "--namespace": true, "-o": true, "--output": true, "-c": true, "--container": true,
	"-l": true, "--selector": true, "-f": true, "--filename": true,
}

// completion is the command bar's state between presses of tab: the
// candidates for the word being completed, and which one is on the line.
type completion struct {
	head       string // the line before the word being completed
	candidates []string
	idx        int    // the candidate on the line; -1 while the common prefix is
	line       string // the line as completion left it: a tab on it cycles
}

// completionData is what the command bar knows to complete from.
type completionData struct {
	pods []*corev1.Pod
	// files are the open chapter's -f paths (manifests/hello.yaml, manifests/).
	files []string
}

// nextCompletion completes the last word of line. A tab on a line the last
// completion left cycles through its candidates (back: the other way).
func nextCompletion(line string, prev *completion, data completionData, back bool) (string, *completion) {
	if prev != nil && line == prev.line && len(prev.candidates) > 1 {
		c := *prev
		n := len(c.candidates)
		switch {
		case back && c.idx < 0:
			c.idx = n - 1
		case back:
			c.idx = (c.idx - 1 + n) % n
		default:
			c.idx = (c.idx + 1) % n
		}
		c.line = c.head + c.candidates[c.idx] + " "
		return c.line, &c
	}
	done := strings.Fields(line)
	word := ""
	if len(done) > 0 && !strings.HasSuffix(line, " ") {
		word, done = done[len(done)-1], done[:len(done)-1]
	}
	head := line[:len(line)-len(word)]
	var matches []string
	for _, c := range candidates(done, data) {
		if strings.HasPrefix(c, word) {
			matches = append(matches, c)
		}
	}
	switch len(matches) {
	case 0:
		return line, nil
	case 1:
		return head + matches[0] + " ", nil
	}
	c := &completion{head: head, candidates: matches}
	if common := commonPrefix(matches); len(common) > len(word) {
		c.idx, c.line = -1, head+common
	} else {
		c.idx, c.line = 0, head+matches[0]+" "
	}
	return c.line, c
}

// candidates lists what may come after the words done: a verb, then what
// kubectl expects there (a resource type before names where it needs one,
// pod names for logs and exec, a flag's values). Nothing rather than
// something kubectl would reject.
func candidates(done []string, data completionData) []string {
	if len(done) > 0 && (done[0] == "kubectl" || done[0] == "podlab") {
		done = done[1:]
	}
	if len(done) == 0 {
		return verbs
	}
	verb, rest := done[0], done[1:]
	var args []string
	for i := 0; i < len(rest); i++ {
		w := rest[i]
		if !strings.HasPrefix(w, "-") || w == "-" {
			args = append(args, w)
			continue
		}
		if w == "--" {
			return nil // the command run by exec
		}
		if valueFlags[w] && !(verb == "logs" && w == "-f") {
			if i == len(rest)-1 {
				return flagValues(w, verb, args, data)
			}
			i++
		}
	}
	switch verb {
	case "get", "describe", "delete", "edit", "label", "annotate":
		if len(args) == 0 {
			return resourceTypes()
		}
		if r, ok := api.Lookup(args[0]); !ok || r.Name != api.Pods.Name {
			return nil // only pods are known by name here
		}
		if (verb == "edit" || verb == "label" || verb == "annotate") && len(args) > 1 {
			return nil // one object, then its labels
		}
		return without(podNames(data.pods), args[1:])
	case "logs", "exec", "attach":
		if len(args) == 0 {
			return podNames(data.pods)
		}
	}
	return nil
}

// flagValues completes a flag's value.
func flagValues(flag, verb string, args []string, data completionData) []string {
	switch flag {
	case "-o", "--output":
		return []string{"wide", "yaml", "json", "name"}
	case "-f", "--filename":
		return data.files
	case "-c", "--container":
		if len(args) == 0 || (verb != "logs" && verb != "exec" && verb != "attach") {
			return nil
		}
		for _, p := range data.pods {
			if p.Name == args[0] {
				var names []string
				for _, c := range p.Spec.Containers {
					names = append(names, c.Name)
				}
				return names
			}
		}
	}
	return nil
}

// resourceTypes are the lab's resources by their plural names, as kubectl completes them.
func resourceTypes() []string {
	out := make([]string, 0, len(api.All))
	for _, r := range api.All {
		out = append(out, r.Name)
	}
	return out
}

func podNames(pods []*corev1.Pod) []string {
	out := make([]string, 0, len(pods))
	for _, p := range pods {
		out = append(out, p.Name)
	}
	sort.Strings(out)
	return out
}

// without drops the names already typed.
func without(names, typed []string) []string {
	var out []string
	for _, n := range names {
		found := false
		for _, t := range typed {
			found = found || t == n
		}
		if !found {
			out = append(out, n)
		}
	}
	return out
}

func commonPrefix(words []string) string {
	p := words[0]
	for _, w := range words[1:] {
		for !strings.HasPrefix(w, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}
