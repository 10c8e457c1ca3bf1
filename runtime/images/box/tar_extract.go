package box

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// read lists (-t) or extracts (-x) the archive's members, or those the
// operands name (a directory names everything below it too).
func (r *tarRun) read() {
	in := io.Reader(os.Stdin)
	if r.file != "-" {
		f, err := os.Open(r.file)
		if err != nil {
			r.errorf("%s: Cannot open: %s", r.file, errText(err))
			return
		}
		defer f.Close()
		in = f
	}
	br := bufio.NewReaderSize(in, 64<<10)
	if r.file == "-" {
		// Read a pipe to its end, as tar does, so its writer (kubectl cp's
		// stream) never fails on a closed pipe.
		defer io.Copy(io.Discard, br)
	}
	src := io.Reader(br)
	if magic, _ := br.Peek(2); r.gzip || bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			r.errorf("invalid magic")
			return
		}
		defer gz.Close()
		src = gz
	}
	var x *tarExtract
	if r.mode == 'x' && !r.toStdout {
		if x = r.openTarget(); x == nil {
			return
		}
		defer x.finish()
	}
	var ops []string // operands as member names
	for _, op := range r.operands {
		name, _ := stripTarPrefix(op.name)
		ops = append(ops, strings.TrimRight(path.Clean("/" + name)[1:], "/"))
	}
	found := make([]bool, len(ops))
	tr := tar.NewReader(src)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			r.archiveError(err)
			return
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		rest, cut := stripLeadingSlashes(hdr.Name)
		clean := path.Clean("/" + rest)[1:] // "" for "./"
		if !selected(clean, ops, found) {
			continue
		}
		if r.mode == 't' {
			r.printMember(os.Stdout, hdr, hdr.Name)
			continue
		}
		if cut != "" {
			r.warnOnce(cut, "member names")
		}
		if hasDotDot(rest) { // GNU tar's words, and it refuses them too
			_, dots := stripTarPrefix(hdr.Name)
			r.warnOnce(dots, "member names")
			r.errorf("%s: Member name contains '..'", hdr.Name)
			continue
		}
		if r.strip > 0 { // counted on the name as stored: "./" is one
			if clean = stripComponents(rest, r.strip); clean == "" {
				continue
			}
			clean = path.Clean(clean)
		}
		r.printMember(r.vout, hdr, rest)
		if x == nil { // -O: regular files' data to stdout
			if hdr.Typeflag == tar.TypeReg {
				if _, err := io.Copy(os.Stdout, tr); err != nil {
					r.archiveError(err)
					return
				}
			}
			continue
		}
		if clean == "" {
			clean = "."
		}
		if !x.extract(clean, hdr, tr) {
			return
		}
	}
	for i, ok := range found {
		if !ok {
			r.errorf("%s: Not found in archive", r.operands[i].name)
		}
	}
}

func (r *tarRun) printMember(w io.Writer, hdr *tar.Header, name string) {
	switch {
	case r.verbose > 1 || (r.verbose > 0 && r.mode == 't'):
		fmt.Fprintln(w, longListing(hdr, name))
	case r.verbose > 0 || r.mode == 't':
		fmt.Fprintln(w, name)
	}
}

func (r *tarRun) archiveError(err error) {
	switch {
	case errors.Is(err, tar.ErrHeader):
		r.errorf("This does not look like a tar archive")
	case errors.Is(err, io.ErrUnexpectedEOF):
		r.errorf("Unexpected EOF in archive")
	default:
		r.errorf("%s: Read error: %s", r.file, errText(err))
	}
}

func stripLeadingSlashes(name string) (rest, cut string) {
	rest = strings.TrimLeft(name, "/")
	return rest, name[:len(name)-len(rest)]
}

func hasDotDot(name string) bool {
	for _, c := range strings.Split(name, "/") {
		if c == ".." {
			return true
		}
	}
	return false
}

// selected reports whether member name is one the operands ask for, and marks which.
func selected(name string, ops []string, found []bool) bool {
	if len(ops) == 0 {
		return true
	}
	hit := false
	for i, op := range ops {
		if op == "" || name == op || strings.HasPrefix(name, op+"/") {
			found[i], hit = true, true
		}
	}
	return hit
}

// stripComponents drops n leading components ("" when that is all of them).
func stripComponents(name string, n int) string {
	for ; n > 0 && name != ""; n-- {
		_, name, _ = strings.Cut(name, "/")
		name = strings.TrimLeft(name, "/")
	}
	return name
}

// tarExtract writes members below DIR, only through os.Root.
type tarExtract struct {
	*tarRun
	root  *os.Root
	dir   string // the root's path, for mknod
	umask os.FileMode
	dirs  []tarDir // their modes and times are set last, as tar does
}

type tarDir struct {
	name string
	hdr  *tar.Header
}

func (r *tarRun) openTarget() *tarExtract {
	dir, err := filepath.EvalSymlinks(r.dir) // -C may be a symlink, as a chdir follows it
	if err == nil {
		var root *os.Root
		if root, err = os.OpenRoot(dir); err == nil {
			mask := syscall.Umask(0)
			syscall.Umask(mask)
			return &tarExtract{tarRun: r, root: root, dir: dir, umask: os.FileMode(mask) & os.ModePerm}
		}
	}
	r.errorf("%s: Cannot open: %s", r.dir, errText(err))
	return nil
}

// extract writes one member as name (cleaned, below the root); it returns
// false when the archive itself fails.
func (x *tarExtract) extract(name string, hdr *tar.Header, data io.Reader) bool {
	if parent := path.Dir(name); parent != "." {
		if err := x.root.MkdirAll(parent, 0o755); err != nil {
			x.errorf("%s: Cannot mkdir: %s", parent, errText(err))
			return true
		}
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		if name == "." {
			return true // DIR itself keeps its mode and owner (think of /tmp)
		}
		if err := x.root.Mkdir(name, 0o700); err != nil {
			if fi, serr := x.root.Stat(name); serr != nil || !fi.IsDir() {
				x.errorf("%s: Cannot mkdir: %s", name, errText(err))
				return true
			}
		}
		x.dirs = append(x.dirs, tarDir{name, hdr})
		return true
	case tar.TypeSymlink:
		x.replace(name)
		if err := x.root.Symlink(hdr.Linkname, name); err != nil {
			x.errorf("%s: Cannot create symlink to '%s': %s", name, hdr.Linkname, errText(err))
			return true
		}
		x.chown(name, hdr)
		return true
	case tar.TypeLink:
		target, cut := stripLeadingSlashes(hdr.Linkname)
		if cut != "" {
			x.warnOnce(cut, "hard link targets")
		}
		if hasDotDot(target) {
			_, dots := stripTarPrefix(hdr.Linkname)
			x.warnOnce(dots, "hard link targets")
			x.errorf("%s: Member name contains '..'", hdr.Linkname)
			return true
		}
		if target = path.Clean(stripComponents(target, x.strip)); target == "." {
			return true
		}
		x.replace(name)
		if err := x.root.Link(target, name); err != nil {
			x.errorf("%s: Cannot hard link to '%s': %s", name, target, errText(err))
		}
		return true
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		kind := map[byte]uint32{tar.TypeChar: syscall.S_IFCHR, tar.TypeBlock: syscall.S_IFBLK, tar.TypeFifo: syscall.S_IFIFO}[hdr.Typeflag]
		x.replace(name)
		if err := syscall.Mknod(filepath.Join(x.dir, name), kind|0o600, mkdev(hdr.Devmajor, hdr.Devminor)); err != nil {
			x.errorf("%s: Cannot mknod: %s", name, errText(err))
			return true
		}
		x.chown(name, hdr)
		x.root.Chmod(name, x.mode(hdr))
		x.times(name, hdr)
		return true
	case tar.TypeReg:
	default:
		fmt.Fprintf(os.Stderr, "tar: %s: Unknown file type '%c', extracted as normal file\n", name, hdr.Typeflag)
	}
	x.replace(name)
	f, err := x.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		x.errorf("%s: Cannot open: %s", name, errText(err))
		return true
	}
	in := &readErr{r: data}
	_, err = io.Copy(f, in)
	if in.err != nil {
		f.Close()
		x.archiveError(in.err)
		return false
	}
	if err != nil {
		x.errorf("%s: Cannot write: %s", name, errText(err))
	}
	if x.sameOwner {
		f.Chown(hdr.Uid, hdr.Gid) // best effort, see chown
	}
	f.Chmod(x.mode(hdr))
	if err := f.Close(); err != nil {
		x.errorf("%s: Cannot write: %s", name, errText(err))
	}
	x.times(name, hdr)
	return true
}

// replace removes what is in a non-directory member's way: tar replaces a
// file or a symlink, never writes through it.
func (x *tarExtract) replace(name string) {
	if fi, err := x.root.Lstat(name); err == nil && !fi.IsDir() {
		x.root.Remove(name)
	}
}

// mode is the member's mode, masked by the umask unless modes are preserved.
func (x *tarExtract) mode(hdr *tar.Header) os.FileMode {
	m := hdr.FileInfo().Mode() & (os.ModePerm | os.ModeSetuid | os.ModeSetgid | os.ModeSticky)
	if !x.samePerms {
		m = m.Perm() &^ x.umask
	}
	return m
}

// chown gives the member its numeric owner when owners are preserved. Like
// GNU tar as root; failures pass silently, since a container without
// CAP_CHOWN should still receive kubectl cp's files.
func (x *tarExtract) chown(name string, hdr *tar.Header) {
	if x.sameOwner {
		x.root.Lchown(name, hdr.Uid, hdr.Gid)
	}
}

func (x *tarExtract) times(name string, hdr *tar.Header) {
	if !x.touch {
		x.root.Chtimes(name, hdr.AccessTime, hdr.ModTime) // a zero atime stays as it is
	}
}

// finish sets the directories' owners, modes and times, deepest first.
func (x *tarExtract) finish() {
	for i := len(x.dirs) - 1; i >= 0; i-- {
		d := x.dirs[i]
		x.chown(d.name, d.hdr)
		if err := x.root.Chmod(d.name, x.mode(d.hdr)); err != nil {
			x.errorf("%s: Cannot change mode: %s", d.name, errText(err))
		}
		x.times(d.name, d.hdr)
	}
	x.root.Close()
}

// mkdev encodes a Linux device number.
func mkdev(major, minor int64) int {
	return int(minor&0xff | (major&0xfff)<<8 | (minor&^0xff)<<12 | (major&^0xfff)<<32)
}
