package registry

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/tables"
)

// Config wires the registry.
type Config struct {
	// RESTOptions hands each resource its storage (runtime/storage's bbolt
	// store through the API server's options getter).
	RESTOptions generic.RESTOptionsGetter
	// PodIO serves the pod subresources that reach into containers.
	PodIO PodIO
	// EventTTL is how long events are kept (kube-apiserver's --event-ttl, 1 h).
	EventTTL time.Duration
}

// strategies is what a resource's store needs of its strategy.
type strategies interface {
	rest.RESTCreateStrategy
	rest.RESTUpdateStrategy
	rest.ResetFieldsStrategy
}

// newStore builds the generic registry store of res.
func newStore(cfg Config, res api.Resource, s strategies, deleteStrategy rest.RESTDeleteStrategy) (*genericregistry.Store, error) {
	if deleteStrategy == nil {
		deleteStrategy = s
	}
	gv := res.GroupVersion()
	listKind := gv.WithKind(res.ListKind)
	store := &genericregistry.Store{
		NewFunc: func() runtime.Object { return res.New() },
		NewListFunc: func() runtime.Object {
			list, err := api.Scheme.New(listKind)
			if err != nil {
				panic(fmt.Sprintf("registry: %s is not registered: %v", listKind, err))
			}
			return list
		},
		DefaultQualifiedResource:  res.GroupResource(),
		SingularQualifiedResource: gv.WithResource(res.Singular).GroupResource(),
		PredicateFunc:             matcher,
		CreateStrategy:            s,
		UpdateStrategy:            s,
		DeleteStrategy:            deleteStrategy,
		ResetFieldsStrategy:       s,
		TableConvertor:            tables.NewConvertor(res),
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: cfg.RESTOptions, AttrFunc: attrs}); err != nil {
		return nil, fmt.Errorf("registry: %s: %w", res.Name, err)
	}
	return store, nil
}

// statusStore is the store of a resource's status subresource: the same
// storage, with the status strategy for updates and no create or delete.
func statusStore(main *genericregistry.Store, s strategies) *genericregistry.Store {
	st := *main
	st.CreateStrategy = nil
	st.DeleteStrategy = nil
	st.UpdateStrategy = s
	st.ResetFieldsStrategy = s
	return &st
}

// matcher selects objects by labels and by the fields upstream supports.
func matcher(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: attrs}
}

func attrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	o, ok := obj.(api.Object)
	if !ok {
		return nil, nil, fmt.Errorf("registry: %T is not an API object", obj)
	}
	return labels.Set(o.GetLabels()), api.SelectableFields(o), nil
}

// statusREST serves a status subresource: get and update only (upstream's
// StatusREST shape).
type statusREST struct{ store *genericregistry.Store }

func (r *statusREST) New() runtime.Object { return r.store.New() }
func (r *statusREST) Destroy()            {}

func (r *statusREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	return r.store.Get(ctx, name, options)
}

func (r *statusREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	// Status updates never create (upstream forces forceAllowCreate off).
	return r.store.Update(ctx, name, objInfo, createValidation, updateValidation, false, options)
}

func (r *statusREST) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return r.store.GetResetFields()
}

func (r *statusREST) ConvertToTable(ctx context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	return r.store.ConvertToTable(ctx, object, tableOptions)
}
