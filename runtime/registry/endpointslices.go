package registry

import (
	"context"

	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/podlab/podlab/runtime/api"
)

// endpointSliceStrategy follows upstream's pkg/registry/discovery/endpointslice:
// a slice starts at generation 1, and any change but to its metadata
// (address type, endpoints, ports) bumps the generation.
type endpointSliceStrategy struct{ strategy }

func (endpointSliceStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*discoveryv1.EndpointSlice).Generation = 1
}

func (endpointSliceStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	s, o := obj.(*discoveryv1.EndpointSlice).DeepCopy(), old.(*discoveryv1.EndpointSlice).DeepCopy()
	s.ObjectMeta, o.ObjectMeta = metav1.ObjectMeta{}, metav1.ObjectMeta{}
	s.TypeMeta, o.TypeMeta = metav1.TypeMeta{}, metav1.TypeMeta{}
	bumpGenerationIf(obj, old, !apiequality.Semantic.DeepEqual(s, o))
}

func newEndpointSlices(cfg Config) (map[string]rest.Storage, error) {
	res := api.EndpointSlices
	store, err := newStore(cfg, res, endpointSliceStrategy{newStrategy(res)}, nil)
	if err != nil {
		return nil, err
	}
	return map[string]rest.Storage{res.Name: &resourceREST{Store: store, res: res}}, nil
}
