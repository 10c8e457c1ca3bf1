package box

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// create writes the archive of the FILE operands.
func (r *tarRun) create() {
	var out io.Writer
	var archive os.FileInfo // not archived into itself
	if r.file == "-" {
		out = os.Stdout
	} else {
		f, err := os.Create(r.file)
		if err != nil {
			r.errorf("%s: Cannot open: %s", r.file, errText(err))
			return
		}
		defer f.Close()
		archive, _ = f.Stat()
		out = f
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	w := io.Writer(bw)
	var gz *gzip.Writer
	if r.gzip {
		gz = gzip.NewWriter(bw)
		w = gz
	}
	c := &tarCreate{tarRun: r, tw: tar.NewWriter(w), archive: archive, links: map[[2]uint64]string{}}
	for _, op := range r.operands {
		name, cut := stripTarPrefix(op.name)
		if cut != "" {
			r.warnOnce(cut, "member names")
		}
		disk := op.name
		if !filepath.IsAbs(disk) {
			disk = filepath.Join(op.dir, disk)
		}
		if !c.add(disk, op.name, strings.TrimRight(name, "/")) {
			return
		}
	}
	err := c.tw.Close()
	if gz != nil && err == nil {
		err = gz.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		r.errorf("%s: Cannot write: %s", r.file, errText(err))
	}
}

// stripTarPrefix drops what tar never stores: the name's part up to and
// including its last ".." component, and leading slashes. It returns the
// rest and what it dropped.
func stripTarPrefix(name string) (rest, cut string) {
	rest = name
	if i := strings.LastIndex("/"+rest+"/", "/../"); i >= 0 {
		rest = rest[min(i+3, len(rest)):]
	}
	rest = strings.TrimLeft(rest, "/")
	return rest, name[:len(name)-len(rest)]
}

type tarCreate struct {
	*tarRun
	tw      *tar.Writer
	archive os.FileInfo
	links   map[[2]uint64]string // device and inode → first member, for hard links
}

// add archives disk (shown to the user as shown) as member name, and a
// directory's contents below it. It returns false once the archive cannot
// be written, which ends tar.
func (c *tarCreate) add(disk, shown, name string) bool {
	fi, err := os.Lstat(disk)
	if err != nil {
		c.errorf("%s: %s", shown, errText(err))
		return true
	}
	if c.archive != nil && os.SameFile(fi, c.archive) {
		fmt.Fprintf(os.Stderr, "tar: %s: file is the archive; not dumped\n", shown)
		return true
	}
	link := ""
	if fi.Mode()&os.ModeSymlink != 0 {
		if link, err = os.Readlink(disk); err != nil {
			c.errorf("%s: Cannot readlink: %s", shown, errText(err))
			return true
		}
	}
	if fi.Mode()&os.ModeSocket != 0 {
		fmt.Fprintf(os.Stderr, "tar: %s: socket ignored\n", shown)
		return true
	}
	hdr, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		c.errorf("%s: %v", shown, err)
		return true
	}
	hdr.Name = name
	if name == "" { // all of it was stripped, as of "/"
		hdr.Name = "."
	}
	var f *os.File
	switch {
	case fi.IsDir():
		hdr.Name += "/"
	case fi.Mode().IsRegular():
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
			key := [2]uint64{uint64(st.Dev), uint64(st.Ino)}
			if first, seen := c.links[key]; seen {
				hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
				break
			}
			c.links[key] = name
		}
		if f, err = os.Open(disk); err != nil {
			c.errorf("%s: Cannot open: %s", shown, errText(err))
			return true
		}
		defer f.Close()
	}
	if c.verbose > 0 {
		if c.verbose > 1 {
			fmt.Fprintln(c.vout, longListing(hdr, hdr.Name))
		} else {
			fmt.Fprintln(c.vout, hdr.Name)
		}
	}
	if err := c.tw.WriteHeader(hdr); err != nil {
		c.errorf("%s: Cannot write: %s", c.file, errText(err))
		return false
	}
	if f != nil {
		in := &readErr{r: f}
		n, err := io.CopyN(c.tw, in, hdr.Size)
		if in.err != nil {
			c.errorf("%s: Read error: %s", shown, errText(in.err))
		} else if err != nil && err != io.EOF {
			c.errorf("%s: Cannot write: %s", c.file, errText(err))
			return false
		}
		if n < hdr.Size { // the header promised hdr.Size bytes
			fmt.Fprintf(os.Stderr, "tar: %s: File shrank by %d bytes; padding with zeros\n", shown, hdr.Size-n)
			c.failed = true
			if _, err := io.CopyN(c.tw, zeros{}, hdr.Size-n); err != nil {
				return false
			}
		}
	}
	if !fi.IsDir() {
		return true
	}
	entries, err := os.ReadDir(disk)
	if err != nil {
		c.errorf("%s: Cannot open: %s", shown, errText(err))
		return true
	}
	for _, e := range entries {
		child := e.Name()
		if name != "" {
			child = name + "/" + child // not path.Join: "./a" stays "./a"
		}
		if !c.add(filepath.Join(disk, e.Name()), strings.TrimRight(shown, "/")+"/"+e.Name(), child) {
			return false
		}
	}
	return true
}

// readErr passes reads through and keeps the first error other than EOF.
type readErr struct {
	r   io.Reader
	err error
}

func (e *readErr) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
