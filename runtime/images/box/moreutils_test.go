package box

import (
	"os"
	"path/filepath"
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
