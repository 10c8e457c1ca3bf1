package registry

import (
	"context"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/warning"

	"github.com/podlab/podlab/runtime/api"
)

// jobStrategy follows upstream's pkg/registry/batch/job: the shared
// spec/status rules, and unless the selector is manual, the selector and
// the pod template's labels generated from the job's uid and name. At
// batch/v1 a deleted job orphans its pods by default (and the API warns a
// client that named no policy).
type jobStrategy struct {
	specStatusStrategy
	gcPolicy
}

var jobGCPolicy = gcPolicy{orphanAt: []schema.GroupVersion{batchv1.SchemeGroupVersion}}

func (s jobStrategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	j := obj.(*batchv1.Job)
	api.GenerateJobSelector(j)
	s.specStatusStrategy.PrepareForCreate(ctx, obj)
}

// WarningsOnCreate: a job's name goes into its pods' names and hostnames.
func (jobStrategy) WarningsOnCreate(_ context.Context, obj runtime.Object) []string {
	j := obj.(*batchv1.Job)
	if msgs := validation.IsDNS1123Label(j.Name); len(msgs) != 0 {
		return []string{fmt.Sprintf("metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: %v", msgs)}
	}
	return nil
}

// jobDeleteWarning is upstream's warning for a delete that leaves the
// propagation to batch/v1's default.
const jobDeleteWarning = "child pods are preserved by default when jobs are deleted; " +
	"set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning"

// jobREST warns, as upstream's job storage does, when a delete's default
// would orphan the pods.
type jobREST struct{ resourceREST }

func warnOnOrphaningDefault(ctx context.Context, options *metav1.DeleteOptions) {
	//nolint:staticcheck // OrphanDependents is deprecated but still honoured.
	if options != nil && options.PropagationPolicy == nil && options.OrphanDependents == nil &&
		jobGCPolicy.DefaultGarbageCollectionPolicy(ctx) == rest.OrphanDependents {
		warning.AddWarning(ctx, "", jobDeleteWarning)
	}
}

func (r *jobREST) Delete(ctx context.Context, name string, deleteValidation rest.ValidateObjectFunc, options *metav1.DeleteOptions) (runtime.Object, bool, error) {
	warnOnOrphaningDefault(ctx, options)
	return r.Store.Delete(ctx, name, deleteValidation, options)
}

func (r *jobREST) DeleteCollection(ctx context.Context, deleteValidation rest.ValidateObjectFunc, options *metav1.DeleteOptions, listOptions *internalversion.ListOptions) (runtime.Object, error) {
	warnOnOrphaningDefault(ctx, options)
	return r.Store.DeleteCollection(ctx, deleteValidation, options, listOptions)
}

func newJobs(cfg Config) (map[string]rest.Storage, error) {
	res := api.Jobs
	s := jobStrategy{newSpecStatusStrategy(res), jobGCPolicy}
	store, err := newStore(cfg, res, s, nil)
	if err != nil {
		return nil, err
	}
	return map[string]rest.Storage{
		"jobs":        &jobREST{resourceREST{Store: store, res: res}},
		"jobs/status": &statusREST{statusStore(store, statusOnlyStrategy{s.strategy})},
	}, nil
}
