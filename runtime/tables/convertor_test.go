package tables

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/podlab/podlab/runtime/api"
)

// The registry plugs a Convertor in where upstream's stores take theirs.
var _ rest.TableConvertor = (*Convertor)(nil)

func podList() *corev1.PodList {
	return &corev1.PodList{
		ListMeta: metav1.ListMeta{ResourceVersion: "42", Continue: "token", RemainingItemCount: ptr(int64(7))},
		Items: []corev1.Pod{
			{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", ResourceVersion: "40", CreationTimestamp: ago(time.Minute)},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}}, Status: status(corev1.PodRunning, cs("app", running(), true))},
			{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "default", ResourceVersion: "41", CreationTimestamp: ago(time.Hour)},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}}, Status: status(corev1.PodPending, cs("app", waiting("ContainerCreating"), false))},
		},
	}
}

func TestConvertorList(t *testing.T) {
	c := &Convertor{Resource: api.Pods, Now: func() time.Time { return now }}
	list := podList()
	tbl, err := c.ConvertToTable(context.Background(), list, &metav1.TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tbl.ColumnDefinitions, Columns(api.Pods)) {
		t.Errorf("columns %v, want all the pod columns, wide ones included", tbl.ColumnDefinitions)
	}
	if tbl.ResourceVersion != "42" || tbl.Continue != "token" || tbl.RemainingItemCount == nil || *tbl.RemainingItemCount != 7 {
		t.Errorf("list metadata %+v, want the list's resourceVersion, continue and remainingItemCount", tbl.ListMeta)
	}
	if len(tbl.Rows) != 2 {
		t.Fatalf("%d rows, want 2", len(tbl.Rows))
	}
	wantCells(t, "web", tbl.Rows[0].Cells, "web", "1/1", "Running", "0", "60s", "<none>", "<none>", "<none>", "<none>")
	wantCells(t, "db", tbl.Rows[1].Cells, "db", "0/1", "ContainerCreating", "0", "60m", "<none>", "<none>", "<none>", "<none>")
	if p, ok := tbl.Rows[1].Object.Object.(*corev1.Pod); !ok || p != &list.Items[1] {
		t.Errorf("row 1 carries %T %v, want the list's second pod", tbl.Rows[1].Object.Object, tbl.Rows[1].Object.Object)
	}
}

func TestConvertorNoHeaders(t *testing.T) {
	c := &Convertor{Resource: api.Pods, Now: func() time.Time { return now }}
	tbl, err := c.ConvertToTable(context.Background(), podList(), &metav1.TableOptions{NoHeaders: true})
	if err != nil {
		t.Fatal(err)
	}
	if tbl.ColumnDefinitions != nil || len(tbl.Rows) != 2 || len(tbl.Rows[0].Cells) != 9 {
		t.Errorf("NoHeaders: %d columns, %d rows; want no columns and both full rows", len(tbl.ColumnDefinitions), len(tbl.Rows))
	}
}

// A watch event's object, or a get, is a single object.
func TestConvertorSingleObject(t *testing.T) {
	c := NewConvertor(api.Nodes)
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1", ResourceVersion: "9", CreationTimestamp: metav1.NewTime(time.Now().Add(-90 * time.Second))}}
	tbl, err := c.ConvertToTable(context.Background(), node, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tbl.ResourceVersion != "9" || len(tbl.Rows) != 1 || tbl.Rows[0].Object.Object != node || len(tbl.ColumnDefinitions) != 10 {
		t.Fatalf("table %+v, want one row of node-1 with resourceVersion 9 and the node columns", tbl)
	}
	if age := tbl.Rows[0].Cells[3]; age != "90s" && age != "91s" {
		t.Errorf("AGE %q: a nil Now must mean the wall clock", age)
	}
}

func TestConvertorErrors(t *testing.T) {
	c := NewConvertor(api.Pods)
	if _, err := c.ConvertToTable(context.Background(), podList(), &metav1.ListOptions{}); err == nil || !strings.Contains(err.Error(), "table options") {
		t.Errorf("options of another type: err = %v", err)
	}
	if _, err := c.ConvertToTable(context.Background(), &corev1.NodeList{Items: []corev1.Node{{}}}, nil); err == nil {
		t.Error("a list of nodes has no pod table")
	}
}
