package registry

import (
	"context"
	"reflect"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/podlab/podlab/runtime/api"
)

// This file holds what the strategies of the kinds with a spec and a
// status share, as upstream's strategies for them all do (the deployment,
// replicaset, daemonset, statefulset, replicationcontroller, job and
// cronjob strategies): a new object starts with an empty status and
// generation 1; an update through the main resource keeps the status and
// bumps the generation when the spec changed; one through /status keeps
// the spec. Every such kind has Spec and Status fields, which these
// helpers reach by reflection.

// specStatusStrategy is the shared part; kinds embed it and add their own.
type specStatusStrategy struct{ strategy }

func newSpecStatusStrategy(res api.Resource) specStatusStrategy {
	return specStatusStrategy{newStrategy(res)}
}

func objField(obj runtime.Object, name string) reflect.Value {
	return reflect.ValueOf(obj).Elem().FieldByName(name)
}

// resetStatus empties obj's status.
func resetStatus(obj runtime.Object) {
	st := objField(obj, "Status")
	st.Set(reflect.Zero(st.Type()))
}

// keepField copies the named field (Spec or Status) from old to obj.
func keepField(obj, old runtime.Object, name string) {
	objField(obj, name).Set(objField(old, name))
}

// specChanged tells whether the spec differs, semantically.
func specChanged(obj, old runtime.Object) bool {
	return !apiequality.Semantic.DeepEqual(objField(obj, "Spec").Interface(), objField(old, "Spec").Interface())
}

func (specStatusStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	resetStatus(obj)
	obj.(api.Object).SetGeneration(1)
}

func (specStatusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	keepField(obj, old, "Status")
	bumpGenerationIf(obj, old, specChanged(obj, old))
}

// bumpGenerationIf sets obj's generation to old's, plus one when changed.
func bumpGenerationIf(obj, old runtime.Object, changed bool) {
	o, prev := obj.(api.Object), old.(api.Object)
	o.SetGeneration(prev.GetGeneration())
	if changed {
		o.SetGeneration(prev.GetGeneration() + 1)
	}
}

func (s specStatusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return statusResetFields(s.res)
}

// statusOnlyStrategy is the /status strategy of a specStatusStrategy kind.
type statusOnlyStrategy struct{ strategy }

func (statusOnlyStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	keepField(obj, old, "Spec")
}

func (statusOnlyStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return api.ValidateStatusUpdate(obj.(api.Object), old.(api.Object))
}

func (statusOnlyStrategy) WarningsOnUpdate(context.Context, runtime.Object, runtime.Object) []string {
	return nil
}

func (s statusOnlyStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return specResetFields(s.res)
}

// gcPolicy is a kind's DefaultGarbageCollectionPolicy, read by the generic
// registry when a delete names no propagation policy: dependents are
// orphaned by default at the group versions listed in orphanAt (those
// that did so when they were introduced), deleted in the background at
// every other. It decides whether the object gets the "orphan" finalizer
// the garbage collector acts on.
type gcPolicy struct{ orphanAt []schema.GroupVersion }

func (p gcPolicy) DefaultGarbageCollectionPolicy(ctx context.Context) rest.GarbageCollectionPolicy {
	var gv schema.GroupVersion
	if info, ok := genericapirequest.RequestInfoFrom(ctx); ok {
		gv = schema.GroupVersion{Group: info.APIGroup, Version: info.APIVersion}
	}
	for _, o := range p.orphanAt {
		if gv == o {
			return rest.OrphanDependents
		}
	}
	return rest.DeleteDependents
}

// deleteDependents is the policy of the kinds that delete their
// dependents at every version the lab serves (apps/v1, batch/v1 CronJobs).
var deleteDependents = gcPolicy{}

var _ rest.GarbageCollectionDeleteStrategy = gcPolicy{}
