package lessons

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/podlab/podlab/exercises"
	"github.com/podlab/podlab/runtime/api"
)

// loadChapter reads one chapter directory: lesson.md (and translations
// lesson.<lang>.md), manifests/*.yaml, exercise.yaml.
// line is the chapter's line in pack.yaml.
func (l *loader) loadChapter(dir string, line int) *Chapter {
	if !fs.ValidPath(dir) || strings.ContainsAny(dir, "/\\") || dir == "." {
		l.fail("pack.yaml", line, "chapter %q must be a directory name inside the pack", dir)
		return nil
	}
	c := &Chapter{Dir: dir, Lessons: map[string]string{}, Manifests: map[string][]api.Manifest{}}
	entries, err := l.readDir(dir)
	if err == errRefused {
		return nil
	}
	if err != nil {
		l.fail("pack.yaml", line, "chapter directory %q is missing", dir)
		return nil
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case name == "lesson.md":
			if b, ok := l.read(path.Join(dir, name)); ok {
				c.Lessons[""] = string(b)
			}
		case strings.HasPrefix(name, "lesson.") && strings.HasSuffix(name, ".md"):
			lang := strings.TrimSuffix(strings.TrimPrefix(name, "lesson."), ".md")
			if b, ok := l.read(path.Join(dir, name)); ok {
				c.Lessons[lang] = string(b)
			}
		}
	}
	if _, ok := c.Lessons[""]; !ok && !l.isRefused(path.Join(dir, "lesson.md")) {
		l.fail(path.Join(dir, "lesson.md"), 0, "missing: every chapter has a lesson.md (translations go in lesson.<lang>.md)")
	}
	c.Title = lessonTitle(c.Lessons[""], dir)
	idx := l.loadManifests(c)
	c.Exercise = l.loadExercise(c, idx)
	return c
}

// lessonTitle is the lesson's first "# " heading.
func lessonTitle(md, fallback string) string {
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "# ") {
			return strings.TrimSpace(line[2:])
		}
	}
	return fallback
}

// manifestIndex is what a chapter's manifests/ files hold, for checking
// the exercise's references to them. A file with errors still counts, and
// so do the objects it names (kind and metadata.name), so that one bad
// field is reported once and not again by every reference to its objects.
type manifestIndex struct {
	files   map[string]bool // "manifests/web.yaml"
	created map[string]bool // "pod/web"
	// unsure: a manifest is not even YAML, so what the chapter creates is
	// unknown and references to objects are not checked.
	unsure bool
}

func (l *loader) loadManifests(c *Chapter) manifestIndex {
	idx := manifestIndex{files: map[string]bool{}, created: map[string]bool{}}
	dir := path.Join(c.Dir, "manifests")
	entries, err := l.readDir(dir)
	if err != nil {
		return idx // a chapter may have no manifests
	}
	if len(entries) > MaxManifests {
		l.fail(dir, 0, "at most %d manifests per chapter", MaxManifests)
		return idx
	}
	for _, e := range entries {
		ext := strings.ToLower(path.Ext(e.Name()))
		if e.IsDir() || ext != ".yaml" && ext != ".yml" && ext != ".json" {
			continue
		}
		rel := path.Join("manifests", e.Name())
		data, ok := l.read(path.Join(c.Dir, rel))
		if !ok {
			continue
		}
		idx.files[rel] = true
		ms, err := api.Decode(path.Join(l.source, c.Dir, rel), data)
		if err == nil {
			for _, m := range ms {
				if verr := api.ValidateManifest(m); verr != nil {
					err = errors.Join(err, verr)
				}
			}
		}
		if err != nil {
			l.manifestProblems(err)
			idx.unsure = !namedObjects(data, idx.created) || idx.unsure
			continue
		}
		c.Manifests[rel] = ms
		for _, m := range ms {
			if res, ok := api.ForObject(m.Object); ok {
				idx.created[res.Singular+"/"+m.Object.GetName()] = true
				// The endpoint controller keeps an Endpoints of each
				// Service's name (kube-controller-manager's rule).
				if res.Kind == api.Services.Kind {
					idx.created[api.Endpoints.Singular+"/"+m.Object.GetName()] = true
				}
			}
		}
	}
	return idx
}

// namedObjects adds the kind/name of each object in a manifest that failed
// to decode strictly, read leniently; false if it is not YAML at all.
func namedObjects(data []byte, created map[string]bool) bool {
	type object struct {
		Kind     string `yaml:"kind"`
		Metadata struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
		Items []yaml.Node `yaml:"items"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var o object
		err := dec.Decode(&o)
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
		objs := []object{o}
		for _, item := range o.Items {
			var it object
			if item.Decode(&it) != nil {
				return false
			}
			objs = append(objs, it)
		}
		for _, o := range objs {
			if res, ok := api.Lookup(o.Kind); ok && o.Metadata.Name != "" {
				created[res.Singular+"/"+o.Metadata.Name] = true
			}
		}
	}
}

// manifestProblems turns the API's file:line errors into pack problems.
func (l *loader) manifestProblems(err error) {
	var joined interface{ Unwrap() []error }
	errs := []error{err}
	if errors.As(err, &joined) {
		errs = joined.Unwrap()
	}
	for _, e := range errs {
		var me *api.ManifestError
		if errors.As(e, &me) {
			msg := me.Message
			if me.Field != "" {
				msg = me.Field + ": " + msg
			}
			l.problems = append(l.problems, Problem{File: me.Source, Line: me.Line, Message: bound(excerpt(msg))})
			continue
		}
		var inner interface{ Unwrap() []error }
		if errors.As(e, &inner) {
			l.manifestProblems(e)
			continue
		}
		l.problems = append(l.problems, Problem{File: l.source, Message: bound(excerpt(e.Error()))})
	}
}

func (l *loader) loadExercise(c *Chapter, idx manifestIndex) *exercises.Exercise {
	name := path.Join(c.Dir, "exercise.yaml")
	data, ok := l.read(name)
	if !ok {
		if l.isRefused(name) {
			return nil
		}
		l.fail(name, 0, "missing: every chapter has an exercise.yaml (objectives, hints, solution)")
		return nil
	}
	var ex exercises.Exercise
	if !l.decodeStrict(name, data, &ex) {
		return nil
	}
	var root yaml.Node
	yaml.Unmarshal(data, &root)
	lines := itemLines(&root, "objectives")
	if ex.Title == "" {
		l.fail(name, 1, "title: required")
	}
	if len(ex.Objectives) == 0 {
		l.fail(name, keyLine(&root, "objectives"), "objectives: an exercise needs at least one")
	}
	created := l.createdNames(idx, name, ex, &root)
	seen := map[string]bool{}
	for i, o := range ex.Objectives {
		line := lineOf(lines, i)
		switch {
		case o.ID == "":
			l.fail(name, line, "objectives[%d].id: required", i)
		case seen[o.ID]:
			l.fail(name, line, "objectives[%d].id: %q is used twice", i, o.ID)
		}
		seen[o.ID] = true
		if o.Text == "" {
			l.fail(name, line, "objectives[%d].text: required (what the learner reads)", i)
		}
		if err := o.Check.Validate(); err != nil {
			l.fail(name, line, "objectives[%d].check: %v", i, err)
			continue
		}
		for _, ref := range referenced(o.Check) {
			if !idx.unsure && !created[ref] && !strings.HasPrefix(ref, "node/") && ref != "namespace/default" {
				l.fail(name, line, "objectives[%d].check names %s, which no manifest or solution command of this chapter creates", i, ref)
			}
		}
	}
	if len(ex.Hints) == 0 {
		l.fail(name, keyLine(&root, "hints"), "hints: give the learner at least one hint")
	}
	if len(ex.Solution.Manifests) == 0 && len(ex.Solution.Commands) == 0 {
		l.fail(name, keyLine(&root, "solution"), "solution: manifests or commands are required")
	}
	for i, ref := range ex.Cleanup.Delete {
		if err := exercises.ValidateRef(fmt.Sprintf("cleanup.delete[%d]", i), ref); err != nil {
			l.fail(name, keyLine(&root, "cleanup"), "%v", err)
		}
	}
	return &ex
}

// createdNames collects "kind/name" of what the chapter's manifests and the
// exercise's setup and solution create, checking their steps on the way.
func (l *loader) createdNames(idx manifestIndex, file string, ex exercises.Exercise, root *yaml.Node) map[string]bool {
	created := maps.Clone(idx.created)
	for _, s := range []struct {
		key   string
		steps exercises.Steps
	}{{"setup", ex.Setup}, {"solution", ex.Solution}, {"cleanup", exercises.Steps{Commands: ex.Cleanup.Commands}}} {
		line := keyLine(root, s.key)
		for _, mf := range s.steps.Manifests {
			if !idx.files[mf] {
				l.fail(file, line, "manifest %q is not one of this chapter's manifests/ files", mf)
			}
		}
		for _, cmd := range s.steps.Commands {
			if err := checkCommand(cmd); err != nil {
				l.fail(file, line, "command %q: %v", strings.Join(cmd, " "), err)
				continue
			}
			// create configmap NAME / create secret generic NAME / create namespace NAME
			if len(cmd) >= 3 && cmd[0] == "create" {
				kind, name := cmd[1], cmd[2]
				if kind == "secret" && len(cmd) >= 4 {
					name = cmd[3]
				}
				if res, ok := api.Lookup(kind); ok {
					created[res.Singular+"/"+name] = true
				}
			}
		}
	}
	return created
}

// checkCommand allows only podlab verbs that act on the lab through its API,
// and no flag that would read the learner's files.
func checkCommand(cmd []string) error {
	if len(cmd) == 0 {
		return fmt.Errorf("empty command")
	}
	if !exercises.AllowedVerbs[cmd[0]] {
		verbs := make([]string, 0, len(exercises.AllowedVerbs))
		for v := range exercises.AllowedVerbs {
			verbs = append(verbs, v)
		}
		sort.Strings(verbs)
		return fmt.Errorf("%q is not allowed in a pack (allowed: %s)", cmd[0], strings.Join(verbs, ", "))
	}
	for _, a := range cmd[1:] {
		for _, bad := range []string{"-f", "--filename", "--from-file", "--from-env-file", "-R"} {
			if a == bad || strings.HasPrefix(a, bad+"=") {
				return fmt.Errorf("%s reads files from the learner's machine; list manifests under manifests: instead", bad)
			}
		}
	}
	return nil
}

// referenced lists the "kind/name" objects a check needs to exist.
func referenced(c exercises.Check) []string {
	var out []string
	for _, sub := range append(append([]exercises.Check{}, c.All...), c.Any...) {
		out = append(out, referenced(sub)...)
	}
	switch {
	case c.Exists != nil:
		if res, ok := api.Lookup(c.Exists.Kind); ok {
			out = append(out, res.Singular+"/"+c.Exists.Name)
		}
	case c.Pod != nil && c.Pod.Name != "":
		out = append(out, "pod/"+c.Pod.Name)
	case c.Exec != nil:
		out = append(out, "pod/"+c.Exec.Pod)
	case c.Logs != nil:
		out = append(out, "pod/"+c.Logs.Pod)
	case c.HTTP != nil:
		out = append(out, "pod/"+c.HTTP.From)
	case c.Field != nil:
		if res, ok := api.Lookup(c.Field.Kind); ok {
			out = append(out, res.Singular+"/"+c.Field.Name)
		}
	}
	return out
}
