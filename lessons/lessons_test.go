package lessons

import (
	"os"
	"testing"
)

func TestBuiltinPackValidates(t *testing.T) {
	p, err := Builtin()
	if err != nil {
		t.Fatalf("the built-in pack does not validate:\n%v", err)
	}
	if len(p.Chapters) != 11 {
		t.Fatalf("%d chapters, want 11", len(p.Chapters))
	}
	if p.Chapters[0].Title != "Your first Pod" || p.Chapters[0].Lesson("zh-CN") == p.Chapters[0].Lesson("") || p.Chapters[1].Lesson("zh-CN") != p.Chapters[1].Lesson("") {
		t.Fatal("titles or locale fallback wrong")
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
