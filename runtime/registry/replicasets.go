package registry

import (
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/podlab/podlab/runtime/api"
)

// replicaSetStrategy follows upstream's pkg/registry/apps/replicaset: the
// shared spec/status rules; pods are deleted with their replica set by
// default at apps/v1.
type replicaSetStrategy struct {
	specStatusStrategy
	gcPolicy
}

func newReplicaSets(cfg Config) (map[string]rest.Storage, error) {
	res := api.ReplicaSets
	s := replicaSetStrategy{newSpecStatusStrategy(res), deleteDependents}
	store, err := newStore(cfg, res, s, nil)
	if err != nil {
		return nil, err
	}
	return map[string]rest.Storage{
		"replicasets":        &resourceREST{Store: store, res: res},
		"replicasets/status": &statusREST{statusStore(store, statusOnlyStrategy{s.strategy})},
		"replicasets/scale": &scaleREST{store: store, target: selectorScale(res, func(o runtime.Object) (**int32, *metav1.LabelSelector, int32) {
			rs := o.(*appsv1.ReplicaSet)
			return &rs.Spec.Replicas, rs.Spec.Selector, rs.Status.Replicas
		})},
	}, nil
}
