package tui

import (
	"os"
	"path"
	"sort"
	"strings"

	"github.com/podlab/podlab/lessons"
)

// chapterFiles is where the command bar finds the open chapter's files: the
// learner has the pack in the app, not on disk, so a lesson's
// "apply -f manifests/hello.yaml" names a file of the pack.
type chapterFiles struct {
	pack    *lessons.Pack
	chapter *lessons.Chapter
}

// paths are the -f values that name the chapter's manifests, for completion.
func (c chapterFiles) paths() []string {
	if c.chapter == nil || len(c.chapter.Manifests) == 0 {
		return nil
	}
	out := []string{"manifests/"}
	for name := range c.chapter.Manifests {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// read joins the chapter's manifests that p names — a file, or a folder
// ("manifests/") — in name order; the chapter's own directory may lead
// ("01-first-pod/manifests/hello.yaml", as the solution shows it).
func (c chapterFiles) read(p string) (string, bool) {
	if c.chapter == nil {
		return "", false
	}
	p = strings.TrimPrefix(path.Clean(p), c.chapter.Dir+"/")
	var names []string
	for name := range c.chapter.Manifests {
		if name == p || strings.HasPrefix(name, p+"/") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var docs []string
	for _, name := range names {
		if data, err := c.pack.ReadFile(c.chapter.Dir + "/" + name); err == nil {
			docs = append(docs, strings.TrimRight(string(data), "\n"))
		}
	}
	return strings.Join(docs, "\n---\n"), len(docs) > 0
}

// resolve turns -f paths that are not on disk but name chapter files into
// one "-f -" with their contents on stdin. It stats files: call it off the
// update loop.
func (c chapterFiles) resolve(args []string) ([]string, []byte) {
	if c.chapter == nil || len(args) == 0 || args[0] == "logs" { // logs -f is --follow
		return args, nil
	}
	var out, docs []string
	for i := 0; i < len(args); i++ {
		flag, val := args[i], ""
		switch {
		case (flag == "-f" || flag == "--filename") && i+1 < len(args):
			i++
			val = args[i]
		case strings.HasPrefix(flag, "-f=") || strings.HasPrefix(flag, "--filename="):
			flag, val, _ = strings.Cut(flag, "=")
		default:
			out = append(out, flag)
			continue
		}
		if _, err := os.Stat(val); err != nil && val != "-" {
			if data, found := c.read(val); found {
				if len(docs) == 0 {
					out = append(out, "-f", "-")
				}
				docs = append(docs, data)
				continue
			}
		}
		out = append(out, flag, val)
	}
	if len(docs) == 0 {
		return out, nil
	}
	return out, []byte(strings.Join(docs, "\n---\n") + "\n")
}
