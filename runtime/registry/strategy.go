package registry

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage/names"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/podlab/podlab/runtime/api"
)

// strategy is the behaviour every resource shares: names from generateName,
// the lab's validation, no create on update, and updates that must name the
// resourceVersion they change unless the resource allows otherwise.
// Resources embed it and override what differs.
type strategy struct {
	runtime.ObjectTyper
	names.NameGenerator
	res api.Resource
}

func newStrategy(res api.Resource) strategy {
	return strategy{ObjectTyper: api.Scheme, NameGenerator: names.SimpleNameGenerator, res: res}
}

func (s strategy) NamespaceScoped() bool { return s.res.Namespaced }

func (strategy) PrepareForCreate(context.Context, runtime.Object) {}

func (strategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

func (strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return api.ValidateCreate(obj.(api.Object))
}

func (strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return api.ValidateUpdate(obj.(api.Object), old.(api.Object))
}

func (strategy) WarningsOnCreate(context.Context, runtime.Object) []string { return nil }

func (strategy) WarningsOnUpdate(context.Context, runtime.Object, runtime.Object) []string {
	return nil
}

func (strategy) Canonicalize(runtime.Object) {}

func (strategy) AllowCreateOnUpdate(context.Context) bool { return false }

// AllowUnconditionalUpdate: upstream lets most resources be replaced without
// a resourceVersion (kubectl replace does so).
func (strategy) AllowUnconditionalUpdate(context.Context) bool { return true }

// GetResetFields: fields the main resource may not set (none by default).
func (strategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set { return nil }

// statusResetFields is the reset set of a main resource whose status only
// its status subresource writes; specResetFields the status subresource's.
func statusResetFields(res api.Resource) map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		fieldpath.APIVersion(res.GroupVersion().String()): fieldpath.NewSet(fieldpath.MakePathOrDie("status")),
	}
}

func specResetFields(res api.Resource) map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		fieldpath.APIVersion(res.GroupVersion().String()): fieldpath.NewSet(fieldpath.MakePathOrDie("spec")),
	}
}

var (
	_ rest.RESTCreateStrategy  = strategy{}
	_ rest.RESTUpdateStrategy  = strategy{}
	_ rest.ResetFieldsStrategy = strategy{}
)
