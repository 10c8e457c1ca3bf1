package tables

import (
	"reflect"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
)

// now is the fixed instant every test measures ages from.
var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }

func agoPtr(d time.Duration) *metav1.Time { t := ago(d); return &t }

func ptr[T any](v T) *T { return &v }

// Resources the lab does not serve yet; their tables are ready for it.
var (
	services               = api.Resource{Name: "services", Kind: "Service", Namespaced: true, New: func() api.Object { return &corev1.Service{} }}
	endpoints              = api.Resource{Name: "endpoints", Kind: "Endpoints", Namespaced: true, New: func() api.Object { return &corev1.Endpoints{} }}
	replicationControllers = api.Resource{Name: "replicationcontrollers", Kind: "ReplicationController", Namespaced: true, New: func() api.Object { return &corev1.ReplicationController{} }}
	replicaSets            = api.Resource{Name: "replicasets", Kind: "ReplicaSet", Group: "apps", Version: "v1", Namespaced: true, New: func() api.Object { return &appsv1.ReplicaSet{} }}
	deployments            = api.Resource{Name: "deployments", Kind: "Deployment", Group: "apps", Version: "v1", Namespaced: true, New: func() api.Object { return &appsv1.Deployment{} }}
	daemonSets             = api.Resource{Name: "daemonsets", Kind: "DaemonSet", Group: "apps", Version: "v1", Namespaced: true, New: func() api.Object { return &appsv1.DaemonSet{} }}
	jobs                   = api.Resource{Name: "jobs", Kind: "Job", Group: "batch", Version: "v1", Namespaced: true, New: func() api.Object { return &batchv1.Job{} }}
)

// cells builds res's table of one object and returns its row's cells.
func cells(t *testing.T, res api.Resource, obj api.Object) []any {
	t.Helper()
	tbl, err := For(res, []api.Object{obj}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(tbl.Rows) != 1 {
		t.Fatalf("%d rows, want 1", len(tbl.Rows))
	}
	if got := len(tbl.Rows[0].Cells); got != len(tbl.ColumnDefinitions) {
		t.Fatalf("%d cells for %d columns", got, len(tbl.ColumnDefinitions))
	}
	return tbl.Rows[0].Cells
}

func wantCells(t *testing.T, name string, got []any, want ...any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: cells\n got %#v\nwant %#v", name, got, want)
	}
}

// TestColumns pins every resource's columns — names as upstream's printers
// spell them, wide ones at priority 1 — so kubectl prints the same headers
// from the lab as from a real cluster.
func TestColumns(t *testing.T) {
	cases := []struct {
		res          api.Resource
		normal, wide string
	}{
		{api.Pods, "Name Ready Status Restarts Age", "IP|Node|Nominated Node|Readiness Gates"},
		{api.Nodes, "Name Status Roles Age Version", "Internal-IP|External-IP|OS-Image|Kernel-Version|Container-Runtime"},
		{api.Namespaces, "Name Status Age", ""},
		{api.Events, "Last Seen|Type|Reason|Object|Message", "Subobject|Source|First Seen|Count|Name"},
		{api.ConfigMaps, "Name Data Age", ""},
		{api.Secrets, "Name Type Data Age", ""},
		{services, "Name Type Cluster-IP External-IP Port(s) Age", "Selector"},
		{endpoints, "Name Endpoints Age", ""},
		{replicationControllers, "Name Desired Current Ready Age", "Containers|Images|Selector"},
		{replicaSets, "Name Desired Current Ready Age", "Containers|Images|Selector"},
		{deployments, "Name Ready Up-to-date Available Age", "Containers|Images|Selector"},
		{daemonSets, "Name|Desired|Current|Ready|Up-to-date|Available|Node Selector|Age", "Containers|Images|Selector"},
		{jobs, "Name Status Completions Duration Age", "Containers|Images|Selector"},
	}
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		if strings.Contains(s, "|") {
			return strings.Split(s, "|")
		}
		return strings.Fields(s)
	}
	for _, c := range cases {
		var normal, wide []string
		for _, col := range Columns(c.res) {
			if col.Priority == 0 {
				normal = append(normal, col.Name)
			} else {
				wide = append(wide, col.Name)
			}
			if col.Description == "" {
				t.Errorf("%s: column %q has no description", c.res.Name, col.Name)
			}
			if col.Name == "Name" && col.Format != "name" {
				t.Errorf("%s: the Name column's format is %q, want name", c.res.Name, col.Format)
			}
		}
		if !reflect.DeepEqual(normal, split(c.normal)) || !reflect.DeepEqual(wide, split(c.wide)) {
			t.Errorf("%s: columns %q, wide %q; want %q, wide %q", c.res.Name, normal, wide, split(c.normal), split(c.wide))
		}
	}
}

func TestDescriptionsComeFromTheAPITypes(t *testing.T) {
	pod := Columns(api.Pods)
	if pod[0].Description != (metav1.ObjectMeta{}).SwaggerDoc()["name"] || pod[4].Description != (metav1.ObjectMeta{}).SwaggerDoc()["creationTimestamp"] {
		t.Error("Name and Age must describe metadata.name and metadata.creationTimestamp")
	}
	if pod[6].Description != (corev1.PodSpec{}).SwaggerDoc()["nodeName"] {
		t.Errorf("Node's description = %q", pod[6].Description)
	}
	if typ := Columns(api.Pods)[3].Type; typ != "string" {
		t.Errorf("Restarts is of type %q, want string (it carries the last restart's age)", typ)
	}
	if typ := Columns(replicaSets)[1].Type; typ != "integer" {
		t.Errorf("a replica set's Desired is of type %q, want integer", typ)
	}
}

func TestColumnsAreACopy(t *testing.T) {
	Columns(api.Pods)[0].Name = "changed"
	if Columns(api.Pods)[0].Name != "Name" {
		t.Error("changing the returned columns changed the printer's")
	}
}

func TestForKeepsOrderAndCarriesEachObject(t *testing.T) {
	a := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "b", CreationTimestamp: ago(time.Hour)}}
	b := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a", CreationTimestamp: ago(time.Minute)}}
	tbl, err := For(api.ConfigMaps, []api.Object{a, b}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(tbl.Rows) != 2 || tbl.Rows[0].Cells[0] != "b" || tbl.Rows[1].Cells[0] != "a" {
		t.Fatalf("rows %v, want b then a", tbl.Rows)
	}
	if tbl.Rows[0].Object.Object != a || tbl.Rows[1].Object.Object != b {
		t.Error("Row.Object must be the object itself, for the API server to attach its metadata")
	}
	empty, err := For(api.ConfigMaps, nil, now)
	if err != nil || len(empty.Rows) != 0 || len(empty.ColumnDefinitions) != 3 {
		t.Errorf("an empty list gives %v rows, %d columns, %v; want none, 3, nil", empty.Rows, len(empty.ColumnDefinitions), err)
	}
}

func TestForRefusesAnObjectOfAnotherType(t *testing.T) {
	_, err := For(api.Pods, []api.Object{&corev1.Node{}}, now)
	if err == nil || !strings.Contains(err.Error(), "pods") || !strings.Contains(err.Error(), "*v1.Node") {
		t.Errorf("err = %v, want one naming pods and *v1.Node", err)
	}
}

// A resource without a printer gets kube-apiserver's default table, which
// kubectl prints as NAME and CREATED AT.
func TestDefaultTable(t *testing.T) {
	sa := api.Resource{Name: "serviceaccounts", Kind: "ServiceAccount", Namespaced: true}
	cols := Columns(sa)
	if len(cols) != 2 || cols[0].Name != "Name" || cols[0].Format != "name" || cols[1].Name != "Created At" || cols[1].Type != "date" {
		t.Fatalf("default columns %+v", cols)
	}
	obj := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default",
		CreationTimestamp: metav1.NewTime(time.Date(2026, 11, 24, 13, 0, 0, 0, time.FixedZone("CET", 3600)))}}
	wantCells(t, "serviceaccount", cells(t, sa, obj), "default", "2026-11-24T12:00:00Z")
}

func TestAge(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{time.Time{}, "<unknown>"},
		{now.Add(time.Minute), "<invalid>"},
		{now.Add(-5 * time.Second), "5s"},
		{now.Add(-119 * time.Second), "119s"},
		{now.Add(-(3*time.Minute + 2*time.Second)), "3m2s"},
		{now.Add(-(3*time.Hour + 20*time.Minute)), "3h20m"},
		{now.Add(-49 * time.Hour), "2d1h"},
		{now.Add(-400 * 24 * time.Hour), "400d"},
	} {
		if got := Age(c.t, now); got != c.want {
			t.Errorf("Age(%v ago) = %q, want %q", now.Sub(c.t), got, c.want)
		}
	}
}
