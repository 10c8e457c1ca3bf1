package registry

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/podlab/podlab/runtime/api"
)

// replicationControllerStrategy follows upstream's
// pkg/registry/core/replicationcontroller: the shared spec/status rules;
// at core/v1 a deleted controller orphans its pods unless the client asks
// otherwise (kubectl delete asks for background deletion).
type replicationControllerStrategy struct {
	specStatusStrategy
	gcPolicy
}

func newReplicationControllers(cfg Config) (map[string]rest.Storage, error) {
	res := api.ReplicationControllers
	s := replicationControllerStrategy{newSpecStatusStrategy(res), gcPolicy{orphanAt: []schema.GroupVersion{corev1.SchemeGroupVersion}}}
	store, err := newStore(cfg, res, s, nil)
	if err != nil {
		return nil, err
	}
	rc := func(o runtime.Object) *corev1.ReplicationController { return o.(*corev1.ReplicationController) }
	return map[string]rest.Storage{
		"replicationcontrollers":        &resourceREST{Store: store, res: res},
		"replicationcontrollers/status": &statusREST{statusStore(store, statusOnlyStrategy{s.strategy})},
		"replicationcontrollers/scale": &scaleREST{store: store, target: scaleTarget{
			res: res,
			replicas: func(o runtime.Object) int32 {
				if r := rc(o).Spec.Replicas; r != nil {
					return *r
				}
				return 0
			},
			current: func(o runtime.Object) int32 { return rc(o).Status.Replicas },
			selector: func(o runtime.Object) (string, error) {
				return labels.SelectorFromSet(rc(o).Spec.Selector).String(), nil
			},
			setReplicas: func(o runtime.Object, n int32) { rc(o).Spec.Replicas = &n },
		}},
	}, nil
}
