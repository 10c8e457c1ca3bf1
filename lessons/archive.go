package lessons

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"testing/fstest"
)

// LoadArchive loads a pack from a .tar.gz (.tgz) or .zip file holding the
// pack's directory (pack.yaml at its root or in a single top directory).
// Entries that would leave the pack, links, and archives over the size
// limits are refused; nothing is written to disk.
func LoadArchive(file string) (*Pack, error) {
	data, err := readBounded(file)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	switch {
	case strings.HasSuffix(file, ".zip"):
		err = readZip(data, files)
	case strings.HasSuffix(file, ".tar.gz"), strings.HasSuffix(file, ".tgz"):
		err = readTarGz(data, files)
	default:
		return nil, fmt.Errorf("%s: a pack archive is a .tar.gz, .tgz or .zip", file)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	fsys := fstest.MapFS{}
	prefix := commonRoot(files)
	for name, b := range files {
		fsys[strings.TrimPrefix(name, prefix)] = &fstest.MapFile{Data: b, Mode: 0o644}
	}
	return Load(fsys, file)
}

func readBounded(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxPackSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxPackSize {
		return nil, fmt.Errorf("%s: the archive is larger than %d bytes", file, MaxPackSize)
	}
	return data, nil
}

// addEntry stores one archive file after checking its path and the total size.
func addEntry(files map[string][]byte, name string, r io.Reader, total *int) error {
	raw := name
	name = strings.TrimPrefix(strings.TrimPrefix(name, "./"), "/")
	if strings.HasPrefix(raw, "/") || !fs.ValidPath(name) || name != path.Clean(name) {
		return fmt.Errorf("entry %q leaves the pack", raw)
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return err
	}
	if len(b) > MaxFileSize {
		return fmt.Errorf("entry %q is larger than %d bytes", name, MaxFileSize)
	}
	if *total += len(b); *total > MaxPackSize {
		return fmt.Errorf("the pack is larger than %d bytes", MaxPackSize)
	}
	files[name] = b
	return nil
}

func readZip(data []byte, files map[string][]byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	total := 0
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		if f.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("entry %q: symbolic links are not allowed in a pack", f.Name)
		}
		if !f.Mode().IsRegular() {
			return fmt.Errorf("entry %q: only regular files and directories are allowed in a pack", f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		err = addEntry(files, f.Name, rc, &total)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func readTarGz(data []byte, files map[string][]byte) error {
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return err
	}
	tr := tar.NewReader(io.LimitReader(gz, MaxPackSize*2))
	total := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			continue
		case tar.TypeReg:
			if err := addEntry(files, h.Name, tr, &total); err != nil {
				return err
			}
		case tar.TypeSymlink:
			return fmt.Errorf("entry %q: symbolic links are not allowed in a pack", h.Name)
		case tar.TypeLink:
			return fmt.Errorf("entry %q: hard links are not allowed in a pack", h.Name)
		default:
			return fmt.Errorf("entry %q: only regular files and directories are allowed in a pack", h.Name)
		}
	}
}

// commonRoot is "dir/" when every file sits in one top directory holding pack.yaml.
func commonRoot(files map[string][]byte) string {
	if _, ok := files["pack.yaml"]; ok {
		return ""
	}
	for name := range files {
		if dir, rest, ok := strings.Cut(name, "/"); ok && rest == "pack.yaml" {
			return dir + "/"
		}
	}
	return ""
}
