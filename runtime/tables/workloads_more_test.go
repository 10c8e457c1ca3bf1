package tables

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
)

// The tables of the kinds issue 10 serves, as upstream's printers build
// them: columns, then cells.
func TestWorkloadColumns(t *testing.T) {
	for _, c := range []struct {
		res          api.Resource
		normal, wide string
	}{
		{api.StatefulSets, "Name|Ready|Age", "Containers|Images"},
		{api.ControllerRevisions, "Name|Controller|Revision|Age", ""},
		{api.CronJobs, "Name|Schedule|Timezone|Suspend|Active|Last Schedule|Age", "Containers|Images|Selector"},
		{api.EndpointSlices, "Name|AddressType|Ports|Endpoints|Age", ""},
		{api.Services, "Name|Type|Cluster-IP|External-IP|Port(s)|Age", "Selector"},
		{api.Deployments, "Name|Ready|Up-to-date|Available|Age", "Containers|Images|Selector"},
	} {
		var normal, wide []string
		for _, col := range Columns(c.res) {
			if col.Priority == 0 {
				normal = append(normal, col.Name)
			} else {
				wide = append(wide, col.Name)
			}
		}
		if got := strings.Join(normal, "|"); got != c.normal {
			t.Errorf("%s columns %s, want %s", c.res.Name, got, c.normal)
		}
		if got := strings.Join(wide, "|"); got != c.wide {
			t.Errorf("%s wide columns %s, want %s", c.res.Name, got, c.wide)
		}
	}
}

func TestStatefulSetAndControllerRevisionRows(t *testing.T) {
	s := &appsv1.StatefulSet{ObjectMeta: objMeta("db"), Spec: appsv1.StatefulSetSpec{Replicas: ptr(int32(3)), Template: template},
		Status: appsv1.StatefulSetStatus{ReadyReplicas: 1}}
	wantCells(t, "statefulset", cells(t, api.StatefulSets, s), "db", "1/3", "120m", "web,log", "nginx:1.27,busybox:1.35")

	r := &appsv1.ControllerRevision{ObjectMeta: objMeta("db-7b9c"), Revision: 2}
	wantCells(t, "revision without owner", cells(t, api.ControllerRevisions, r), "db-7b9c", "<none>", int64(2), "120m")
	r.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "db", Controller: ptr(true)}}
	wantCells(t, "revision", cells(t, api.ControllerRevisions, r), "db-7b9c", "statefulset.apps/db", int64(2), "120m")
}

func TestCronJobRows(t *testing.T) {
	c := &batchv1.CronJob{ObjectMeta: objMeta("nightly"), Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *", Suspend: ptr(false),
		JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: template}}}}
	wantCells(t, "cronjob", cells(t, api.CronJobs, c), "nightly", "0 3 * * *", "<none>", "False", int64(0), "<none>", "120m", "web,log", "nginx:1.27,busybox:1.35", "<none>")
	c.Spec.TimeZone, c.Spec.Suspend = ptr("Europe/Paris"), ptr(true)
	c.Status = batchv1.CronJobStatus{Active: []corev1.ObjectReference{{Name: "nightly-1"}}, LastScheduleTime: agoPtr(5 * time.Minute)}
	wantCells(t, "suspended cronjob", cells(t, api.CronJobs, c), "nightly", "0 3 * * *", "Europe/Paris", "True", int64(1), "5m", "120m", "web,log", "nginx:1.27,busybox:1.35", "<none>")
}

func TestEndpointSliceRows(t *testing.T) {
	s := &discoveryv1.EndpointSlice{ObjectMeta: objMeta("web-x7k2p"), AddressType: discoveryv1.AddressTypeIPv4}
	wantCells(t, "empty slice", cells(t, api.EndpointSlices, s), "web-x7k2p", "IPv4", "<unset>", "<unset>", "120m")
	s.Ports = []discoveryv1.EndpointPort{{Port: ptr(int32(80))}, {Name: ptr("metrics")}, {}, {Port: ptr(int32(9090))}}
	for _, ip := range []string{"172.18.0.2", "172.18.0.3", "172.18.0.4", "172.18.0.5"} {
		s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Addresses: []string{ip}})
	}
	wantCells(t, "slice", cells(t, api.EndpointSlices, s), "web-x7k2p", "IPv4", "80,metrics,* + 1 more...", "172.18.0.2,172.18.0.3,172.18.0.4 + 1 more...", "120m")
}

// The scale subresources answer as=Table with upstream's Scale table.
func TestScaleTable(t *testing.T) {
	c := NewScaleConvertor()
	c.Now = func() time.Time { return now }
	tbl, err := c.ConvertToTable(context.Background(), &autoscalingv1.Scale{ObjectMeta: objMeta("web"),
		Spec: autoscalingv1.ScaleSpec{Replicas: 3}, Status: autoscalingv1.ScaleStatus{Replicas: 2}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, col := range tbl.ColumnDefinitions {
		cols = append(cols, col.Name)
	}
	if strings.Join(cols, "|") != "Name|Desired|Available|Age" {
		t.Errorf("scale columns %v", cols)
	}
	wantCells(t, "scale", tbl.Rows[0].Cells, "web", int64(3), int64(2), "120m")
}
