package box

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTextOneLinerUtilities(t *testing.T) {
	cases := []struct {
		stdin string
		argv  []string
		want  string
	}{
		{"hello world\n", []string{"tr", "a-z", "A-Z"}, "HELLO WORLD\n"},
		{"a-b-c\n", []string{"tr", "-d", "-"}, "abc\n"},
		{"a:b:c:d\n", []string{"cut", "-d:", "-f2,4"}, "b:d\n"},
		{"a:b:c:d\n", []string{"cut", "-d", ":", "-f", "2-"}, "b:c:d\n"},
		{"", []string{"basename", "/etc/nginx/nginx.conf", ".conf"}, "nginx\n"},
		{"", []string{"dirname", "/etc/nginx/nginx.conf"}, "/etc/nginx\n"},
		{"hi\n", []string{"base64"}, "aGkK\n"},
		{"aGkK\n", []string{"base64", "-d"}, "hi\n"},
		{"color=red\nsize=red\n", []string{"sed", "s/red/blue/"}, "color=blue\nsize=blue\n"},
		{"aaa\n", []string{"sed", "s/a/b/"}, "baa\n"},
		{"aaa\n", []string{"sed", "s/a/b/g"}, "bbb\n"},
		{"one\ntwo\nthree\n", []string{"sed", "-n", "/^t/p"}, "two\nthree\n"},
		{"one\ntwo\nthree\n", []string{"sed", "2d"}, "one\nthree\n"},
		{"one\ntwo\nthree\n", []string{"sed", "$d"}, "one\ntwo\n"},
		{"ab12\n", []string{"sed", "-E", `s/([a-z]+)([0-9]+)/\2-\1 &/`}, "12-ab ab12\n"},
		{"ab12\n", []string{"sed", `s/\([a-z]*\)1/<\1>/`}, "<ab>2\n"},
		{"listen 80;\n", []string{"sed", "-e", "s/80/8080/", "-e", "s/listen/port/"}, "port 8080;\n"},
		{"hello\n", []string{"cut", "-c", "2"}, "e\n"},
		{"hello\n", []string{"cut", "-c2-3"}, "el\n"},
		{"hello\n", []string{"cut", "-c1,4-"}, "hlo\n"},
		{"no delimiter\nk:v\n", []string{"cut", "-d:", "-f2"}, "no delimiter\nv\n"},
		{"aaabbb\n", []string{"tr", "-s", "ab"}, "ab\n"},
		{"a  b   c\n", []string{"tr", "-s", " ", "_"}, "a_b_c\n"},
		{"hello\n", []string{"tr", "-cd", "l"}, "ll"},
		{"hello\n", []string{"tr", "-c", "a-z\n", "_"}, "hello\n"},
		{"a1b2\n", []string{"tr", "-c", "0-9", "."}, ".1.2."},
		{"one\ntwo\nthree\nfour\n", []string{"sed", "-n", "2,3p"}, "two\nthree\n"},
		{"one\ntwo\nthree\nfour\n", []string{"sed", "1,2d"}, "three\nfour\n"},
		{"one\ntwo\nthree\nfour\n", []string{"sed", "-n", "3,$p"}, "three\nfour\n"},
		{"one\ntwo\nthree\nfour\n", []string{"sed", "-n", "3,1p"}, "three\n"},
		{"a\nstart\nb\nend\nc\nstart\nd\n", []string{"sed", "-n", "/start/,/end/p"}, "start\nb\nend\nstart\nd\n"},
		{"one\ntwo\nthree\n", []string{"sed", "2,$s/^/> /"}, "one\n> two\n> three\n"},
		{"one\ntwo\nthree\n", []string{"sed", "/one/,2d"}, "three\n"},
		{strings.Repeat("x", 60), []string{"base64", "-w0"}, strings.Repeat("eHh4", 20) + "\n"},
		{"hello", []string{"base64", "-w", "4"}, "aGVs\nbG8=\n"},
		{strings.Repeat("x", 60), []string{"base64"}, strings.Repeat("eHh4", 19) + "\neHh4\n"},
	}
	for _, c := range cases {
		if got, code := capture(t, c.stdin, c.argv...); got != c.want || code != 0 {
			t.Errorf("%v on %q: %q (exit %d), want %q", c.argv, c.stdin, got, code, c.want)
		}
	}
}

func TestSedInPlaceAndChmod(t *testing.T) {
	f := filepath.Join(t.TempDir(), "index.html")
	os.WriteFile(f, []byte("<h1>old</h1>\n"), 0o644)
	if _, code := capture(t, "", "sed", "-i", "s/old/new/", f); code != 0 {
		t.Fatalf("sed -i exit %d", code)
	}
	if b, _ := os.ReadFile(f); string(b) != "<h1>new</h1>\n" {
		t.Fatalf("sed -i wrote %q", b)
	}
	if _, code := capture(t, "", "chmod", "+x", f); code != 0 {
		t.Fatal("chmod +x failed")
	}
	if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o755 {
		t.Fatalf("mode after +x: %v", fi.Mode().Perm())
	}
	capture(t, "", "chmod", "600", f)
	if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode after 600: %v", fi.Mode().Perm())
	}
	if _, code := capture(t, "", "sed", "y/a/b/"); code == 0 {
		t.Fatal("an unsupported sed command succeeded")
	}
}

func TestXargsAttachedOptionValues(t *testing.T) {
	for _, argv := range [][]string{{"xargs", "-n1", "echo", "n"}, {"xargs", "-n", "1", "echo", "n"}} {
		if got, code := capture(t, "1 2 3\n", argv...); got != "n 1\nn 2\nn 3\n" || code != 0 {
			t.Errorf("%v: %q (exit %d)", argv, got, code)
		}
	}
	for _, argv := range [][]string{{"xargs", "-I{}", "echo", "<{}>"}, {"xargs", "-I", "{}", "echo", "<{}>"}} {
		if got, code := capture(t, "a b\nc\n", argv...); got != "<a b>\n<c>\n" || code != 0 {
			t.Errorf("%v: %q (exit %d)", argv, got, code)
		}
	}
	if _, code := capture(t, "", "xargs", "-nx"); code != 1 {
		t.Errorf("xargs -nx exit %d, want 1", code)
	}
}

func TestKillListsSignals(t *testing.T) {
	out, code := capture(t, "", "kill", "-l")
	lines := strings.Split(out, "\n")
	if code != 0 || lines[0] != " 1) HUP" || lines[14] != "15) TERM" || lines[30] != "31) SYS" {
		t.Fatalf("kill -l (exit %d):\n%s", code, out)
	}
	if out, _ := capture(t, "", "kill", "-l", "15", "TERM", "137", "SIGKILL"); out != "TERM\n15\nKILL\n9\n" {
		t.Fatalf("kill -l 15 TERM 137 SIGKILL = %q", out)
	}
	if _, code := capture(t, "", "kill", "-l", "NOPE"); code != 1 {
		t.Fatalf("kill -l NOPE exit %d, want 1", code)
	}
}
