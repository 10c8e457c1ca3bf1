package registry

import (
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/podlab/podlab/runtime/api"
)

// statefulSetStrategy follows upstream's pkg/registry/apps/statefulset:
// the shared spec/status rules (which spec fields may change is the API's
// validation); pods are deleted with their stateful set by default at
// apps/v1.
type statefulSetStrategy struct {
	specStatusStrategy
	gcPolicy
}

func newStatefulSets(cfg Config) (map[string]rest.Storage, error) {
	res := api.StatefulSets
	s := statefulSetStrategy{newSpecStatusStrategy(res), deleteDependents}
	store, err := newStore(cfg, res, s, nil)
	if err != nil {
		return nil, err
	}
	return map[string]rest.Storage{
		"statefulsets":        &resourceREST{Store: store, res: res},
		"statefulsets/status": &statusREST{statusStore(store, statusOnlyStrategy{s.strategy})},
		"statefulsets/scale": &scaleREST{store: store, target: selectorScale(res, func(o runtime.Object) (**int32, *metav1.LabelSelector, int32) {
			ss := o.(*appsv1.StatefulSet)
			return &ss.Spec.Replicas, ss.Spec.Selector, ss.Status.Replicas
		})},
	}, nil
}
