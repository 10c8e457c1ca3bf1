package printers

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
)

func smallPod(name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", CreationTimestamp: ago(0), ResourceVersion: "9007199254740993"},
		Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27", Command: []string{"a<b&c"}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning}}
}

func TestObjectsAsName(t *testing.T) {
	var buf bytes.Buffer
	if err := PrintObjects(&buf, "name", api.Pods, []api.Object{smallPod("web"), smallPod("db")}, true); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "pod/web\npod/db\n" {
		t.Errorf("name = %q", buf.String())
	}
}

func TestObjectsAsYAML(t *testing.T) {
	var buf bytes.Buffer
	if err := PrintObjects(&buf, "yaml", api.Pods, []api.Object{smallPod("web")}, false); err != nil {
		t.Fatal(err)
	}
	want := `apiVersion: v1
kind: Pod
metadata:
  creationTimestamp: "2026-11-24T12:00:00Z"
  name: web
  namespace: default
  resourceVersion: "9007199254740993"
spec:
  containers:
  - command:
    - a<b&c
    image: nginx:1.27
    name: web
    resources: {}
status:
  phase: Running
`
	if buf.String() != want {
		t.Errorf("yaml:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestObjectsAsJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := PrintObjects(&buf, "json", api.Pods, []api.Object{smallPod("web")}, false); err != nil {
		t.Fatal(err)
	}
	// kubectl's JSON: keys sorted (it prints unstructured maps), four-space
	// indent, HTML characters escaped as encoding/json does, a final newline.
	want := `{
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "creationTimestamp": "2026-11-24T12:00:00Z",
        "name": "web",
        "namespace": "default",
        "resourceVersion": "9007199254740993"
    },
    "spec": {
        "containers": [
            {
                "command": [
                    "a\u003cb\u0026c"
                ],
                "image": "nginx:1.27",
                "name": "web",
                "resources": {}
            }
        ]
    },
    "status": {
        "phase": "Running"
    }
}
`
	if buf.String() != want {
		t.Errorf("json:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestObjectsAsList(t *testing.T) {
	p := smallPod("web")
	var buf bytes.Buffer
	if err := PrintObjects(&buf, "yaml", api.Pods, []api.Object{p, smallPod("db")}, true); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n") || !strings.HasSuffix(out, "kind: List\nmetadata:\n  resourceVersion: \"\"\n") {
		t.Errorf("yaml list:\n%s", out)
	}
	if p.Kind != "" || p.APIVersion != "" {
		t.Error("printing set the caller's TypeMeta")
	}

	buf.Reset()
	if err := PrintObjects(&buf, "json", api.Pods, nil, true); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Kind  string
		Items []any
	}
	if err := json.Unmarshal(buf.Bytes(), &list); err != nil || list.Kind != "List" || list.Items == nil || len(list.Items) != 0 {
		t.Errorf("empty json list = %s (err %v), want an empty items array", buf.String(), err)
	}
}

func TestObjectsUnknownFormat(t *testing.T) {
	err := PrintObjects(&bytes.Buffer{}, "xml", api.Pods, []api.Object{smallPod("web")}, false)
	if err == nil || !strings.Contains(err.Error(), `"xml"`) {
		t.Errorf("err = %v, want one naming the format", err)
	}
}
