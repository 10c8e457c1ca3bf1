package registry

import (
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/podlab/podlab/runtime/api"
)

// newControllerRevisions: the snapshots of pod templates that daemon sets
// and stateful sets keep. Upstream's strategy
// (pkg/registry/apps/controllerrevision) has no rules beyond the API's
// validation (data required and immutable, revision not negative).
func newControllerRevisions(cfg Config) (map[string]rest.Storage, error) {
	return newPlain(api.ControllerRevisions)(cfg)
}
