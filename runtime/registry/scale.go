package registry

import (
	"context"
	"fmt"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/tables"
)

// scaleTarget is what the scale subresource of one kind reads and writes
// of its objects: spec.replicas, status.replicas and the selector.
type scaleTarget struct {
	res api.Resource
	// replicas, current and selector read the object; setReplicas writes.
	replicas    func(runtime.Object) int32
	current     func(runtime.Object) int32
	selector    func(runtime.Object) (string, error)
	setReplicas func(runtime.Object, int32)
}

// scaleREST serves <resource>/scale as upstream's ScaleREST does for
// deployments, replica sets, stateful sets and replication controllers: an
// autoscaling/v1 Scale read from the object, and an update of the Scale
// that changes only the object's spec.replicas (through the object's own
// strategy, so its generation moves), with the object's managed fields
// for spec.replicas shown as the Scale's spec.replicas.
type scaleREST struct {
	store  *genericregistry.Store
	target scaleTarget
}

var (
	_ rest.Patcher                  = (*scaleREST)(nil)
	_ rest.GroupVersionKindProvider = (*scaleREST)(nil)
	_ rest.TableConvertor           = (*scaleREST)(nil)
)

// GroupVersionKind: autoscaling/v1 Scale, whatever group serves the object.
func (r *scaleREST) GroupVersionKind(schema.GroupVersion) schema.GroupVersionKind {
	return autoscalingv1.SchemeGroupVersion.WithKind("Scale")
}

func (r *scaleREST) New() runtime.Object { return &autoscalingv1.Scale{} }
func (r *scaleREST) Destroy()            {}

func (r *scaleREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	obj, err := r.store.Get(ctx, name, options)
	if err != nil {
		return nil, err
	}
	scale, err := r.scaleOf(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	return scale, nil
}

func (r *scaleREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, _ bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	obj, _, err := r.store.Update(ctx, name, &scaleUpdate{r: r, name: name, req: objInfo},
		r.toScaleCreateValidation(createValidation), r.toScaleUpdateValidation(updateValidation), false, options)
	if err != nil {
		return nil, false, err
	}
	scale, err := r.scaleOf(obj)
	if err != nil {
		return nil, false, apierrors.NewBadRequest(err.Error())
	}
	return scale, false, nil
}

func (r *scaleREST) ConvertToTable(ctx context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	return tables.NewScaleConvertor().ConvertToTable(ctx, object, tableOptions)
}

// scaleOf is upstream's scaleFromDeployment (and its twins).
func (r *scaleREST) scaleOf(obj runtime.Object) (*autoscalingv1.Scale, error) {
	o := obj.(api.Object)
	sel, err := r.target.selector(obj)
	if err != nil {
		return nil, err
	}
	return &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{
			Name: o.GetName(), Namespace: o.GetNamespace(), UID: o.GetUID(),
			ResourceVersion: o.GetResourceVersion(), CreationTimestamp: o.GetCreationTimestamp(),
		},
		Spec:   autoscalingv1.ScaleSpec{Replicas: r.target.replicas(obj)},
		Status: autoscalingv1.ScaleStatus{Replicas: r.target.current(obj), Selector: sel},
	}, nil
}

func (r *scaleREST) toScaleCreateValidation(f rest.ValidateObjectFunc) rest.ValidateObjectFunc {
	return func(ctx context.Context, obj runtime.Object) error {
		scale, err := r.scaleOf(obj)
		if err != nil {
			return err
		}
		return f(ctx, scale)
	}
}

func (r *scaleREST) toScaleUpdateValidation(f rest.ValidateObjectUpdateFunc) rest.ValidateObjectUpdateFunc {
	return func(ctx context.Context, obj, old runtime.Object) error {
		scale, err := r.scaleOf(obj)
		if err != nil {
			return err
		}
		oldScale, err := r.scaleOf(old)
		if err != nil {
			return err
		}
		return f(ctx, scale, oldScale)
	}
}

// scaleUpdate turns the stored object into its Scale, lets the request
// change that, and carries the replicas (and the resourceVersion, as a
// precondition) back into the object.
type scaleUpdate struct {
	r    *scaleREST
	name string
	req  rest.UpdatedObjectInfo
}

func (u *scaleUpdate) Preconditions() *metav1.Preconditions { return u.req.Preconditions() }

func (u *scaleUpdate) UpdatedObject(ctx context.Context, oldObj runtime.Object) (runtime.Object, error) {
	res := u.r.target.res
	obj := oldObj.DeepCopyObject()
	o := obj.(api.Object)
	scaleResource := schema.GroupResource{Group: res.Group, Resource: res.Name + "/scale"}
	if o.GetResourceVersion() == "" {
		return nil, apierrors.NewNotFound(scaleResource, u.name)
	}
	gv := res.GroupVersion()
	if info, ok := genericapirequest.RequestInfoFrom(ctx); ok {
		gv = schema.GroupVersion{Group: info.APIGroup, Version: info.APIVersion}
	}
	mappings := managedfields.ResourcePathMappings{res.GroupVersion().String(): fieldpath.MakePathOrDie("spec", "replicas")}
	if _, ok := mappings[gv.String()]; !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("unrecognized group/version in request info %q", gv))
	}
	handler := managedfields.NewScaleHandler(o.GetManagedFields(), gv, mappings)
	oldScale, err := u.r.scaleOf(obj)
	if err != nil {
		return nil, err
	}
	if oldScale.ManagedFields, err = handler.ToSubresource(); err != nil {
		return nil, err
	}
	newObj, err := u.req.UpdatedObject(ctx, oldScale)
	if err != nil {
		return nil, err
	}
	if newObj == nil {
		return nil, apierrors.NewBadRequest("nil update passed to Scale")
	}
	scale, ok := newObj.(*autoscalingv1.Scale)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("expected input object type to be Scale, but %T", newObj))
	}
	if errs := api.ValidateScale(scale.Spec.Replicas); len(errs) > 0 {
		return nil, apierrors.NewInvalid(autoscalingv1.SchemeGroupVersion.WithKind("Scale").GroupKind(), o.GetName(), errs)
	}
	if scale.UID != "" && scale.UID != o.GetUID() {
		return nil, apierrors.NewConflict(scaleResource, o.GetName(),
			fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", scale.UID, o.GetUID()))
	}
	u.r.target.setReplicas(obj, scale.Spec.Replicas)
	o.SetResourceVersion(scale.ResourceVersion)
	entries, err := handler.ToParent(scale.ManagedFields)
	if err != nil {
		return nil, err
	}
	o.SetManagedFields(entries)
	return obj, nil
}
