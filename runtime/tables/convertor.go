package tables

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/podlab/podlab/runtime/api"
)

// Convertor answers `as=Table` requests for one resource: it has the
// method set of k8s.io/apiserver's rest.TableConvertor, so a registry store
// can use it as its TableConvertor, for gets, lists and watch events alike.
type Convertor struct {
	Resource api.Resource
	// Now is the instant ages are measured from; nil means time.Now.
	Now func() time.Time
}

// NewConvertor is the table convertor of res, on the wall clock.
func NewConvertor(res api.Resource) *Convertor { return &Convertor{Resource: res} }

// ConvertToTable turns an object, or a list of them, into the resource's
// table, as kube-apiserver's printers do: all columns, wide ones included
// (the client hides them), none with tableOptions' NoHeaders; a list's
// resourceVersion, continue token and remaining item count are kept in the
// table's metadata, a single object's resourceVersion likewise.
func (c *Convertor) ConvertToTable(_ context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	noHeaders := false
	switch o := tableOptions.(type) {
	case nil:
	case *metav1.TableOptions:
		noHeaders = o != nil && o.NoHeaders
	default:
		return nil, fmt.Errorf("unrecognized type %T for table options, can't display tabular output", tableOptions)
	}

	items := []runtime.Object{object}
	if meta.IsListType(object) {
		var err error
		if items, err = meta.ExtractList(object); err != nil {
			return nil, err
		}
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	t, err := build(c.Resource, items, now())
	if err != nil {
		return nil, err
	}

	if m, err := meta.ListAccessor(object); err == nil {
		t.ResourceVersion = m.GetResourceVersion()
		t.Continue = m.GetContinue()
		t.RemainingItemCount = m.GetRemainingItemCount()
	} else if m, err := meta.CommonAccessor(object); err == nil {
		t.ResourceVersion = m.GetResourceVersion()
	}
	if noHeaders {
		t.ColumnDefinitions = nil
	}
	return t, nil
}
