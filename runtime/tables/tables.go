package tables

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/podlab/podlab/runtime/api"
)

// printer is one resource's columns and the function that fills a row's
// cells (and conditions) for one of its objects; it returns false when the
// object is not of the resource's type.
type printer struct {
	columns []metav1.TableColumnDefinition
	row     func(obj runtime.Object, now time.Time) (metav1.TableRow, bool)
}

// typed adapts a printer function of one concrete type.
func typed[T runtime.Object](columns []metav1.TableColumnDefinition, row func(T, time.Time) metav1.TableRow) printer {
	return printer{columns: columns, row: func(obj runtime.Object, now time.Time) (metav1.TableRow, bool) {
		o, ok := obj.(T)
		if !ok {
			return metav1.TableRow{}, false
		}
		return row(o, now), true
	}}
}

// printers holds every resource with its own columns, by group and resource.
var printers = map[schema.GroupResource]printer{
	api.Pods.GroupResource():       podPrinter,
	api.Nodes.GroupResource():      nodePrinter,
	api.Namespaces.GroupResource(): namespacePrinter,
	api.Events.GroupResource():     eventPrinter,
	api.ConfigMaps.GroupResource(): configMapPrinter,
	api.Secrets.GroupResource():    secretPrinter,

	api.Services.GroupResource():               servicePrinter,
	api.Endpoints.GroupResource():              endpointsPrinter,
	api.EndpointSlices.GroupResource():         endpointSlicePrinter,
	api.ReplicationControllers.GroupResource(): replicationControllerPrinter,
	api.ReplicaSets.GroupResource():            replicaSetPrinter,
	api.Deployments.GroupResource():            deploymentPrinter,
	api.DaemonSets.GroupResource():             daemonSetPrinter,
	api.StatefulSets.GroupResource():           statefulSetPrinter,
	api.ControllerRevisions.GroupResource():    controllerRevisionPrinter,
	api.Jobs.GroupResource():                   jobPrinter,
	api.CronJobs.GroupResource():               cronJobPrinter,
	scaleResource.GroupResource():              scalePrinter,
}

// defaultPrinter is kube-apiserver's table for a resource without a printer
// (rest.NewDefaultTableConvertor): the name and the creation time in RFC 3339.
var defaultPrinter = printer{
	columns: []metav1.TableColumnDefinition{
		nameCol(),
		col("Created At", typeDate, objectMetaDoc["creationTimestamp"]),
	},
	row: func(obj runtime.Object, _ time.Time) (metav1.TableRow, bool) {
		m, err := meta.Accessor(obj)
		if err != nil {
			return metav1.TableRow{}, false
		}
		return metav1.TableRow{Cells: []any{m.GetName(), m.GetCreationTimestamp().UTC().Format(time.RFC3339)}}, true
	},
}

func printerFor(res api.Resource) printer {
	if p, ok := printers[res.GroupResource()]; ok {
		return p
	}
	return defaultPrinter
}

// Columns returns a resource's column definitions, wide ones included.
func Columns(res api.Resource) []metav1.TableColumnDefinition {
	return append([]metav1.TableColumnDefinition(nil), printerFor(res).columns...)
}

// For builds the table of objects of one resource, measuring ages from now:
// every column (wide ones at priority 1) and a row per object, in order,
// each carrying its object in Row.Object. It fails only when an object is
// not of the resource's type.
func For(res api.Resource, objs []api.Object, now time.Time) (*metav1.Table, error) {
	items := make([]runtime.Object, len(objs))
	for i, o := range objs {
		items[i] = o
	}
	return build(res, items, now)
}

func build(res api.Resource, items []runtime.Object, now time.Time) (*metav1.Table, error) {
	p := printerFor(res)
	t := &metav1.Table{ColumnDefinitions: Columns(res), Rows: make([]metav1.TableRow, 0, len(items))}
	for _, o := range items {
		row, ok := p.row(o, now)
		if !ok {
			return nil, fmt.Errorf("a table of %s cannot show a %T", res.GroupResource(), o)
		}
		row.Object = runtime.RawExtension{Object: o}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}
