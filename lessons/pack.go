// Package lessons is the lesson-pack format: a directory (pack.yaml, then a
// directory per chapter with its lesson Markdown, manifests and exercise)
// that instructors author, its loader and validator, and the built-in pack
// embedded in podlab. Packs are data: nothing in one runs on the learner's
// machine, paths cannot leave the pack, and sizes are bounded.
// It imports exercises and runtime/api.
package lessons

import (
	"bytes"
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
	// files are the pack's files as read and validated by Load, so that
	// nothing is read from the pack's source after it was checked.
	files map[string][]byte
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

// ReadFile returns a file of the pack (relative to the pack's root) as Load
// read and validated it: lessons and manifests.
func (p *Pack) ReadFile(name string) ([]byte, error) {
	b, ok := p.files[path.Clean(name)]
	if !ok {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
	}
	return bytes.Clone(b), nil
}

// Load reads and validates a pack from fsys (its root holds pack.yaml);
// source names it in messages. All problems are returned together.
func Load(fsys fs.FS, source string) (*Pack, error) {
	l := &loader{fsys: fsys, source: source, files: map[string][]byte{}}
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
	files    map[string][]byte
	refused  map[string]bool // symbolic links and special files scan found
}

func (l *loader) fail(file string, line int, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: path.Join(l.source, file), Line: line, Message: bound(fmt.Sprintf(format, args...))})
}

func (l *loader) load() *Pack {
	if !l.scan() {
		return nil
	}
	data, ok := l.read("pack.yaml")
	if !ok {
		if len(l.problems) == 0 {
			l.fail("pack.yaml", 0, "missing: a pack starts with pack.yaml (id, title, version, language, chapters)")
		}
		return nil
	}
	p := &Pack{files: l.files}
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
	lines := itemLines(&root, "chapters")
	seen := map[string]bool{}
	for i, dir := range m.Chapters {
		line := lineOf(lines, i)
		if seen[dir] {
			l.fail("pack.yaml", line, "chapter %q is listed twice", dir)
			continue
		}
		seen[dir] = true
		if c := l.loadChapter(dir, line); c != nil {
			p.Chapters = append(p.Chapters, c)
		}
	}
	return p
}

// keyLine finds the line of a top-level key in a YAML document (1 when absent).
func keyLine(root *yaml.Node, key string) int {
	if k, _ := topLevel(root, key); k != nil {
		return k.Line
	}
	return 1
}

// itemLines finds the line of each item of a top-level list.
func itemLines(root *yaml.Node, key string) []int {
	_, v := topLevel(root, key)
	if v == nil || v.Kind != yaml.SequenceNode {
		return nil
	}
	lines := make([]int, len(v.Content))
	for i, item := range v.Content {
		lines[i] = item.Line
	}
	return lines
}

// lineOf is the i-th line, or 1 when the document does not have it.
func lineOf(lines []int, i int) int {
	if i < len(lines) {
		return lines[i]
	}
	return 1
}

// topLevel finds a top-level key's node and its value.
func topLevel(root *yaml.Node, key string) (k, v *yaml.Node) {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}
