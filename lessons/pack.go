// Package lessons is the lesson-pack format: a directory (pack.yaml, then a
// directory per chapter with its lesson Markdown, manifests and exercise)
// that instructors author, its loader and validator, and the built-in pack
// embedded in podlab. Packs are data: nothing in one runs on the learner's
// machine, paths cannot leave the pack, and sizes are bounded.
// It imports exercises and runtime/api.
package lessons

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/podlab/podlab/exercises"
	"github.com/podlab/podlab/runtime/api"
)

// Limits that keep a stranger's pack harmless to open.
const (
	MaxFileSize  = 1 << 20  // any one file
	MaxPackSize  = 16 << 20 // all files together
	MaxChapters  = 100
	MaxManifests = 50 // per chapter
)

// Meta is pack.yaml.
type Meta struct {
	ID        string   `yaml:"id"`
	Title     string   `yaml:"title"`
	Version   string   `yaml:"version"`
	Authors   []string `yaml:"authors,omitempty"`
	Language  string   `yaml:"language"`
	MinPodlab string   `yaml:"minPodlab,omitempty"`
	Chapters  []string `yaml:"chapters"`
}

// Pack is a loaded pack.
type Pack struct {
	Meta     Meta
	Chapters []*Chapter
	fsys     fs.FS
	source   string // where it was loaded from, for messages
}

// Chapter is one chapter of a pack.
type Chapter struct {
	Dir      string
	Title    string
	Exercise *exercises.Exercise
	// Lessons maps a language ("" for the default) to the lesson's Markdown.
	Lessons map[string]string
	// Manifests are the chapter's manifest files by path relative to the chapter.
	Manifests map[string][]api.Manifest
}

// Problem is a validation error located in a pack file.
type Problem struct {
	File    string
	Line    int
	Message string
}

func (p Problem) Error() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Message)
}

// Problems are all the problems of a pack.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Lesson returns the chapter's lesson in lang (e.g. "zh-CN"), falling back
// to the language without region ("zh"), then to another region of the same
// language (the first by name), then to the default lesson.
func (c *Chapter) Lesson(lang string) string {
	if lang == "" {
		return c.Lessons[""]
	}
	if l, ok := c.Lessons[lang]; ok {
		return l
	}
	base := lang
	if i := strings.IndexAny(lang, "-_"); i > 0 {
		base = lang[:i]
	}
	if l, ok := c.Lessons[base]; ok {
		return l
	}
	var regions []string
	for k := range c.Lessons {
		if strings.HasPrefix(k, base+"-") || strings.HasPrefix(k, base+"_") {
			regions = append(regions, k)
		}
	}
	if len(regions) > 0 {
		sort.Strings(regions)
		return c.Lessons[regions[0]]
	}
	return c.Lessons[""]
}

// ReadFile reads a file of the pack, relative to the pack's root.
func (p *Pack) ReadFile(name string) ([]byte, error) { return fs.ReadFile(p.fsys, name) }

// Load reads and validates a pack from fsys (its root holds pack.yaml);
// source names it in messages. All problems are returned together.
func Load(fsys fs.FS, source string) (*Pack, error) {
	l := &loader{fsys: fsys, source: source}
	p := l.load()
	if len(l.problems) > 0 {
		return nil, l.problems
	}
	return p, nil
}

type loader struct {
	fsys     fs.FS
	source   string
	problems Problems
	total    int
}

func (l *loader) fail(file string, line int, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: path.Join(l.source, file), Line: line, Message: fmt.Sprintf(format, args...)})
}

// read reads a pack file, refusing paths that leave the pack and oversized files.
func (l *loader) read(name string) ([]byte, bool) {
	if !fs.ValidPath(name) || strings.Contains(name, "\\") {
		l.fail(name, 0, "path %q leaves the pack (use a relative path inside it)", name)
		return nil, false
	}
	fi, err := fs.Stat(l.fsys, name)
	if err != nil {
		return nil, false
	}
	if fi.Size() > MaxFileSize {
		l.fail(name, 0, "file is %d bytes; a pack file may be at most %d", fi.Size(), MaxFileSize)
		return nil, false
	}
	if l.total += int(fi.Size()); l.total > MaxPackSize {
		l.fail(name, 0, "the pack is larger than %d bytes", MaxPackSize)
		return nil, false
	}
	b, err := fs.ReadFile(l.fsys, name)
	if err != nil {
		l.fail(name, 0, "%v", err)
		return nil, false
	}
	return b, true
}

// decodeStrict decodes YAML into v with unknown keys as errors, reporting lines.
func (l *loader) decodeStrict(name string, data []byte, v any) bool {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, e := range te.Errors {
				line, msg := splitYAMLLine(e)
				l.fail(name, line, "%s", msg)
			}
			return false
		}
		line, msg := splitYAMLLine(strings.TrimPrefix(err.Error(), "yaml: "))
		l.fail(name, line, "%s", msg)
		return false
	}
	return true
}

// splitYAMLLine turns "line 12: field x not found in type y" into (12, message).
func splitYAMLLine(msg string) (int, string) {
	var line int
	if n, _ := fmt.Sscanf(msg, "line %d:", &line); n == 1 {
		if i := strings.Index(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
	}
	msg = strings.Replace(msg, "not found in type", "is not a known key of", 1)
	return line, msg
}

func (l *loader) load() *Pack {
	data, ok := l.read("pack.yaml")
	if !ok {
		if len(l.problems) == 0 {
			l.fail("pack.yaml", 0, "missing: a pack starts with pack.yaml (id, title, version, language, chapters)")
		}
		return nil
	}
	p := &Pack{fsys: l.fsys, source: l.source}
	if !l.decodeStrict("pack.yaml", data, &p.Meta) {
		return nil
	}
	var root yaml.Node
	yaml.Unmarshal(data, &root)
	m := p.Meta
	for _, req := range []struct{ key, val string }{{"id", m.ID}, {"title", m.Title}, {"version", m.Version}, {"language", m.Language}} {
		if req.val == "" {
			l.fail("pack.yaml", 1, "%s: required", req.key)
		}
	}
	if len(m.Chapters) == 0 {
		l.fail("pack.yaml", keyLine(&root, "chapters"), "chapters: list at least one chapter directory")
	}
	if len(m.Chapters) > MaxChapters {
		l.fail("pack.yaml", keyLine(&root, "chapters"), "chapters: at most %d", MaxChapters)
		return nil
	}
	for _, dir := range m.Chapters {
		if c := l.loadChapter(dir); c != nil {
			p.Chapters = append(p.Chapters, c)
		}
	}
	return p
}

// keyLine finds the line of a top-level key in a YAML document.
func keyLine(root *yaml.Node, key string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i].Line
		}
	}
	return 1
}
