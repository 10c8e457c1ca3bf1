package lab

import (
	"context"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"

	"github.com/podlab/podlab/runtime/controller/daemonset"
	"github.com/podlab/podlab/runtime/controller/deployment"
	"github.com/podlab/podlab/runtime/controller/disruption"
	"github.com/podlab/podlab/runtime/controller/endpoint"
	"github.com/podlab/podlab/runtime/controller/endpointslice"
	"github.com/podlab/podlab/runtime/controller/endpointslicemirroring"
	"github.com/podlab/podlab/runtime/controller/garbagecollector"
	"github.com/podlab/podlab/runtime/controller/job"
	nscontroller "github.com/podlab/podlab/runtime/controller/namespace"
	"github.com/podlab/podlab/runtime/controller/nodelifecycle"
	"github.com/podlab/podlab/runtime/controller/podgc"
	"github.com/podlab/podlab/runtime/controller/replicaset"
	"github.com/podlab/podlab/runtime/controller/tainteviction"
	"github.com/podlab/podlab/runtime/controller/ttlafterfinished"
	"github.com/podlab/podlab/runtime/events"
)

// component is a part of the control plane: it works until ctx ends.
type component interface {
	Run(ctx context.Context) error
}

// controllerManager makes the lab's kube-controller-manager: each
// controller over the shared informers (the garbage collector over the
// metadata client), writing through cs and recording events as its
// upstream namesake. The caller starts factory and then runs them.
func controllerManager(cs kubernetes.Interface, meta metadata.Interface, factory informers.SharedInformerFactory, rec *events.Broadcaster) ([]component, error) {
	builds := []func() (component, error){
		func() (component, error) {
			return tainteviction.New(cs, factory, rec.Recorder(tainteviction.Name, ""))
		},
		func() (component, error) { return nscontroller.New(cs, meta, factory) },
		func() (component, error) {
			return nodelifecycle.New(cs, factory, nodelifecycle.WithRecorder(rec.Recorder(nodelifecycle.EventSource, "")))
		},
		func() (component, error) {
			return disruption.New(cs, factory, disruption.WithRecorder(rec.Recorder(disruption.EventSource, "")))
		},
		func() (component, error) {
			return deployment.New(cs, factory, deployment.WithRecorder(rec.Recorder(deployment.EventSource, "")))
		},
		func() (component, error) {
			return replicaset.New(cs, factory, replicaset.WithRecorder(rec.Recorder(replicaset.EventSource, "")))
		},
		func() (component, error) {
			return replicaset.NewReplicationManager(cs, factory, replicaset.WithRecorder(rec.Recorder(replicaset.RCEventSource, "")))
		},
		func() (component, error) {
			return job.New(cs, factory, job.WithRecorder(rec.Recorder(job.EventSource, "")))
		},
		func() (component, error) { return ttlafterfinished.New(cs, factory) },
		func() (component, error) {
			return daemonset.New(cs, factory, daemonset.WithRecorder(rec.Recorder(daemonset.EventSource, "")))
		},
		func() (component, error) { return garbagecollector.New(meta) },
		func() (component, error) { return podgc.New(cs, factory) },
		func() (component, error) { return endpoint.New(cs, factory) },
		func() (component, error) { return endpointslice.New(cs, factory) },
		func() (component, error) {
			return endpointslicemirroring.New(cs, factory, endpointslicemirroring.WithRecorder(rec.Recorder(endpointslicemirroring.EventSource, "")))
		},
	}
	out := make([]component, 0, len(builds))
	for _, build := range builds {
		c, err := build()
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
