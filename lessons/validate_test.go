package lessons

import (
	"errors"
	"fmt"
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

const chapterLines = "id: p\ntitle: P\nversion: 1.0.0\nlanguage: en\nchapters:\n- c1\n"

// withCheck is the good exercise with its objective's check replaced.
func withCheck(check string) string {
	return strings.Replace(goodExercise, "pod: {name: hello, phase: Running}", check, 1)
}

// The corpus of broken packs, each with every problem validation must
// report (no more: one mistake is one problem).
func TestBrokenPacks(t *testing.T) {
	cases := []struct {
		name      string
		overrides map[string]string
		want      []string
	}{
		{"unknown key in pack.yaml", map[string]string{"pack.yaml": "id: p\ntitle: P\nversion: 1\nlanguage: en\nchapterz: [c1]\nchapters: [c1]\n"},
			[]string{`pk/pack.yaml:5: unknown key "chapterz" in pack.yaml (known keys: id, title, version, authors, language, minPodlab, chapters)`}},
		{"chapters not a list", map[string]string{"pack.yaml": "id: p\ntitle: P\nversion: 1\nlanguage: en\nchapters: c1\n"},
			[]string{"pk/pack.yaml:5: cannot unmarshal !!str `c1` into a list"}},
		{"missing pack.yaml", map[string]string{"pack.yaml": ""},
			[]string{"pk/pack.yaml: missing: a pack starts with pack.yaml (id, title, version, language, chapters)"}},
		{"missing chapter dir", map[string]string{"pack.yaml": chapterLines + "- c2\n"},
			[]string{`pk/pack.yaml:7: chapter directory "c2" is missing`}},
		{"chapter outside the pack", map[string]string{"pack.yaml": chapterLines + "- ../x\n"},
			[]string{`pk/pack.yaml:7: chapter "../x" must be a directory name inside the pack`}},
		{"chapter listed twice", map[string]string{"pack.yaml": chapterLines + "- c1\n"},
			[]string{`pk/pack.yaml:7: chapter "c1" is listed twice`}},
		{"missing lesson", map[string]string{"c1/lesson.md": ""},
			[]string{"pk/c1/lesson.md: missing: every chapter has a lesson.md (translations go in lesson.<lang>.md)"}},
		{"missing exercise", map[string]string{"c1/exercise.yaml": ""},
			[]string{"pk/c1/exercise.yaml: missing: every chapter has an exercise.yaml (objectives, hints, solution)"}},
		// The manifest still counts for the solution and for what it names.
		{"manifest that does not decode", map[string]string{"c1/manifests/hello.yaml": strings.Replace(goodManifest, "image:", "imgae:", 1)},
			[]string{`pk/c1/manifests/hello.yaml:8: spec.containers[0].imgae: unknown field "imgae"`}},
		{"manifest that is not YAML", map[string]string{"c1/manifests/hello.yaml": "a: [\n"},
			[]string{"pk/c1/manifests/hello.yaml:1: invalid YAML: did not find expected node content"}},
		{"manifest quoting a file is bounded", map[string]string{"c1/manifests/notes.yaml": strings.Repeat("root:x:0:0:root:/root:/bin/bash\n", 50)},
			[]string{`pk/c1/manifests/notes.yaml:1: expected an object (apiVersion, kind, metadata, ...), found the value "root:x:0:0:root:/root:/bin/bash root:x:0…"`}},
		{"unknown key in an objective", map[string]string{"c1/exercise.yaml": strings.Replace(goodExercise, "  text: x", "  txt: x", 1)},
			[]string{`pk/c1/exercise.yaml:4: unknown key "txt" of an objective (known keys: id, text, check, hint)`}},
		{"unknown key in a pod check", map[string]string{"c1/exercise.yaml": withCheck("pod: {name: hello, stat: x}")},
			[]string{`pk/c1/exercise.yaml:6: unknown key "stat" of a pod check (known keys: name, namespace, selector, phase, ready, condition, container, nodeLabel)`}},
		{"for beside check", map[string]string{"c1/exercise.yaml": strings.Replace(goodExercise, "  check:", "  for: 10s\n  check:", 1)},
			[]string{`pk/c1/exercise.yaml:5: unknown key "for" of an objective: "for" belongs inside the check, beside its kind (check: {pod: {...}, for: 10s})`}},
		{"check naming an object nothing creates", map[string]string{"c1/exercise.yaml": strings.Replace(goodExercise, "name: hello", "name: web", 1)},
			[]string{"pk/c1/exercise.yaml:3: objectives[0].check names pod/web, which no manifest or solution command of this chapter creates"}},
		{"check with two kinds", map[string]string{"c1/exercise.yaml": withCheck("pod: {name: hello}\n    exists: {kind: Pod, name: hello}")},
			[]string{"pk/c1/exercise.yaml:3: objectives[0].check: a check has exactly one kind, this one has [exists pod]"}},
		{"invalid logs regexp", map[string]string{"c1/exercise.yaml": withCheck(`logs: {pod: hello, match: "started (busy"}`)},
			[]string{"pk/c1/exercise.yaml:3: objectives[0].check: logs.match: error parsing regexp: missing closing ): `started (busy`"}},
		{"invalid exec regexp", map[string]string{"c1/exercise.yaml": withCheck(`exec: {pod: hello, command: [ps], output: "a[b"}`)},
			[]string{"pk/c1/exercise.yaml:3: objectives[0].check: exec.output: error parsing regexp: missing closing ]: `[b`"}},
		{"invalid event regexp", map[string]string{"c1/exercise.yaml": withCheck(`event: {reason: Started, message: "*x"}`)},
			[]string{"pk/c1/exercise.yaml:3: objectives[0].check: event.message: error parsing regexp: missing argument to repetition operator: `*`"}},
		{"misspelled kind in field", map[string]string{"c1/exercise.yaml": withCheck("field: {kind: Pdo, name: hello, path: status.phase, equals: Running}")},
			[]string{`pk/c1/exercise.yaml:3: objectives[0].check: field.kind: unknown kind "Pdo" (known: Pod, Node, Namespace, Event, ConfigMap, Secret, Service, Endpoints, ReplicationController, Deployment, ReplicaSet, DaemonSet, StatefulSet, ControllerRevision, Job, CronJob, EndpointSlice, Lease, PodDisruptionBudget)`}},
		{"misspelled kind in exists", map[string]string{"c1/exercise.yaml": withCheck("exists: {kind: Pdo, name: hello}")},
			[]string{`pk/c1/exercise.yaml:3: objectives[0].check: exists.kind: unknown kind "Pdo" (known: Pod, Node, Namespace, Event, ConfigMap, Secret, Service, Endpoints, ReplicationController, Deployment, ReplicaSet, DaemonSet, StatefulSet, ControllerRevision, Job, CronJob, EndpointSlice, Lease, PodDisruptionBudget)`}},
		{"misspelled kind in absent, under not", map[string]string{"c1/exercise.yaml": withCheck("not: {absent: {kind: Pdo, name: hello}}")},
			[]string{`pk/c1/exercise.yaml:3: objectives[0].check: absent.kind: unknown kind "Pdo" (known: Pod, Node, Namespace, Event, ConfigMap, Secret, Service, Endpoints, ReplicationController, Deployment, ReplicaSet, DaemonSet, StatefulSet, ControllerRevision, Job, CronJob, EndpointSlice, Lease, PodDisruptionBudget)`}},
		{"misspelled kind in cleanup", map[string]string{"c1/exercise.yaml": goodExercise + "cleanup:\n  delete:\n  - {kind: Pdo, name: hello}\n"},
			[]string{`pk/c1/exercise.yaml:10: cleanup.delete[0].kind: unknown kind "Pdo" (known: Pod, Node, Namespace, Event, ConfigMap, Secret, Service, Endpoints, ReplicationController, Deployment, ReplicaSet, DaemonSet, StatefulSet, ControllerRevision, Job, CronJob, EndpointSlice, Lease, PodDisruptionBudget)`}},
		{"unknown container state", map[string]string{"c1/exercise.yaml": withCheck("pod: {name: hello, container: {name: a, state: runing}}")},
			[]string{`pk/c1/exercise.yaml:3: objectives[0].check: pod.container.state: "runing" can never match (valid: waiting, running, terminated)`}},
		{"unknown phase", map[string]string{"c1/exercise.yaml": withCheck("pod: {name: hello, phase: running}")},
			[]string{`pk/c1/exercise.yaml:3: objectives[0].check: pod.phase: "running" can never match (valid: Pending, Running, Succeeded, Failed, Unknown)`}},
		{"solution manifest outside the chapter", map[string]string{"c1/exercise.yaml": strings.Replace(goodExercise, "manifests/hello.yaml]", "../../etc/passwd]", 1)},
			[]string{`pk/c1/exercise.yaml:8: manifest "../../etc/passwd" is not one of this chapter's manifests/ files`}},
		{"command reading the learner's files", map[string]string{"c1/exercise.yaml": goodExercise + "  commands:\n  - [create, configmap, x, --from-file=/etc/passwd]\n"},
			[]string{`pk/c1/exercise.yaml:8: command "create configmap x --from-file=/etc/passwd": --from-file reads files from the learner's machine; list manifests under manifests: instead`}},
		{"command that is not allowed", map[string]string{"c1/exercise.yaml": goodExercise + "  commands:\n  - [reset, --yes]\n"},
			[]string{`pk/c1/exercise.yaml:8: command "reset --yes": "reset" is not allowed in a pack (allowed: annotate, apply, cordon, create, delete, describe, drain, exec, get, label, logs, rollout, scale, set, taint, uncordon, wait)`}},
		{"objective without hints", map[string]string{"c1/exercise.yaml": strings.Replace(goodExercise, "hints: [h]\n", "", 1)},
			[]string{"pk/c1/exercise.yaml:1: hints: give the learner at least one hint"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(pack(c.overrides), "pk")
			var probs Problems
			if !errors.As(err, &probs) {
				t.Fatalf("Load = %v, want Problems", err)
			}
			if got, want := err.Error(), strings.Join(c.want, "\n"); got != want {
				t.Fatalf("problems:\n%s\nwant:\n%s", got, want)
			}
		})
	}
	if _, err := Load(pack(nil), "pk"); err != nil {
		t.Fatalf("the good pack does not validate: %v", err)
	}
}

// A Service's Endpoints count as the chapter's: the endpoint controller
// makes them, so a check may name them; an Endpoints of no Service may not.
func TestServiceImpliesItsEndpoints(t *testing.T) {
	svc := "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - port: 80\n"
	for _, c := range []struct {
		name, want string
	}{
		{"web", ""},
		{"other", "pk/c1/exercise.yaml:3: objectives[0].check names endpoints/other, which no manifest or solution command of this chapter creates"},
	} {
		fsys := pack(map[string]string{
			"c1/manifests/svc.yaml": svc,
			"c1/exercise.yaml":      withCheck("field: {kind: Endpoints, name: " + c.name + ", path: \"subsets[0].ports[0].port\", equals: \"80\"}"),
		})
		_, err := Load(fsys, "pk")
		if got := fmt.Sprint(err); c.want == "" && err != nil || c.want != "" && got != c.want {
			t.Errorf("endpoints/%s: Load = %v, want %q", c.name, err, c.want)
		}
	}
}
