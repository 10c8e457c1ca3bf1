package registry

import (
	"context"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/podlab/podlab/runtime/api"
)

// templateGenerationAnnotation is where apps/v1 keeps the DaemonSet's
// internal spec.templateGeneration (upstream's conversion writes it there).
const templateGenerationAnnotation = "deprecated.daemonset.template.generation"

// daemonSetStrategy follows upstream's pkg/registry/apps/daemonset: the
// shared spec/status rules, plus the template generation, 1 on create and
// one more whenever the pod template changes; pods are deleted with their
// daemon set by default at apps/v1.
type daemonSetStrategy struct {
	specStatusStrategy
	gcPolicy
}

func (s daemonSetStrategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	s.specStatusStrategy.PrepareForCreate(ctx, obj)
	setTemplateGeneration(obj.(*appsv1.DaemonSet), 1)
}

func (daemonSetStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	ds, o := obj.(*appsv1.DaemonSet), old.(*appsv1.DaemonSet)
	ds.Status = o.Status
	gen := templateGeneration(o)
	if !apiequality.Semantic.DeepEqual(ds.Spec.Template, o.Spec.Template) {
		setTemplateGeneration(ds, gen+1)
	} else if _, ok := ds.Annotations[templateGenerationAnnotation]; !ok {
		setTemplateGeneration(ds, gen)
	}
	bumpGenerationIf(obj, old, !apiequality.Semantic.DeepEqual(ds.Spec, o.Spec))
}

func templateGeneration(ds *appsv1.DaemonSet) int64 {
	n, _ := strconv.ParseInt(ds.Annotations[templateGenerationAnnotation], 10, 64)
	return n
}

func setTemplateGeneration(ds *appsv1.DaemonSet, n int64) {
	if ds.Annotations == nil {
		ds.Annotations = map[string]string{}
	}
	ds.Annotations[templateGenerationAnnotation] = strconv.FormatInt(n, 10)
}

func newDaemonSets(cfg Config) (map[string]rest.Storage, error) {
	res := api.DaemonSets
	s := daemonSetStrategy{newSpecStatusStrategy(res), deleteDependents}
	store, err := newStore(cfg, res, s, nil)
	if err != nil {
		return nil, err
	}
	return map[string]rest.Storage{
		"daemonsets":        &resourceREST{Store: store, res: res},
		"daemonsets/status": &statusREST{statusStore(store, statusOnlyStrategy{s.strategy})},
	}, nil
}
