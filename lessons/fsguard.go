package lessons

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// A pack is read only through the loader, which never reaches outside the
// pack: symbolic links are refused (all of them, even those that point
// inside, so the rule is simple to state and to check), and so is anything
// that is not a regular file or a directory (reading a FIFO would hang).

// MaxFiles bounds the files and directories a pack directory may hold, so
// that pointing podlab at a large tree fails fast.
const MaxFiles = 1000

var errRefused = errors.New("refused")

// LoadDir loads the pack in directory dir. It reads through an os.Root, so
// that even a link swapped in while loading cannot lead outside dir.
func LoadDir(dir string) (*Pack, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return Load(root.FS(), dir)
}

// scan walks the whole pack before anything is read, reporting every
// symbolic link and special file (WalkDir does not follow links); it
// returns false, reported, when the pack is too large to walk.
func (l *loader) scan() bool {
	l.refused = map[string]bool{}
	n := 0
	fs.WalkDir(l.fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			if name != "." { // an unreadable root shows as a missing pack.yaml
				l.fail(name, 0, "%v", err)
			}
			return nil
		}
		if n++; n > MaxFiles {
			l.fail(".", 0, "a pack may hold at most %d files and directories", MaxFiles)
			return fs.SkipAll
		}
		if name == "." {
			return nil
		}
		switch t := d.Type(); {
		case t&fs.ModeSymlink != 0:
			l.fail(name, 0, "symbolic links are not allowed in a pack")
			l.refused[name] = true
		case !t.IsDir() && !t.IsRegular():
			l.fail(name, 0, "only regular files and directories are allowed in a pack")
			l.refused[name] = true
		}
		return nil
	})
	return n <= MaxFiles
}

// isRefused reports whether name or a directory above it was refused by
// scan (and so already reported).
func (l *loader) isRefused(name string) bool {
	for p := name; p != "." && p != "/" && p != ""; p = path.Dir(p) {
		if l.refused[p] {
			return true
		}
	}
	return false
}

// readDir lists a pack directory unless scan refused it.
func (l *loader) readDir(name string) ([]fs.DirEntry, error) {
	if l.isRefused(name) {
		return nil, errRefused
	}
	return fs.ReadDir(l.fsys, name)
}

// read reads a pack file, refusing paths that leave the pack, links,
// special and oversized files. A missing file is (nil, false) unreported.
// What it reads is kept: Pack.ReadFile serves it without touching the disk again.
func (l *loader) read(name string) ([]byte, bool) {
	if !fs.ValidPath(name) || strings.Contains(name, "\\") {
		l.fail(name, 0, "path %q leaves the pack (use a relative path inside it)", name)
		return nil, false
	}
	if l.isRefused(name) {
		return nil, false
	}
	// Lstat again: scan may have been given a different tree than this one.
	fi, err := fs.Lstat(l.fsys, name)
	if err != nil {
		return nil, false
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		l.fail(name, 0, "symbolic links are not allowed in a pack")
		return nil, false
	case !fi.Mode().IsRegular():
		l.fail(name, 0, "only regular files and directories are allowed in a pack")
		return nil, false
	}
	f, err := l.fsys.Open(name)
	if err != nil {
		l.fail(name, 0, "%v", err)
		return nil, false
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		l.fail(name, 0, "%v", err)
		return nil, false
	}
	if len(b) > MaxFileSize {
		l.fail(name, 0, "a pack file may be at most %d bytes", MaxFileSize)
		return nil, false
	}
	if l.total += len(b); l.total > MaxPackSize {
		l.fail(name, 0, "the pack is larger than %d bytes", MaxPackSize)
		return nil, false
	}
	l.files[name] = b
	return b, true
}
