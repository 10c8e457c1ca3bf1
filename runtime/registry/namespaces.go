package registry

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/util/dryrun"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/podlab/podlab/runtime/api"
)

// namespaceStrategy follows upstream's pkg/registry/core/namespace/strategy.go.
type namespaceStrategy struct{ strategy }

// PrepareForCreate: a namespace starts Active, holding the kubernetes
// finalizer the namespace controller removes once the content is gone (set
// here, not by defaulting, because it may be removed during its life).
func (namespaceStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	ns := obj.(*corev1.Namespace)
	ns.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
	for _, f := range ns.Spec.Finalizers {
		if f == corev1.FinalizerKubernetes {
			return
		}
	}
	ns.Spec.Finalizers = append(ns.Spec.Finalizers, corev1.FinalizerKubernetes)
}

// PrepareForUpdate: finalizers change only through namespaces/finalize, and
// the phase only through namespaces/status.
func (namespaceStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	newNS, oldNS := obj.(*corev1.Namespace), old.(*corev1.Namespace)
	newNS.Spec.Finalizers = oldNS.Spec.Finalizers
	newNS.Status = oldNS.Status
}

// Canonicalize labels the namespace with its own name
// (kubernetes.io/metadata.name), as upstream has since 1.21.
func (namespaceStrategy) Canonicalize(obj runtime.Object) {
	ns := obj.(*corev1.Namespace)
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	ns.Labels[corev1.LabelMetadataName] = ns.Name
}

func (s namespaceStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return statusResetFields(s.res)
}

type namespaceStatusStrategy struct{ namespaceStrategy }

func (namespaceStatusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	newNS, oldNS := obj.(*corev1.Namespace), old.(*corev1.Namespace)
	newNS.Spec = oldNS.Spec
}

func (namespaceStatusStrategy) ValidateUpdate(context.Context, runtime.Object, runtime.Object) field.ErrorList {
	return nil
}

func (s namespaceStatusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return specResetFields(s.res)
}

// namespaceFinalizeStrategy is namespaces/finalize: only spec.finalizers change.
type namespaceFinalizeStrategy struct{ namespaceStrategy }

func (namespaceFinalizeStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	newNS, oldNS := obj.(*corev1.Namespace), old.(*corev1.Namespace)
	finalizers := newNS.Spec.Finalizers
	*newNS = *oldNS.DeepCopy()
	newNS.Spec.Finalizers = finalizers
}

func (namespaceFinalizeStrategy) ValidateUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	var errs field.ErrorList
	for i, f := range obj.(*corev1.Namespace).Spec.Finalizers {
		if f == "" {
			errs = append(errs, field.Required(field.NewPath("spec", "finalizers").Index(i), ""))
		}
	}
	return errs
}

func newNamespaces(cfg Config) (map[string]rest.Storage, error) {
	s := namespaceStrategy{newStrategy(api.Namespaces)}
	store, err := newStore(cfg, api.Namespaces, s, nil)
	if err != nil {
		return nil, err
	}
	store.ReturnDeletedObject = true
	// A terminating namespace goes on the update that removes its last
	// finalizer, spec.finalizers included (upstream's
	// ShouldDeleteNamespaceDuringUpdate), never before.
	store.ShouldDeleteDuringUpdate = func(ctx context.Context, key string, obj, existing runtime.Object) bool {
		ns, ok := obj.(*corev1.Namespace)
		return ok && len(ns.Spec.Finalizers) == 0 && genericregistry.ShouldDeleteDuringUpdate(ctx, key, obj, existing)
	}
	return map[string]rest.Storage{
		"namespaces":          &namespaceREST{resourceREST: resourceREST{Store: store, res: api.Namespaces}},
		"namespaces/status":   &statusREST{statusStore(store, namespaceStatusStrategy{s})},
		"namespaces/finalize": &statusREST{statusStore(store, namespaceFinalizeStrategy{s})},
	}, nil
}

// namespaceREST deletes as upstream's namespace storage: the first delete
// marks the namespace Terminating; it goes once the namespace controller has
// emptied it and removed its finalizers. Like upstream's, it has no
// DeleteCollection (discovery lists no deletecollection verb, and DELETE on
// the collection is 405): the store's would remove namespaces from storage
// at once, skipping the Terminating phase and the controller's cleanup.
type namespaceREST struct {
	resourceREST
	noDeleteCollection
}

// noDeleteCollection hides the store's DeleteCollection from namespaceREST:
// its own DeleteCollection sits at the same depth as the store's (both two
// embeddings down), and Go promotes neither of two methods of one name at
// one depth, so namespaceREST is no rest.CollectionDeleter.
type noDeleteCollection struct{ deleteCollectionConflict }

type deleteCollectionConflict struct{}

// DeleteCollection is never called: it only shadows the store's.
func (deleteCollectionConflict) DeleteCollection() {}

// contentRemaining is upstream's answer to deleting a namespace that is
// still being emptied.
const contentRemaining = "The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system."

func (r *namespaceREST) Delete(ctx context.Context, name string, deleteValidation rest.ValidateObjectFunc, options *metav1.DeleteOptions) (runtime.Object, bool, error) {
	obj, err := r.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, false, err
	}
	ns := obj.(*corev1.Namespace)
	if options == nil {
		options = metav1.NewDeleteOptions(0)
	}
	if options.Preconditions == nil {
		options.Preconditions = &metav1.Preconditions{}
	}
	if options.Preconditions.UID == nil {
		options.Preconditions.UID = &ns.UID
	} else if *options.Preconditions.UID != ns.UID {
		return nil, false, apierrors.NewConflict(api.Namespaces.GroupResource(), name,
			fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", *options.Preconditions.UID, ns.UID))
	}
	if rv := options.Preconditions.ResourceVersion; rv != nil && *rv != ns.ResourceVersion {
		return nil, false, apierrors.NewConflict(api.Namespaces.GroupResource(), name,
			fmt.Errorf("Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *rv, ns.ResourceVersion))
	}
	if deleteValidation != nil {
		if err := deleteValidation(ctx, ns); err != nil {
			return nil, false, err
		}
	}
	if ns.DeletionTimestamp.IsZero() {
		key, err := r.KeyFunc(ctx, name)
		if err != nil {
			return nil, false, err
		}
		out := &corev1.Namespace{}
		pre := &storage.Preconditions{UID: options.Preconditions.UID, ResourceVersion: options.Preconditions.ResourceVersion}
		err = r.Storage.GuaranteedUpdate(ctx, key, out, false, pre, storage.SimpleUpdate(func(o runtime.Object) (runtime.Object, error) {
			cur := o.(*corev1.Namespace)
			if cur.DeletionTimestamp.IsZero() {
				now := metav1.Now()
				cur.DeletionTimestamp = &now
			}
			cur.Status.Phase = corev1.NamespaceTerminating
			return cur, nil
		}), dryrun.IsDryRun(options.DryRun), nil)
		if err != nil {
			return nil, false, interpretStorageError(err, name)
		}
		return out, false, nil
	}
	if len(ns.Spec.Finalizers) != 0 {
		return nil, false, apierrors.NewConflict(api.Namespaces.GroupResource(), name, errors.New(contentRemaining))
	}
	return r.Store.Delete(ctx, name, nil, options)
}

func interpretStorageError(err error, name string) error {
	switch {
	case storage.IsNotFound(err):
		return apierrors.NewNotFound(api.Namespaces.GroupResource(), name)
	case storage.IsConflict(err), storage.IsInvalidObj(err):
		return apierrors.NewConflict(api.Namespaces.GroupResource(), name, err)
	}
	if _, ok := err.(apierrors.APIStatus); ok {
		return err
	}
	return apierrors.NewInternalError(err)
}

var (
	_ rest.Creater             = (*namespaceREST)(nil)
	_ rest.Lister              = (*namespaceREST)(nil)
	_ rest.Patcher             = (*namespaceREST)(nil)
	_ rest.Watcher             = (*namespaceREST)(nil)
	_ rest.GracefulDeleter     = (*namespaceREST)(nil)
	_ rest.TableConvertor      = (*namespaceREST)(nil)
	_ rest.ShortNamesProvider  = (*namespaceREST)(nil)
	_ rest.ResetFieldsStrategy = (*namespaceREST)(nil)
)
