package registry

import (
	"k8s.io/apiserver/pkg/registry/rest"
)

// Apps returns the storage of apps/v1: deployments, replica sets, daemon
// sets and stateful sets with their status (and, but for daemon sets,
// scale) subresources, and the controller revisions they keep.
func Apps(cfg Config) (map[string]rest.Storage, error) {
	return build(cfg, newDeployments, newReplicaSets, newDaemonSets, newStatefulSets, newControllerRevisions)
}

// Batch returns the storage of batch/v1: jobs and cron jobs, with status.
func Batch(cfg Config) (map[string]rest.Storage, error) {
	return build(cfg, newJobs, newCronJobs)
}

// Discovery returns the storage of discovery.k8s.io/v1: endpoint slices.
func Discovery(cfg Config) (map[string]rest.Storage, error) {
	return build(cfg, newEndpointSlices)
}
