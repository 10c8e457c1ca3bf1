package lessons

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

const goodExercise = "title: T\nobjectives:\n- id: a\n  text: x\n  check:\n    pod: {name: hello, phase: Running}\nhints: [h]\nsolution:\n  manifests: [manifests/hello.yaml]\n"
const goodManifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: hello\nspec:\n  containers:\n  - name: a\n    image: busybox\n"

func pack(overrides map[string]string) fstest.MapFS {
	files := map[string]string{
		"pack.yaml":               "id: p\ntitle: P\nversion: 1.0.0\nlanguage: en\nchapters:\n- c1\n",
		"c1/lesson.md":            "# Chapter one\ntext\n",
		"c1/exercise.yaml":        goodExercise,
		"c1/manifests/hello.yaml": goodManifest,
	}
	for k, v := range overrides {
		if v == "" {
			delete(files, k)
		} else {
			files[k] = v
		}
	}
	fsys := fstest.MapFS{}
	for k, v := range files {
		fsys[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return fsys
}

// The corpus of broken packs, each with the problem validation must report.
func TestBrokenPacks(t *testing.T) {
	cases := []struct {
		name      string
		overrides map[string]string
		want      string
	}{
		{"unknown key in pack.yaml", map[string]string{"pack.yaml": "id: p\ntitle: P\nversion: 1\nlanguage: en\nchapterz: [c1]\nchapters: [c1]\n"},
			"pk/pack.yaml:5: field chapterz is not a known key of lessons.Meta"},
		{"missing pack.yaml", map[string]string{"pack.yaml": ""}, "pk/pack.yaml: missing"},
		{"missing chapter dir", map[string]string{"pack.yaml": "id: p\ntitle: P\nversion: 1\nlanguage: en\nchapters: [c1, c2]\n"},
			"pk/c2: chapter directory missing"},
		{"missing lesson", map[string]string{"c1/lesson.md": ""}, "pk/c1/lesson.md: missing"},
		{"missing exercise", map[string]string{"c1/exercise.yaml": ""}, "pk/c1/exercise.yaml: missing"},
		{"manifest that does not decode", map[string]string{"c1/manifests/hello.yaml": strings.Replace(goodManifest, "image:", "imagee:", 1)},
			`pk/c1/manifests/hello.yaml:8: spec.containers[0].imagee: unknown field "imagee"`},
		{"unknown key in an objective", map[string]string{"c1/exercise.yaml": strings.Replace(goodExercise, "  text: x", "  txt: x", 1)},
			"pk/c1/exercise.yaml:4: field txt is not a known key of exercises.Objective"},
		{"check naming an object nothing creates", map[string]string{"c1/exercise.yaml": strings.Replace(goodExercise, "name: hello", "name: web", 1)},
			"pk/c1/exercise.yaml:3: objectives[0].check names pod/web, which no manifest or solution command of this chapter creates"},
		{"check with two kinds", map[string]string{"c1/exercise.yaml": strings.Replace(goodExercise, "    pod: {name: hello, phase: Running}", "    pod: {name: hello}\n    exists: {kind: Pod, name: hello}", 1)},
			"pk/c1/exercise.yaml:3: objectives[0].check: a check has exactly one kind"},
		{"solution manifest outside the chapter", map[string]string{"c1/exercise.yaml": strings.Replace(goodExercise, "manifests/hello.yaml]", "../../etc/passwd]", 1)},
			`pk/c1/exercise.yaml:8: manifest "../../etc/passwd" is not one of this chapter's manifests/ files`},
		{"command reading the learner's files", map[string]string{"c1/exercise.yaml": goodExercise + "  commands:\n  - [create, configmap, x, --from-file=/etc/passwd]\n"},
			"reads files from the learner's machine"},
		{"command that is not allowed", map[string]string{"c1/exercise.yaml": goodExercise + "  commands:\n  - [reset, --yes]\n"},
			`"reset" is not allowed in a pack`},
		{"objective without hints", map[string]string{"c1/exercise.yaml": strings.Replace(goodExercise, "hints: [h]\n", "", 1)},
			"hints: give the learner at least one hint"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(pack(c.overrides), "pk")
			var probs Problems
			if !errors.As(err, &probs) {
				t.Fatalf("Load = %v, want Problems", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("problems:\n%v\nwant one containing %q", err, c.want)
			}
		})
	}
	if _, err := Load(pack(nil), "pk"); err != nil {
		t.Fatalf("the good pack does not validate: %v", err)
	}
}
