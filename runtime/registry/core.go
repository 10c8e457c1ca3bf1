package registry

import (
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/podlab/podlab/runtime/api"
)

// newEvents keeps events for the configured TTL, as kube-apiserver's
// --event-ttl does through an etcd lease.
func newEvents(cfg Config) (map[string]rest.Storage, error) {
	store, err := newStore(cfg, api.Events, newStrategy(api.Events), nil)
	if err != nil {
		return nil, err
	}
	ttl := cfg.EventTTL
	if ttl == 0 {
		ttl = time.Hour
	}
	store.TTLFunc = func(runtime.Object, uint64, bool) (uint64, error) { return uint64(ttl.Seconds()), nil }
	return map[string]rest.Storage{"events": &resourceREST{Store: store, res: api.Events}}, nil
}

// newPlain returns the storage of a resource with no rules beyond the
// shared ones (configmaps, secrets, leases).
func newPlain(res api.Resource) func(Config) (map[string]rest.Storage, error) {
	return func(cfg Config) (map[string]rest.Storage, error) {
		store, err := newStore(cfg, res, newStrategy(res), nil)
		if err != nil {
			return nil, err
		}
		return map[string]rest.Storage{res.Name: &resourceREST{Store: store, res: res}}, nil
	}
}

// Core returns the storage of the core group's v1 resources, keyed by the
// resource (and subresource) paths the API server installs.
func Core(cfg Config) (map[string]rest.Storage, error) {
	return build(cfg, newPods, newNodes, newNamespaces, newEvents, newPlain(api.ConfigMaps), newPlain(api.Secrets),
		newServices, newReplicationControllers)
}

// Coordination returns the storage of coordination.k8s.io/v1: the leases
// the kubelet renews as its heartbeat.
func Coordination(cfg Config) (map[string]rest.Storage, error) {
	return build(cfg, newPlain(api.Leases))
}

func build(cfg Config, builders ...func(Config) (map[string]rest.Storage, error)) (map[string]rest.Storage, error) {
	all := map[string]rest.Storage{}
	for _, build := range builders {
		m, err := build(cfg)
		if err != nil {
			return nil, err
		}
		for k, v := range m {
			all[k] = v
		}
	}
	return all, nil
}
