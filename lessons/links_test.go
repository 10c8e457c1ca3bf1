//go:build unix

package lessons

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
)

const secret = "SECRET host file, not part of the pack"

// packDir writes the good pack to a directory, and a secret file outside it.
func packDir(t *testing.T) (dir, outside string) {
	t.Helper()
	dir, outside = t.TempDir(), t.TempDir()
	for name, f := range pack(nil) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "secret.yaml"), []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, outside
}

// A pack loaded from a directory never reads outside it: every symbolic
// link and special file is a problem, and nothing behind one is read.
func TestPackDirRefusesLinks(t *testing.T) {
	cases := []struct {
		name string
		make func(dir, outside string) error
		want []string
	}{
		{"lesson linked to a host file", func(dir, outside string) error {
			os.Remove(filepath.Join(dir, "c1/lesson.md"))
			return os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(dir, "c1/lesson.md"))
		}, []string{"pk/c1/lesson.md: symbolic links are not allowed in a pack"}},
		{"manifest linked to a host file", func(dir, outside string) error {
			return os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(dir, "c1/manifests/evil.yaml"))
		}, []string{"pk/c1/manifests/evil.yaml: symbolic links are not allowed in a pack"}},
		{"linked directory under manifests", func(dir, outside string) error {
			return os.Symlink(outside, filepath.Join(dir, "c1/manifests/sub"))
		}, []string{"pk/c1/manifests/sub: symbolic links are not allowed in a pack"}},
		{"linked chapter directory", func(dir, outside string) error {
			os.Rename(filepath.Join(dir, "c1"), filepath.Join(outside, "c1"))
			return os.Symlink(filepath.Join(outside, "c1"), filepath.Join(dir, "c1"))
		}, []string{"pk/c1: symbolic links are not allowed in a pack"}},
		{"exercise linked to a host file", func(dir, outside string) error {
			os.Remove(filepath.Join(dir, "c1/exercise.yaml"))
			return os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(dir, "c1/exercise.yaml"))
		}, []string{"pk/c1/exercise.yaml: symbolic links are not allowed in a pack"}},
		{"linked pack.yaml", func(dir, outside string) error {
			os.Rename(filepath.Join(dir, "pack.yaml"), filepath.Join(outside, "pack.yaml"))
			return os.Symlink(filepath.Join(outside, "pack.yaml"), filepath.Join(dir, "pack.yaml"))
		}, []string{"pk/pack.yaml: symbolic links are not allowed in a pack"}},
		// Links inside the pack are refused too: one rule, easy to check.
		{"link inside the pack", func(dir, outside string) error {
			return os.Symlink("lesson.md", filepath.Join(dir, "c1/lesson.zh.md"))
		}, []string{"pk/c1/lesson.zh.md: symbolic links are not allowed in a pack"}},
		// Reading a FIFO would hang the loader.
		{"fifo", func(dir, outside string) error {
			return syscall.Mkfifo(filepath.Join(dir, "c1/manifests/pipe.yaml"), 0o644)
		}, []string{"pk/c1/manifests/pipe.yaml: only regular files and directories are allowed in a pack"}},
	}
	for _, c := range cases {
		for _, load := range []struct {
			name string
			load func(dir string) (*Pack, error)
		}{
			{"DirFS", func(dir string) (*Pack, error) { return Load(os.DirFS(dir), "pk") }},
			{"LoadDir", func(dir string) (*Pack, error) {
				p, err := LoadDir(dir)
				if err != nil {
					err = errors.New(strings.ReplaceAll(err.Error(), dir, "pk"))
				}
				return p, err
			}},
		} {
			t.Run(c.name+"/"+load.name, func(t *testing.T) {
				dir, outside := packDir(t)
				if err := c.make(dir, outside); err != nil {
					t.Fatal(err)
				}
				_, err := load.load(dir)
				if err == nil {
					t.Fatal("the pack validates")
				}
				if got, want := err.Error(), strings.Join(c.want, "\n"); got != want {
					t.Fatalf("problems:\n%s\nwant:\n%s", got, want)
				}
			})
		}
	}
}

// Pack.ReadFile serves what Load validated: a file swapped for a link to a
// host file afterwards is not read.
func TestReadFileServesValidatedFiles(t *testing.T) {
	dir, outside := packDir(t)
	p, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := filepath.Join(dir, "c1/manifests/hello.yaml")
	os.Remove(m)
	os.Symlink(filepath.Join(outside, "secret.yaml"), m)
	if b, err := p.ReadFile("c1/manifests/hello.yaml"); err != nil || string(b) != goodManifest {
		t.Fatalf("ReadFile = %q, %v", b, err)
	}
	if _, err := p.ReadFile("c1/manifests/../../../" + filepath.Base(outside) + "/secret.yaml"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("ReadFile outside the pack: %v", err)
	}
}

func TestPackTooManyFiles(t *testing.T) {
	fsys := pack(nil)
	for i := range MaxFiles {
		fsys[fmt.Sprintf("c1/extra/%d.txt", i)] = &fstest.MapFile{}
	}
	_, err := Load(fsys, "pk")
	if err == nil || err.Error() != "pk: a pack may hold at most 1000 files and directories" {
		t.Fatalf("Load = %v", err)
	}
}

// Archives refuse link entries, which could point anywhere once unpacked.
func TestPackArchivesRefuseLinks(t *testing.T) {
	dir := t.TempDir()
	tgz := func(name string, h *tar.Header) string {
		var buf bytes.Buffer
		gz := gzip.NewWriter(&buf)
		tw := tar.NewWriter(gz)
		tw.WriteHeader(&tar.Header{Name: "p/pack.yaml", Mode: 0o644, Size: 3, Typeflag: tar.TypeReg})
		tw.Write([]byte("id:"))
		tw.WriteHeader(h)
		tw.Close()
		gz.Close()
		file := filepath.Join(dir, name)
		os.WriteFile(file, buf.Bytes(), 0o644)
		return file
	}
	zipWithLink := func() string {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		h := &zip.FileHeader{Name: "p/c1/lesson.md"}
		h.SetMode(os.ModeSymlink | 0o777)
		w, _ := zw.CreateHeader(h)
		w.Write([]byte("/etc/hostname"))
		zw.Close()
		file := filepath.Join(dir, "link.zip")
		os.WriteFile(file, buf.Bytes(), 0o644)
		return file
	}
	cases := []struct {
		file, want string
	}{
		{tgz("symlink.tar.gz", &tar.Header{Name: "p/c1/lesson.md", Linkname: "/etc/hostname", Typeflag: tar.TypeSymlink}),
			`symlink.tar.gz: entry "p/c1/lesson.md": symbolic links are not allowed in a pack`},
		{tgz("hardlink.tar.gz", &tar.Header{Name: "p/c1/lesson.md", Linkname: "/etc/hostname", Typeflag: tar.TypeLink}),
			`hardlink.tar.gz: entry "p/c1/lesson.md": hard links are not allowed in a pack`},
		{zipWithLink(), `link.zip: entry "p/c1/lesson.md": symbolic links are not allowed in a pack`},
	}
	for _, c := range cases {
		if _, err := LoadArchive(c.file); err == nil || !strings.HasSuffix(err.Error(), c.want) {
			t.Errorf("LoadArchive(%s) = %v, want %q", filepath.Base(c.file), err, c.want)
		}
	}
}
