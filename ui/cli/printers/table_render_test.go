package printers

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/tables"
)

// A hand-made table, as any server could send it: columns of both
// priorities, an integer cell, a nil cell, a short row, an extra cell and
// a row without an object.
func TestRenderTableAsKubectl(t *testing.T) {
	obj := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "lab", Labels: map[string]string{"app": "web", "example.com/tier": "db"}}}
	tbl := &metav1.Table{
		ColumnDefinitions: []metav1.TableColumnDefinition{
			{Name: "Name", Type: "string", Format: "name"},
			{Name: "Count", Type: "integer"},
			{Name: "Node Name", Type: "string", Priority: 1},
			{Name: "Note", Type: "string"},
		},
		Rows: []metav1.TableRow{
			{Cells: []any{"a", int64(3), "node-1", nil, "ignored"}, Object: runtime.RawExtension{Object: obj}},
			{Cells: []any{"b", 4.0}},
		},
	}
	for _, c := range []struct {
		name string
		opts TableOptions
		want string
	}{
		{"default", TableOptions{},
			"NAME   COUNT   NOTE\na      3       \nb      4       \n"},
		{"wide", TableOptions{Wide: true},
			"NAME   COUNT   NODE NAME   NOTE\na      3       node-1      \nb      4                   \n"},
		{"namespace and labels", TableOptions{WithNamespace: true, LabelColumns: []string{"example.com/tier"}, ShowLabels: true},
			"NAMESPACE   NAME   COUNT   NOTE   TIER   LABELS\nlab         a      3              db     app=web,example.com/tier=db\n            b      4                     \n"},
		{"no headers (cells still take the minimum width of 6)", TableOptions{NoHeaders: true}, "a     3     \nb     4     \n"},
	} {
		var buf bytes.Buffer
		if err := RenderTable(&buf, tbl, c.opts); err != nil {
			t.Fatal(err)
		}
		if buf.String() != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, buf.String(), c.want)
		}
	}
	var buf bytes.Buffer
	if err := RenderTable(&buf, &metav1.Table{ColumnDefinitions: tbl.ColumnDefinitions}, TableOptions{}); err != nil || buf.Len() != 0 {
		t.Errorf("a table without rows printed %q (%v); kubectl prints nothing, not even headers", buf.String(), err)
	}
}

// What the lab's API server sends kubectl for `get pods` — the Convertor's
// table, with each row's object cut to its metadata (includeObject's
// default), through JSON and decoded as kubectl decodes it — prints the
// same bytes as podlab's own get.
func TestServerTablePrintsLikePodlabGet(t *testing.T) {
	pods := fixturePods()
	list := &corev1.PodList{ListMeta: metav1.ListMeta{ResourceVersion: "7"}}
	for _, o := range pods {
		list.Items = append(list.Items, *o.(*corev1.Pod))
	}
	served, err := (&tables.Convertor{Resource: api.Pods, Now: func() time.Time { return now }}).ConvertToTable(context.Background(), list, &metav1.TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range served.Rows {
		m := served.Rows[i].Object.Object.(*corev1.Pod).ObjectMeta
		served.Rows[i].Object.Object = &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "PartialObjectMetadata"}, ObjectMeta: m}
	}
	wire, err := json.Marshal(served)
	if err != nil {
		t.Fatal(err)
	}
	var u map[string]any
	if err := json.Unmarshal(wire, &u); err != nil {
		t.Fatal(err)
	}
	received := &metav1.Table{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u, received); err != nil {
		t.Fatal(err)
	}
	for i := range received.Rows {
		if received.Rows[i].Object.Object, err = runtime.Decode(unstructured.UnstructuredJSONScheme, received.Rows[i].Object.Raw); err != nil {
			t.Fatal(err)
		}
	}

	for _, opts := range []TableOptions{
		{Now: now},
		{Now: now, Wide: true},
		{Now: now, WithNamespace: true, ShowLabels: true, LabelColumns: []string{"app"}},
	} {
		var kubectl, podlab bytes.Buffer
		if err := RenderTable(&kubectl, received, opts); err != nil {
			t.Fatal(err)
		}
		if err := PrintTable(&podlab, api.Pods, pods, opts); err != nil {
			t.Fatal(err)
		}
		if kubectl.String() != podlab.String() {
			t.Errorf("options %+v:\nserver table:\n%s\npodlab get:\n%s", opts, kubectl.String(), podlab.String())
		}
	}
}
