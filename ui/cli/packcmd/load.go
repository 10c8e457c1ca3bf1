package packcmd

import (
	"fmt"
	"os"
	"strings"

	"github.com/podlab/podlab/lessons"
)

// Load loads "builtin", a pack directory or an archive of one (the pack
// commands and the app open packs so).
func Load(src string) (*lessons.Pack, error) {
	if src == "" || src == "builtin" {
		return lessons.Builtin()
	}
	if strings.HasSuffix(src, ".zip") || strings.HasSuffix(src, ".tar.gz") || strings.HasSuffix(src, ".tgz") {
		return lessons.LoadArchive(src)
	}
	fi, err := os.Stat(src)
	if err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("pack %q: not a directory or archive (give a pack directory, a .tar.gz or .zip of one, or \"builtin\")", src)
	}
	return lessons.LoadDir(src)
}

// chapterOf finds a chapter by directory name, number ("3") or prefix.
func chapterOf(p *lessons.Pack, name string) (*lessons.Chapter, error) {
	for i, c := range p.Chapters {
		if c.Dir == name || fmt.Sprint(i+1) == name || strings.HasPrefix(c.Dir, name+"-") {
			return c, nil
		}
	}
	var dirs []string
	for _, c := range p.Chapters {
		dirs = append(dirs, c.Dir)
	}
	return nil, fmt.Errorf("no chapter %q in pack %s (chapters: %s)", name, p.Meta.ID, strings.Join(dirs, ", "))
}
