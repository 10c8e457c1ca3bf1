package box

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// run runs an applet in-process with stdin and returns stdout, stderr and its exit code.
func run(t *testing.T, stdin []byte, argv ...string) (string, string, int) {
	t.Helper()
	applet, ok := Lookup(argv[0])
	if !ok {
		t.Fatalf("no applet %s", argv[0])
	}
	inR, inW, _ := os.Pipe()
	outR, outW, _ := os.Pipe()
	errR, errW, _ := os.Pipe()
	oldIn, oldOut, oldErr := os.Stdin, os.Stdout, os.Stderr
	os.Stdin, os.Stdout, os.Stderr = inR, outW, errW
	go func() { inW.Write(stdin); inW.Close() }()
	var out, errb bytes.Buffer
	done := make(chan struct{}, 2)
	go func() { io.Copy(&out, outR); done <- struct{}{} }()
	go func() { io.Copy(&errb, errR); done <- struct{}{} }()
	code := applet(argv)
	os.Stdin, os.Stdout, os.Stderr = oldIn, oldOut, oldErr
	outW.Close()
	errW.Close()
	<-done
	<-done
	inR.Close()
	return out.String(), errb.String(), code
}

// tarTree makes src: a file, an executable, a directory with its own mode,
// an empty directory, a symlink and a hard link, all dated past.
func tarTree(t *testing.T) (string, time.Time) {
	src := t.TempDir()
	old := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(src, "d", "empty"), 0o755))
	must(os.WriteFile(filepath.Join(src, "d", "a.txt"), []byte("hello\n"), 0o644))
	must(os.WriteFile(filepath.Join(src, "d", "run.sh"), []byte("#!/bin/sh\n"), 0o755))
	must(os.Symlink("a.txt", filepath.Join(src, "d", "link")))
	must(os.Link(filepath.Join(src, "d", "a.txt"), filepath.Join(src, "d", "hard")))
	must(os.Chmod(filepath.Join(src, "d", "a.txt"), 0o640))
	must(os.Chmod(filepath.Join(src, "d", "empty"), 0o750))
	for _, p := range []string{"d/a.txt", "d/run.sh", "d/empty", "d"} {
		must(os.Chtimes(filepath.Join(src, p), old, old))
	}
	return src, old
}

func checkMode(t *testing.T, p string, want os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode() & (os.ModePerm | os.ModeType); got != want {
		t.Errorf("%s: mode %v, want %v", p, got, want)
	}
}

func TestTarCreateExtractListRoundTrip(t *testing.T) {
	src, old := tarTree(t)
	archive := filepath.Join(t.TempDir(), "x.tar")
	out, errs, code := run(t, nil, "tar", "cvf", archive, "-C", src, "d")
	if code != 0 || errs != "" {
		t.Fatalf("tar cvf: exit %d, %s", code, errs)
	}
	if out != "d/\nd/a.txt\nd/empty/\nd/hard\nd/link\nd/run.sh\n" {
		t.Fatalf("tar cvf listed:\n%s", out)
	}
	out, _, _ = run(t, nil, "tar", "-tvf", archive)
	stamp := old.Local().Format("2006-01-02 15:04")
	for _, want := range []string{
		"-rw-r----- ", " 6 " + stamp + " d/a.txt\n", "drwxr-x--- ", "d/empty/\n",
		"hrw-r----- ", "d/hard link to d/a.txt\n", "lrwxrwxrwx ", "d/link -> a.txt\n", "-rwxr-xr-x ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("tar -tvf lacks %q:\n%s", want, out)
		}
	}

	dst := t.TempDir()
	if _, errs, code := run(t, nil, "tar", "-xpf", archive, "-C", dst); code != 0 || errs != "" {
		t.Fatalf("tar -xpf: exit %d, %s", code, errs)
	}
	d := filepath.Join(dst, "d")
	if b, _ := os.ReadFile(filepath.Join(d, "a.txt")); string(b) != "hello\n" {
		t.Fatalf("a.txt = %q", b)
	}
	checkMode(t, filepath.Join(d, "a.txt"), 0o640)
	checkMode(t, filepath.Join(d, "run.sh"), 0o755)
	checkMode(t, filepath.Join(d, "empty"), os.ModeDir|0o750)
	checkMode(t, filepath.Join(d, "link"), os.ModeSymlink|0o777)
	if target, _ := os.Readlink(filepath.Join(d, "link")); target != "a.txt" {
		t.Errorf("link -> %q", target)
	}
	a, _ := os.Stat(filepath.Join(d, "a.txt"))
	h, _ := os.Stat(filepath.Join(d, "hard"))
	if !os.SameFile(a, h) {
		t.Error("hard is not a hard link of a.txt")
	}
	for _, p := range []string{"a.txt", "empty", "."} {
		if fi, _ := os.Stat(filepath.Join(d, p)); !fi.ModTime().Equal(old) {
			t.Errorf("%s: mtime %v, want %v", p, fi.ModTime(), old)
		}
	}

	// -m: the extracted files get the current time.
	dst = t.TempDir()
	if _, errs, code := run(t, nil, "tar", "xmf", archive, "-C", dst); code != 0 {
		t.Fatalf("tar xmf: exit %d, %s", code, errs)
	}
	if fi, _ := os.Stat(filepath.Join(dst, "d", "a.txt")); time.Since(fi.ModTime()) > time.Minute {
		t.Errorf("tar -m kept the archived mtime %v", fi.ModTime())
	}
}

func TestTarUmaskAndOwners(t *testing.T) {
	src, _ := tarTree(t)
	os.Chmod(filepath.Join(src, "d", "run.sh"), 0o777)
	root := os.Geteuid() == 0
	if root {
		os.Lchown(filepath.Join(src, "d", "a.txt"), 1234, 5678)
	}
	archive := filepath.Join(t.TempDir(), "x.tar")
	run(t, nil, "tar", "cf", archive, "-C", src, "d")
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)

	dst := t.TempDir()
	if _, errs, code := run(t, nil, "tar", "--no-same-permissions", "--no-same-owner", "-xf", archive, "-C", dst); code != 0 {
		t.Fatalf("exit %d, %s", code, errs)
	}
	checkMode(t, filepath.Join(dst, "d", "run.sh"), 0o750)
	checkMode(t, filepath.Join(dst, "d", "empty"), os.ModeDir|0o750)
	fi, _ := os.Stat(filepath.Join(dst, "d", "a.txt"))
	if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != os.Geteuid() {
		t.Errorf("--no-same-owner: a.txt owned by %d", st.Uid)
	}
	if !root {
		return
	}
	// As root tar restores modes and owners exactly, as GNU tar does.
	dst = t.TempDir()
	run(t, nil, "tar", "xf", archive, "-C", dst)
	checkMode(t, filepath.Join(dst, "d", "run.sh"), 0o777)
	fi, _ = os.Stat(filepath.Join(dst, "d", "a.txt"))
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != 1234 || st.Gid != 5678 {
		t.Errorf("as root: a.txt owned by %d:%d, want 1234:5678", st.Uid, st.Gid)
	}
}

func TestTarStripsLeadingSlashAndRefusesEscapes(t *testing.T) {
	base := t.TempDir()
	dst := filepath.Join(base, "dst")
	os.Mkdir(dst, 0o755)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(h *tar.Header, body string) {
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(body))
		}
		h.Mode |= 0o644
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, body)
	}
	reg := func(name, body string) { add(&tar.Header{Name: name, Typeflag: tar.TypeReg}, body) }
	reg("/abs/f", "abs")
	reg("../evil1", "x")
	reg("a/../../evil2", "x")
	add(&tar.Header{Name: "esc", Typeflag: tar.TypeSymlink, Linkname: base}, "")
	reg("esc/evil3", "x")
	add(&tar.Header{Name: "rel", Typeflag: tar.TypeSymlink, Linkname: ".."}, "")
	reg("rel/evil4", "x")
	add(&tar.Header{Name: "hl", Typeflag: tar.TypeLink, Linkname: "../../etc/passwd"}, "")
	reg("ok", "ok")
	tw.Close()

	_, errs, code := run(t, buf.Bytes(), "tar", "xf", "-", "-C", dst)
	if code == 0 {
		t.Fatal("tar extracted escaping members with exit 0")
	}
	for _, want := range []string{"tar: Removing leading `/' from member names\n", "tar: ../evil1: Member name contains '..'\n",
		"tar: a/../../evil2: Member name contains '..'\n", "path escapes from parent"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "abs", "f")); string(b) != "abs" {
		t.Errorf("/abs/f was not extracted as abs/f: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "ok")); string(b) != "ok" {
		t.Errorf("ok = %q", b)
	}
	for _, p := range []string{"evil1", "evil2", "evil3", "evil4"} {
		if _, err := os.Lstat(filepath.Join(base, p)); err == nil {
			t.Errorf("%s landed outside the target directory", p)
		}
	}
	if _, err := os.Lstat(filepath.Join(dst, "hl")); err == nil {
		t.Error("a hard link to ../../etc/passwd was made")
	}

	// On create, tar stores names without the leading / or ../ part.
	out, errs, _ := run(t, nil, "tar", "cf", "-", filepath.Join(dst, "ok"), "-C", dst, "../dst/abs")
	names := tarNames(t, out)
	want := strings.TrimPrefix(filepath.Join(dst, "ok"), "/") + " dst/abs/ dst/abs/f"
	if strings.Join(names, " ") != want {
		t.Errorf("names %v, want %s", names, want)
	}
	if !strings.Contains(errs, "Removing leading `/' from member names") || !strings.Contains(errs, "Removing leading `../' from member names") {
		t.Errorf("create warnings:\n%s", errs)
	}
}

func tarNames(t *testing.T, archive string) []string {
	t.Helper()
	var names []string
	tr := tar.NewReader(strings.NewReader(archive))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatalf("reading the archive: %v", err)
		}
		names = append(names, h.Name)
	}
}

func TestTarGzipMembersAndErrors(t *testing.T) {
	src, _ := tarTree(t)
	dir := t.TempDir()
	tgz := filepath.Join(dir, "x.tgz")
	if _, errs, code := run(t, nil, "tar", "-czf", tgz, "-C", src, "."); code != 0 {
		t.Fatalf("tar -czf: %d %s", code, errs)
	}
	if b, _ := os.ReadFile(tgz); len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatal("tar -czf did not write gzip")
	}
	if out, _, _ := run(t, nil, "tar", "tzf", tgz); !strings.HasPrefix(out, "./\n./d/\n./d/a.txt\n") {
		t.Fatalf("tar tzf:\n%s", out)
	}
	// Reading detects gzip without -z, as busybox's and GNU's tar do.
	data, _ := os.ReadFile(tgz)
	if out, _, code := run(t, data, "tar", "xOf", "-", "./d/a.txt"); out != "hello\n" || code != 0 {
		t.Fatalf("tar xOf - ./d/a.txt = %q, exit %d", out, code)
	}
	dst := t.TempDir()
	if _, errs, code := run(t, nil, "tar", "-x", "-z", "--file="+tgz, "--directory", dst, "--strip-components=2", "d/a.txt"); code != 0 {
		t.Fatalf("strip-components: exit %d %s", code, errs)
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "a.txt")); string(b) != "hello\n" {
		t.Fatalf("--strip-components=2: a.txt = %q", b)
	}
	if _, errs, code := run(t, nil, "tar", "tf", tgz, "nope"); code == 0 || errs != "tar: nope: Not found in archive\n" {
		t.Errorf("missing member: exit %d, %q", code, errs)
	}

	// A missing file is reported, the rest archived, and tar fails.
	out, errs, code := run(t, nil, "tar", "cf", "-", "-C", src, "nope", "d/a.txt")
	if code == 0 || errs != "tar: nope: No such file or directory\n" {
		t.Errorf("missing file: exit %d, %q", code, errs)
	}
	if names := tarNames(t, out); len(names) != 1 || names[0] != "d/a.txt" {
		t.Errorf("archive of the rest: %v", names)
	}
	for _, c := range []struct {
		argv []string
		want string
	}{
		{[]string{"tar", "cf", "-"}, "tar: Cowardly refusing to create an empty archive\n"},
		{[]string{"tar", "-f", "x"}, "tar: You must specify one of the '-Acdtrux'"},
		{[]string{"tar", "-xq"}, "tar: invalid option -- 'q'\n"},
		{[]string{"tar", "xf", filepath.Join(dir, "nope.tar")}, "nope.tar: Cannot open: No such file or directory\n"},
	} {
		if _, errs, code := run(t, nil, c.argv...); code == 0 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.argv, code, errs, c.want)
		}
	}
	if _, errs, code := run(t, []byte("not a tar archive, just text that goes on for a while ........................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................."), "tar", "tf", "-"); code == 0 || !strings.Contains(errs, "This does not look like a tar archive") {
		t.Errorf("garbage: exit %d %q", code, errs)
	}
}

func TestTailBytes(t *testing.T) {
	for _, c := range []struct {
		argv []string
		want string
	}{
		{[]string{"tail", "-c+3"}, "cdef\n"},
		{[]string{"tail", "-c", "+1"}, "abcdef\n"},
		{[]string{"tail", "-c", "3"}, "ef\n"},
		{[]string{"tail", "-c3"}, "ef\n"},
		{[]string{"tail", "-c+100"}, ""},
		{[]string{"tail", "-n", "+2"}, ""},
	} {
		if out, _ := capture(t, "abcdef\n", c.argv...); out != c.want {
			t.Errorf("%v = %q, want %q", c.argv, out, c.want)
		}
	}
	if out, _ := capture(t, "1\n2\n3\n", "tail", "-n", "+2"); out != "2\n3\n" {
		t.Errorf("tail -n +2 = %q", out)
	}
}

// TestKubectlCpCommandLines runs, as processes, exactly what kubectl cp
// (k8s.io/kubectl pkg/cmd/cp) runs in a container.
func TestKubectlCpCommandLines(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	for _, n := range []string{"sh", "tar", "tail", "test"} {
		if err := os.Symlink(self, filepath.Join(bin, n)); err != nil {
			t.Fatal(err)
		}
	}
	pod := func(stdin []byte, argv ...string) (string, string, int) {
		t.Helper()
		cmd := &exec.Cmd{Path: self, Args: argv, Env: append(os.Environ(), "BOX_TEST_APPLET=1", "PATH="+bin), Stdin: bytes.NewReader(stdin)}
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		if _, ok := err.(*exec.ExitError); err != nil && !ok {
			t.Fatal(err)
		}
		return out.String(), errb.String(), cmd.ProcessState.ExitCode()
	}
	dest := t.TempDir()

	// kubectl cp ./foo pod:DEST: `test -d DEST`, then its own tar stream
	// (names relative, the local owner and modes) into tar -xmf - -C DEST.
	if _, _, code := pod(nil, "test", "-d", dest); code != 0 {
		t.Fatalf("test -d on a directory: exit %d", code)
	}
	if _, _, code := pod(nil, "test", "-d", filepath.Join(dest, "nope")); code != 1 {
		t.Fatalf("test -d on nothing: exit %d", code)
	}
	var stream bytes.Buffer
	tw := tar.NewWriter(&stream)
	for _, f := range []struct {
		name string
		mode int64
		body string
	}{{"foo/a.txt", 0o600, "alpha"}, {"foo/sub/b.txt", 0o755, "beta"}} {
		tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body)), Typeflag: tar.TypeReg, Uid: 1000, Gid: 1000, ModTime: time.Unix(1e9, 0)})
		io.WriteString(tw, f.body)
	}
	tw.WriteHeader(&tar.Header{Name: "foo/empty", Mode: 0o755, Typeflag: tar.TypeDir, ModTime: time.Unix(1e9, 0)})
	tw.Close()
	if _, errs, code := pod(stream.Bytes(), "tar", "-xmf", "-", "-C", dest); code != 0 || errs != "" {
		t.Fatalf("tar -xmf - -C: exit %d, %s", code, errs)
	}
	if b, _ := os.ReadFile(filepath.Join(dest, "foo", "sub", "b.txt")); string(b) != "beta" {
		t.Fatalf("foo/sub/b.txt = %q", b)
	}
	checkMode(t, filepath.Join(dest, "foo", "a.txt"), 0o600)
	if fi, err := os.Stat(filepath.Join(dest, "foo", "empty")); err != nil || !fi.IsDir() {
		t.Fatalf("foo/empty: %v", err)
	}
	dest2 := t.TempDir()
	if _, errs, code := pod(stream.Bytes(), "tar", "--no-same-permissions", "--no-same-owner", "-xmf", "-", "-C", dest2); code != 0 || errs != "" {
		t.Fatalf("--no-preserve form: exit %d, %s", code, errs)
	}
	fi, _ := os.Stat(filepath.Join(dest2, "foo", "a.txt"))
	if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != os.Geteuid() {
		t.Errorf("--no-same-owner: owned by %d", st.Uid)
	}

	// kubectl cp pod:SRC ./here: `tar cf - SRC`, names without the leading
	// /, which kubectl strips as the prefix; with --retries, through tail.
	src := filepath.Join(dest, "foo")
	full, errs, code := pod(nil, "tar", "cf", "-", src)
	if code != 0 || errs != "tar: Removing leading `/' from member names\n" {
		t.Fatalf("tar cf - %s: exit %d, %q", src, code, errs)
	}
	prefix := strings.TrimPrefix(src, "/")
	names := tarNames(t, full)
	if len(names) != 5 || names[0] != prefix+"/" || names[1] != prefix+"/a.txt" {
		t.Fatalf("tar cf - names: %v", names)
	}
	for _, n := range []int{1, 513, len(full)} {
		out, _, code := pod(nil, "sh", "-c", "tar cf - '"+src+"' | tail -c+"+strconv.Itoa(n))
		if code != 0 || out != full[n-1:] {
			t.Errorf("tar cf - | tail -c+%d: exit %d, %d bytes, want %d", n, code, len(out), len(full)-n+1)
		}
	}
	if _, errs, code := pod(nil, "tar", "cf", "-", "/nope"); code == 0 || !strings.Contains(errs, "tar: /nope: No such file or directory\n") {
		t.Errorf("tar cf - /nope: exit %d, %q", code, errs)
	}
}
