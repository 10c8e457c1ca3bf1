package registry

import (
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/podlab/podlab/runtime/api"
)

// cronJobStrategy follows upstream's pkg/registry/batch/cronjob: the
// shared spec/status rules; at batch/v1 a deleted cron job deletes its
// jobs by default.
type cronJobStrategy struct {
	specStatusStrategy
	gcPolicy
}

func newCronJobs(cfg Config) (map[string]rest.Storage, error) {
	res := api.CronJobs
	s := cronJobStrategy{newSpecStatusStrategy(res), deleteDependents}
	store, err := newStore(cfg, res, s, nil)
	if err != nil {
		return nil, err
	}
	return map[string]rest.Storage{
		"cronjobs":        &resourceREST{Store: store, res: res},
		"cronjobs/status": &statusREST{statusStore(store, statusOnlyStrategy{s.strategy})},
	}, nil
}
