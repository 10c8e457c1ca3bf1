package registry

import (
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/podlab/podlab/runtime/api"
)

// resourceREST is a resource's main storage: the generic store, plus the
// short names and categories discovery publishes (kubectl get po, get all).
type resourceREST struct {
	*genericregistry.Store
	res api.Resource
}

func (r *resourceREST) ShortNames() []string { return r.res.Short }

func (r *resourceREST) Categories() []string { return r.res.Categories }

var (
	_ rest.ShortNamesProvider = (*resourceREST)(nil)
	_ rest.CategoriesProvider = (*resourceREST)(nil)
	_ rest.StandardStorage    = (*resourceREST)(nil)
)
