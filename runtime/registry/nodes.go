package registry

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/podlab/podlab/runtime/api"
)

// nodeStrategy follows upstream's pkg/registry/core/node/strategy.go: the
// kubelet registers its node with a status; afterwards the main resource
// changes the spec (cordon, taints) and nodes/status the status.
type nodeStrategy struct{ strategy }

func (nodeStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.Node).Status = old.(*corev1.Node).Status
}

func (s nodeStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return statusResetFields(s.res)
}

type nodeStatusStrategy struct{ nodeStrategy }

func (nodeStatusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.Node).Spec = old.(*corev1.Node).Spec
}

func (nodeStatusStrategy) ValidateUpdate(context.Context, runtime.Object, runtime.Object) field.ErrorList {
	return nil
}

func (s nodeStatusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return specResetFields(s.res)
}

func newNodes(cfg Config) (map[string]rest.Storage, error) {
	s := nodeStrategy{newStrategy(api.Nodes)}
	store, err := newStore(cfg, api.Nodes, s, nil)
	if err != nil {
		return nil, err
	}
	return map[string]rest.Storage{
		"nodes":        &resourceREST{Store: store, res: api.Nodes},
		"nodes/status": &statusREST{statusStore(store, nodeStatusStrategy{s})},
	}, nil
}
