package registry

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/podlab/podlab/runtime/api"
)

// deploymentStrategy follows upstream's pkg/registry/apps/deployment: the
// shared spec/status rules, except that an annotation change bumps the
// generation too (the controller copies annotations to its replica sets),
// and /status may not change the labels either. Dependents (replica sets)
// are deleted by default at apps/v1.
type deploymentStrategy struct {
	specStatusStrategy
	gcPolicy
}

func (deploymentStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	d, o := obj.(*appsv1.Deployment), old.(*appsv1.Deployment)
	d.Status = o.Status
	bumpGenerationIf(obj, old, !apiequality.Semantic.DeepEqual(d.Spec, o.Spec) || !apiequality.Semantic.DeepEqual(d.Annotations, o.Annotations))
}

type deploymentStatusStrategy struct{ statusOnlyStrategy }

func (deploymentStatusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	d, o := obj.(*appsv1.Deployment), old.(*appsv1.Deployment)
	d.Spec = o.Spec
	d.Labels = o.Labels
}

func (s deploymentStatusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		fieldpath.APIVersion(s.res.GroupVersion().String()): fieldpath.NewSet(
			fieldpath.MakePathOrDie("spec"), fieldpath.MakePathOrDie("metadata", "labels")),
	}
}

func newDeployments(cfg Config) (map[string]rest.Storage, error) {
	res := api.Deployments
	s := deploymentStrategy{newSpecStatusStrategy(res), deleteDependents}
	store, err := newStore(cfg, res, s, nil)
	if err != nil {
		return nil, err
	}
	return map[string]rest.Storage{
		"deployments":        &resourceREST{Store: store, res: res},
		"deployments/status": &statusREST{statusStore(store, deploymentStatusStrategy{statusOnlyStrategy{s.strategy}})},
		"deployments/scale": &scaleREST{store: store, target: selectorScale(res, func(o runtime.Object) (**int32, *metav1.LabelSelector, int32) {
			d := o.(*appsv1.Deployment)
			return &d.Spec.Replicas, d.Spec.Selector, d.Status.Replicas
		})},
	}, nil
}

// selectorScale is the scale target of a kind with *int32 replicas and a
// label selector (deployments, replica sets, stateful sets): fields
// returns the object's spec.replicas field, its selector and
// status.replicas.
func selectorScale(res api.Resource, fields func(runtime.Object) (**int32, *metav1.LabelSelector, int32)) scaleTarget {
	return scaleTarget{
		res: res,
		replicas: func(o runtime.Object) int32 {
			if r, _, _ := fields(o); *r != nil {
				return **r
			}
			return 0
		},
		current: func(o runtime.Object) int32 { _, _, n := fields(o); return n },
		selector: func(o runtime.Object) (string, error) {
			_, ls, _ := fields(o)
			sel, err := metav1.LabelSelectorAsSelector(ls)
			if err != nil {
				return "", err
			}
			return sel.String(), nil
		},
		setReplicas: func(o runtime.Object, n int32) { r, _, _ := fields(o); *r = &n },
	}
}
