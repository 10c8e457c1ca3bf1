package box

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

func init() {
	register(catMain, "cat")
	register(lsMain, "ls")
	register(touchMain, "touch")
	register(rmMain, "rm")
	register(mkdirMain, "mkdir")
	register(rmdirMain, "rmdir")
	register(cpMain, "cp")
	register(mvMain, "mv")
	register(lnMain, "ln")
	register(teeMain, "tee")
	register(findMain, "find")
}

// flags splits leading single-letter options ("-rf", "-p") from operands.
func flags(args []string) (map[rune]bool, []string) {
	set := map[rune]bool{}
	for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' && args[0] != "--" {
		for _, r := range args[0][1:] {
			set[r] = true
		}
		args = args[1:]
	}
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	return set, args
}

func catMain(argv []string) int {
	_, files := flags(argv[1:])
	if len(files) == 0 {
		files = []string{"-"}
	}
	code := 0
	for _, f := range files {
		if f == "-" {
			io.Copy(os.Stdout, os.Stdin)
			continue
		}
		fh, err := os.Open(f)
		if err != nil {
			code = fail(argv[0], "can't open '%s': %s", f, errText(err))
			continue
		}
		io.Copy(os.Stdout, fh)
		fh.Close()
	}
	return code
}

// errText gives busybox's short reason for a file error.
func errText(err error) string {
	switch {
	case os.IsNotExist(err):
		return "No such file or directory"
	case os.IsPermission(err):
		return "Permission denied"
	case os.IsExist(err):
		return "File exists"
	}
	for { // the innermost reason: "path escapes from parent", not "statat x: ..."
		if pe, ok := err.(*fs.PathError); ok {
			err = pe.Err
		} else if le, ok := err.(*os.LinkError); ok {
			err = le.Err
		} else {
			return err.Error()
		}
	}
}

func lsMain(argv []string) int {
	f, paths := flags(argv[1:])
	if len(paths) == 0 {
		paths = []string{"."}
	}
	code := 0
	for i, p := range paths {
		fi, err := os.Lstat(p)
		if err != nil {
			code = fail(argv[0], "%s: %s", p, errText(err))
			continue
		}
		if !fi.IsDir() || f['d'] {
			printEntry(p, fi, f)
			continue
		}
		if len(paths) > 1 {
			if i > 0 {
				fmt.Println()
			}
			fmt.Printf("%s:\n", p)
		}
		if err := listDir(p, f); err != nil {
			code = fail(argv[0], "%s: %s", p, errText(err))
		}
	}
	return code
}

func listDir(dir string, f map[rune]bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	if f['a'] {
		names = append(names, ".", "..")
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") && !f['a'] && !f['A'] {
			continue
		}
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var subdirs []string
	for _, n := range names {
		fi, err := os.Lstat(filepath.Join(dir, n))
		if err != nil {
			continue
		}
		printEntry(n, fi, f)
		if f['R'] && fi.IsDir() && n != "." && n != ".." {
			subdirs = append(subdirs, filepath.Join(dir, n))
		}
	}
	for _, sd := range subdirs {
		fmt.Printf("\n%s:\n", sd)
		listDir(sd, f)
	}
	return nil
}

func printEntry(name string, fi os.FileInfo, f map[rune]bool) {
	if !f['l'] {
		fmt.Println(name)
		return
	}
	link := ""
	if fi.Mode()&os.ModeSymlink != 0 {
		if target, err := os.Readlink(name); err == nil {
			link = " -> " + target
		}
	}
	fmt.Printf("%s %4d %-8s %-8s %8d %s %s%s\n", fi.Mode().String(), 1, "root", "root", fi.Size(),
		fi.ModTime().Format("Jan _2 15:04"), name, link)
}

func touchMain(argv []string) int {
	_, files := flags(argv[1:])
	if len(files) == 0 {
		return fail(argv[0], "missing operand")
	}
	code := 0
	now := time.Now()
	for _, name := range files {
		fh, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			code = fail(argv[0], "%s: %s", name, errText(err))
			continue
		}
		fh.Close()
		os.Chtimes(name, now, now)
	}
	return code
}

func rmMain(argv []string) int {
	f, files := flags(argv[1:])
	code := 0
	for _, name := range files {
		fi, err := os.Lstat(name)
		if err != nil {
			if !f['f'] {
				code = fail(argv[0], "can't remove '%s': %s", name, errText(err))
			}
			continue
		}
		if fi.IsDir() && !f['r'] && !f['R'] {
			code = fail(argv[0], "'%s' is a directory", name)
			continue
		}
		if err := os.RemoveAll(name); err != nil && !f['f'] {
			code = fail(argv[0], "can't remove '%s': %s", name, errText(err))
		}
	}
	return code
}

func mkdirMain(argv []string) int {
	f, dirs := flags(argv[1:])
	code := 0
	for _, d := range dirs {
		var err error
		if f['p'] {
			err = os.MkdirAll(d, 0o755)
		} else {
			err = os.Mkdir(d, 0o755)
		}
		if err != nil {
			code = fail(argv[0], "can't create directory '%s': %s", d, errText(err))
		}
	}
	return code
}

func rmdirMain(argv []string) int {
	_, dirs := flags(argv[1:])
	code := 0
	for _, d := range dirs {
		if err := syscallRmdir(d); err != nil {
			code = fail(argv[0], "'%s': %s", d, errText(err))
		}
	}
	return code
}

func syscallRmdir(d string) error {
	fi, err := os.Stat(d)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("Not a directory")
	}
	return os.Remove(d)
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func cpMain(argv []string) int {
	f, args := flags(argv[1:])
	if len(args) < 2 {
		return fail(argv[0], "missing file operand")
	}
	dst := args[len(args)-1]
	srcs := args[:len(args)-1]
	dstInfo, dstErr := os.Stat(dst)
	code := 0
	for _, src := range srcs {
		target := dst
		if dstErr == nil && dstInfo.IsDir() {
			target = filepath.Join(dst, filepath.Base(src))
		}
		fi, err := os.Stat(src)
		if err != nil {
			code = fail(argv[0], "can't stat '%s': %s", src, errText(err))
			continue
		}
		if fi.IsDir() {
			if !f['r'] && !f['R'] && !f['a'] {
				code = fail(argv[0], "omitting directory '%s'", src)
				continue
			}
			err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				rel, _ := filepath.Rel(src, p)
				t := filepath.Join(target, rel)
				if d.IsDir() {
					return os.MkdirAll(t, 0o755)
				}
				info, err := d.Info()
				if err != nil {
					return err
				}
				return copyFile(p, t, info.Mode().Perm())
			})
		} else {
			err = copyFile(src, target, fi.Mode().Perm())
		}
		if err != nil {
			code = fail(argv[0], "%s", errText(err))
		}
	}
	return code
}

func mvMain(argv []string) int {
	_, args := flags(argv[1:])
	if len(args) < 2 {
		return fail(argv[0], "missing file operand")
	}
	dst := args[len(args)-1]
	code := 0
	for _, src := range args[:len(args)-1] {
		target := dst
		if fi, err := os.Stat(dst); err == nil && fi.IsDir() {
			target = filepath.Join(dst, filepath.Base(src))
		}
		if err := os.Rename(src, target); err != nil {
			code = fail(argv[0], "can't rename '%s': %s", src, errText(err))
		}
	}
	return code
}

func lnMain(argv []string) int {
	f, args := flags(argv[1:])
	if len(args) != 2 {
		return fail(argv[0], "usage: ln [-sf] TARGET LINK")
	}
	if f['f'] {
		os.Remove(args[1])
	}
	var err error
	if f['s'] {
		err = os.Symlink(args[0], args[1])
	} else {
		err = os.Link(args[0], args[1])
	}
	if err != nil {
		return fail(argv[0], "%s: %s", args[1], errText(err))
	}
	return 0
}

func teeMain(argv []string) int {
	f, files := flags(argv[1:])
	writers := []io.Writer{os.Stdout}
	mode := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if f['a'] {
		mode = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	for _, name := range files {
		fh, err := os.OpenFile(name, mode, 0o644)
		if err != nil {
			return fail(argv[0], "%s: %s", name, errText(err))
		}
		defer fh.Close()
		writers = append(writers, fh)
	}
	// Line by line, so a follower of the file sees output as it comes.
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	w := io.MultiWriter(writers...)
	for sc.Scan() {
		fmt.Fprintln(w, sc.Text())
	}
	return 0
}

func findMain(argv []string) int {
	args := argv[1:]
	root := "."
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		root, args = args[0], args[1:]
	}
	var namePattern, typ string
	for i := 0; i+1 < len(args); i += 2 {
		switch args[i] {
		case "-name":
			namePattern = args[i+1]
		case "-type":
			typ = args[i+1]
		}
	}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if namePattern != "" {
			if ok, _ := filepath.Match(namePattern, d.Name()); !ok {
				return nil
			}
		}
		if typ == "f" && d.IsDir() || typ == "d" && !d.IsDir() {
			return nil
		}
		fmt.Println(p)
		return nil
	})
	return 0
}
