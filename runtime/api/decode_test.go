package api

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func manifestErrs(t *testing.T, err error) []*ManifestError {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error")
	}
	var out []*ManifestError
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		for _, e := range joined.Unwrap() {
			var me *ManifestError
			if !errors.As(e, &me) {
				t.Fatalf("error %v is not a *ManifestError", e)
			}
			out = append(out, me)
		}
		return out
	}
	var me *ManifestError
	if !errors.As(err, &me) {
		t.Fatalf("error %v is not a *ManifestError", err)
	}
	return []*ManifestError{me}
}

func TestDecodeErrorsNameFileLineAndField(t *testing.T) {
	cases := []struct {
		name, doc string
		want      string
	}{
		{"unknown field", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: app\n    image: nginx\n    comand: [sleep]\n",
			`pod.yaml:9: spec.containers[0].comand: unknown field "comand"`},
		{"wrong type", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels:\n    version: 1\nspec:\n  containers:\n  - name: app\n    image: nginx\n",
			`pod.yaml:6: metadata.labels.version: Invalid value: expected a string`},
		{"missing kind", "apiVersion: v1\nmetadata:\n  name: web\n",
			`pod.yaml:1: kind: Required value`},
		{"unserved kind", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n",
			`pod.yaml:2: kind: kind Ingress (networking.k8s.io/v1) is not served by this lab`},
		{"served kind at another version", "apiVersion: v1\nkind: Deployment\nmetadata:\n  name: web\n",
			`pod.yaml:2: apiVersion: Deployment is served as apiVersion apps/v1, not "v1"`},
		{"bad yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n   labels: x\n",
			`pod.yaml:5: invalid YAML`},
		{"duplicate key", "apiVersion: v1\nkind: Pod\nkind: Pod\nmetadata:\n  name: web\n",
			`pod.yaml:3: invalid YAML: mapping key "kind" already defined`},
		{"wrong type in a list", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: a\n    image: nginx\n  - name: b\n    image: nginx\n    ports:\n    - containerPort: 80\n    - containerPort: eighty\n",
			`pod.yaml:13: spec.containers[1].ports[1].containerPort: Invalid value: expected`},
		{"wrong type inside an embedded struct", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: a\n    image: nginx\n    livenessProbe:\n      exec:\n        command: [cat, true]\n",
			`pod.yaml:11: spec.containers[0].livenessProbe.exec.command[1]: Invalid value: expected a string`},
		{"bad quantity", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: a\n    image: nginx\n    resources:\n      limits:\n        memory: 64Mi\n        cpu: lots\n",
			`pod.yaml:12: spec.containers[0].resources.limits.cpu: Invalid value: "lots": quantities must match`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode("pod.yaml", []byte(c.doc))
			errs := manifestErrs(t, err)
			if !strings.HasPrefix(errs[0].Error(), c.want) {
				t.Fatalf("error:\n got %q\nwant prefix %q", errs[0].Error(), c.want)
			}
		})
	}
}

func TestDecodeMultiDocumentLinesAreAbsolute(t *testing.T) {
	doc := `apiVersion: v1
kind: ConfigMap
metadata:
  name: one
---
apiVersion: v1
kind: Pod
metadata:
  name: two
spec:
  containers:
  - name: app
    image: busybox
---
apiVersion: v1
kind: Pod
metadata:
  name: three
spec:
  containers:
  - name: app
    imagee: busybox
`
	_, err := Decode("all.yaml", []byte(doc))
	errs := manifestErrs(t, err)
	if len(errs) != 1 || errs[0].Line != 22 || errs[0].Document != 3 {
		t.Fatalf("got %v, want one error at line 22 of document 3", err)
	}
	if !strings.Contains(errs[0].Error(), "all.yaml:22: document 3: spec.containers[0].imagee") {
		t.Fatalf("message %q", errs[0].Error())
	}
	// Without the bad document all objects decode, each knowing its start line.
	ms, err := Decode("all.yaml", []byte(strings.Split(doc, "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: three")[0]))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[1].Line != 6 || ms[1].Object.GetName() != "two" {
		t.Fatalf("manifests = %+v", ms)
	}
	if got := ms[1].LineOf("spec.containers[0].image"); got != 13 {
		t.Fatalf("LineOf(image) = %d, want 13", got)
	}
}

func TestDecodeAllOrNothing(t *testing.T) {
	doc := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ok\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  restartPolicy: [x]\n"
	ms, err := Decode("x.yaml", []byte(doc))
	if err == nil || ms != nil {
		t.Fatalf("Decode = %v, %v; want no objects and an error", ms, err)
	}
}

func TestDecodeJSONAndList(t *testing.T) {
	ms, err := Decode("pod.json", []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j"},"spec":{"containers":[{"name":"a","image":"busybox"}]}}`))
	if err != nil || len(ms) != 1 || ms[0].Object.(*corev1.Pod).Spec.Containers[0].Image != "busybox" {
		t.Fatalf("JSON decode = %v, %v", ms, err)
	}
	list := "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: b\n"
	ms, err = Decode("list.yaml", []byte(list))
	if err != nil || len(ms) != 2 || ms[1].Object.GetName() != "b" || ms[1].Line != 8 {
		t.Fatalf("List decode = %+v, %v", ms, err)
	}
}

func TestValidateManifestReportsLines(t *testing.T) {
	doc := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: My_Pod\nspec:\n  restartPolicy: Sometimes\n  containers:\n  - name: app\n    image: \"\"\n"
	ms, err := Decode("bad.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	errs := manifestErrs(t, ValidateManifest(ms[0]))
	got := map[string]int{}
	for _, e := range errs {
		got[e.Field] = e.Line
	}
	want := map[string]int{"metadata.name": 4, "spec.restartPolicy": 6, "spec.containers[0].image": 9}
	for f, line := range want {
		if got[f] != line {
			t.Errorf("field %s: line %d, want %d (all: %v)", f, got[f], line, errs)
		}
	}
	if !strings.Contains(ValidateManifest(ms[0]).Error(), `spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"`) {
		t.Errorf("restartPolicy message not upstream's: %v", ValidateManifest(ms[0]))
	}
}

// A Job's manifest names no selector: the registry generates it on create,
// and so does the offline validation (pack validate); a manual selector
// still has to be given and to match.
func TestValidateManifestJobSelector(t *testing.T) {
	job := "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pi\nspec:\n%s  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: pi\n        image: busybox\n"
	for _, c := range []struct {
		spec, want string
	}{
		{"", ""},
		{"  manualSelector: true\n", "spec.selector: Required value"},
		{"  selector: {matchLabels: {app: other}}\n", "`selector` not auto-generated"},
	} {
		ms, err := Decode("job.yaml", []byte(fmt.Sprintf(job, c.spec)))
		if err != nil {
			t.Fatal(err)
		}
		err = ValidateManifest(ms[0])
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("spec %q: ValidateManifest = %v, want %q", c.spec, err, c.want)
		}
	}
}

func TestSeedsManifestsDecodeAndValidate(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yaml")
	if len(files) == 0 {
		t.Fatal("no testdata manifests")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := Decode(f, data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, m := range ms {
			if err := ValidateManifest(m); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
		}
	}
}

func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: Pod}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ms, err := Decode("fuzz.yaml", data)
		if err != nil {
			return
		}
		for _, m := range ms {
			_ = ValidateManifest(m) // must not panic
			m.LineOf("spec.containers[0].image")
		}
	})
}

func TestValidateProbeGraceAndSleep(t *testing.T) {
	doc := `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  terminationGracePeriodSeconds: 10
  containers:
  - name: app
    image: nginx
    livenessProbe:
      exec: {command: ["true"]}
      terminationGracePeriodSeconds: 0
    readinessProbe:
      exec: {command: ["true"]}
      terminationGracePeriodSeconds: 5
    lifecycle:
      preStop:
        sleep: {seconds: 20}
`
	ms, err := Decode("p.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	msg := ValidateManifest(ms[0]).Error()
	for _, want := range []string{
		"p.yaml:12: spec.containers[0].livenessProbe.terminationGracePeriodSeconds: Invalid value: 0: must be greater than 0",
		"p.yaml:15: spec.containers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 5: must not be set for readinessProbes",
		"spec.containers[0].lifecycle.preStop.sleep: Invalid value: 20: must be non-negative and less than terminationGracePeriodSeconds (10)",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
}

func TestValidateTolerationsAndAffinity(t *testing.T) {
	data, err := os.ReadFile("testdata/invalid/bad-scheduling.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := Decode("bad-scheduling.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	msg := ValidateManifest(ms[0]).Error()
	for _, want := range []string{
		`bad-scheduling.yaml:6: spec.tolerations[0].operator: Unsupported value: "Equals": supported values: "Equal", "Exists"`,
		`bad-scheduling.yaml:6: spec.tolerations[0].effect: Unsupported value: "NoSchedul"`,
		`bad-scheduling.yaml:7: spec.tolerations[1].operator: Invalid value: "Equal": operator must be Exists when ` + "`key`" + ` is empty`,
		`bad-scheduling.yaml:13: spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: Required value`,
		`matchExpressions[1].values: Forbidden`,
		`bad-scheduling.yaml:15: spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[2].operator: Invalid value: "Within": not a valid selector operator`,
		`bad-scheduling.yaml:18: spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
}
