package kubectl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/podlab/podlab/runtime/api"
)

// maxManifest bounds one manifest file (the API server's request limit).
const maxManifest = 3 << 20

// readManifests decodes and validates every file named by -f (files,
// directories, "-") before anything is sent: all errors are returned
// together, so a bad file applies nothing.
func (kc *kubectl) readManifests(paths []string, recursive bool) ([]manifest, error) {
	if len(paths) == 0 {
		return nil, errors.New("must specify one of -f and -k")
	}
	var files []string
	for _, p := range paths {
		if p == "-" {
			files = append(files, p)
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("the path %q does not exist", p)
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && !recursive {
				return filepath.SkipDir
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".yaml", ".yml", ".json":
				if !d.IsDir() {
					found = append(found, path)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	var out []manifest
	var errs []error
	for _, f := range files {
		var data []byte
		var err error
		name := f
		if f == "-" {
			name = "STDIN"
			data, err = io.ReadAll(io.LimitReader(kc.Stdin, maxManifest+1))
		} else {
			data, err = readLimited(f)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %v", name, err))
			continue
		}
		ms, err := api.Decode(name, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		written := writtenObjects(data)
		for _, m := range ms {
			if err := api.ValidateManifest(m); err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, manifest{Manifest: m, written: writtenFor(written[m.Line], m.Object)})
		}
	}
	if len(errs) > 0 {
		return nil, manifestErrors(errs)
	}
	if len(out) == 0 {
		return nil, errors.New("no objects passed to apply")
	}
	return out, nil
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxManifest+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxManifest {
		return nil, fmt.Errorf("file is larger than %d bytes", maxManifest)
	}
	return data, nil
}

// manifestErrors prints one "error: file:line: ..." line per problem and
// says nothing was applied.
type manifestErrors []error

func (m manifestErrors) Error() string {
	var lines []string
	for _, e := range m {
		for _, l := range strings.Split(e.Error(), "\n") {
			lines = append(lines, "error: "+l)
		}
	}
	lines = append(lines, "error: nothing was applied: fix the manifest(s) above and try again")
	return strings.Join(lines, "\n")
}

// objectNamespace decides a manifest object's namespace against -n, as kubectl does.
func (kc *kubectl) objectNamespace(m api.Manifest, res api.Resource) (string, error) {
	if !res.Namespaced {
		return "", nil
	}
	ns := m.Object.GetNamespace()
	switch {
	case ns == "":
		return kc.NS(), nil
	case kc.Namespace != "" && ns != kc.Namespace:
		return "", fmt.Errorf("the namespace from the provided object %q does not match the namespace %q. You must pass '--namespace=%s' to perform this operation.", ns, kc.Namespace, ns)
	}
	return ns, nil
}

// typeName is kubectl's "pod/web" form.
func typeName(res api.Resource, name string) string { return res.Qualified() + "/" + name }
