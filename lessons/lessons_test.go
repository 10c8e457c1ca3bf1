package lessons

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestBuiltinPackValidates(t *testing.T) {
	p, err := Builtin()
	if err != nil {
		t.Fatalf("the built-in pack does not validate:\n%v", err)
	}
	if len(p.Chapters) != 21 {
		t.Fatalf("%d chapters, want 21", len(p.Chapters))
	}
	if p.Chapters[0].Title != "Your first Pod" {
		t.Fatalf("first chapter %q", p.Chapters[0].Title)
	}
	// Every built-in chapter is translated for the learners of the Chinese
	// source notes; other languages fall back to English.
	for _, c := range p.Chapters {
		if c.Lesson("zh-CN") == c.Lesson("") || c.Lesson("zh") != c.Lesson("zh-CN") {
			t.Errorf("%s: no zh-CN lesson", c.Dir)
		}
		if c.Lesson("fr-FR") != c.Lesson("") {
			t.Errorf("%s: fr-FR does not fall back to English", c.Dir)
		}
	}
}

func TestExamplePackInDocsValidates(t *testing.T) {
	p, err := Load(os.DirFS("../docs/example-pack"), "docs/example-pack")
	if err != nil {
		t.Fatalf("docs/example-pack does not validate:\n%v", err)
	}
	if p.Chapters[0].Lesson("zh-CN") == p.Chapters[0].Lesson("en") {
		t.Fatal("the example pack's translation is not picked")
	}
}

func TestPackArchives(t *testing.T) {
	dir := t.TempDir()
	tgz := filepath.Join(dir, "pack.tar.gz")
	cmd := exec.Command("tar", "-czf", tgz, "-C", "../docs", "example-pack")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tar: %v %s", err, out)
	}
	p, err := LoadArchive(tgz)
	if err != nil || p.Meta.ID != "example-sidecars" {
		t.Fatalf("LoadArchive(tar.gz) = %v, %v", p, err)
	}
	// An archive entry that climbs out of the pack is refused.
	evil := filepath.Join(dir, "evil.zip")
	f, _ := os.Create(evil)
	zw := zip.NewWriter(f)
	w, _ := zw.Create("../outside/pack.yaml")
	w.Write([]byte("id: x\n"))
	zw.Close()
	f.Close()
	if _, err := LoadArchive(evil); err == nil || !strings.Contains(err.Error(), "leaves the pack") {
		t.Fatalf("an escaping zip entry: %v", err)
	}
}

// The exercise.yaml sample in docs/packs.md, put in the example pack's
// chapter, validates: authors copy it.
func TestDocsExerciseSampleValidates(t *testing.T) {
	doc, err := os.ReadFile("../docs/packs.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(doc), "### exercise.yaml\n\n```yaml\n")
	sample, _, ok := strings.Cut(rest, "```")
	if !ok || !strings.Contains(sample, "    for: ") {
		t.Fatalf("no exercise.yaml sample showing for: in docs/packs.md")
	}
	fsys := fstest.MapFS{"01-sidecar/exercise.yaml": {Data: []byte(sample)}}
	for _, name := range []string{"pack.yaml", "01-sidecar/lesson.md", "01-sidecar/manifests/sidecar.yaml"} {
		b, err := os.ReadFile("../docs/example-pack/" + name)
		if err != nil {
			t.Fatal(err)
		}
		fsys[name] = &fstest.MapFile{Data: b}
	}
	if _, err := Load(fsys, "docs/packs.md"); err != nil {
		t.Fatalf("the sample does not validate:\n%v", err)
	}
}
