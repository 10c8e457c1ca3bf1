package prober

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/kubelet/prober/results"
	"github.com/podlab/podlab/runtime/labclock"
)

// worker probes one container instance with one probe and publishes the
// result; it never acts on it.
type worker struct {
	m           *Manager
	key         key
	probe       *corev1.Probe
	container   *corev1.Container
	containerID string
	sandbox     Sandbox
	startedAt   time.Time

	ctx    context.Context
	cancel context.CancelFunc

	lastResult Result
	resultRun  int
}

func (w *worker) stop() { w.cancel() }

func (w *worker) run() {
	// The first probe runs once initialDelaySeconds have passed since the container started.
	delay := time.Until(w.startedAt.Add(labclock.Seconds(int64(w.probe.InitialDelaySeconds))))
	if delay > 0 {
		if !sleep(w.ctx, delay) {
			return
		}
	}
	period := labclock.Seconds(int64(w.probe.PeriodSeconds))
	if period <= 0 {
		period = labclock.Seconds(10)
	}
	// A ticker, as upstream's worker uses: periods count from each probe's
	// start, so a slow probe does not push the next ones later.
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		if !w.doProbe() {
			return
		}
		select {
		case <-tick.C:
		case <-w.ctx.Done():
			return
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// doProbe runs the probe once and publishes the result once its threshold
// is met; it returns false when the worker should stop.
func (w *worker) doProbe() bool {
	pod := w.m.pod(w.key.uid)
	if pod == nil {
		return false
	}
	started := w.m.Started(w.container, w.containerID)
	switch {
	case w.key.kind != Startup && !started:
		return true // until the startup probe succeeds only it runs
	case w.key.kind == Startup && started:
		return true // upstream stops startup probing once it succeeded
	case w.key.kind == Liveness && pod.DeletionTimestamp != nil:
		return true // a deleting pod is not probed for liveness
	}
	res, out := Run(w.ctx, w.m.ex, w.probe, Target{Pod: pod, Container: w.container, ContainerID: w.containerID, SandboxID: w.sandbox.ID, PodIP: w.sandbox.IP})
	if w.ctx.Err() != nil {
		return false
	}
	fp := fmt.Sprintf("spec.containers{%s}", w.container.Name)
	switch res {
	case Failure:
		w.m.hooks.Event(pod, fp, corev1.EventTypeWarning, "Unhealthy", fmt.Sprintf("%s probe failed: %s", w.key.kind, strings.TrimSpace(out)))
	case Warning:
		w.m.hooks.Event(pod, fp, corev1.EventTypeWarning, "ProbeWarning", fmt.Sprintf("%s probe warning: %s", w.key.kind, strings.TrimSpace(out)))
	}
	if res == Warning {
		res = Success
	}
	if res == w.lastResult {
		w.resultRun++
	} else {
		w.lastResult, w.resultRun = res, 1
	}
	if res == Failure && w.resultRun < int(w.probe.FailureThreshold) || res == Success && w.resultRun < int(w.probe.SuccessThreshold) {
		return true // not yet enough identical results in a row
	}
	if !w.m.current(w) {
		return false // replaced by a worker for a newer container
	}
	published := results.Success
	if res == Failure {
		published = results.Failure
	} else if res == Unknown {
		published = results.Unknown
	}
	w.m.results(w.key.kind).Set(w.containerID, published, w.key.uid)
	if published == results.Failure && (w.key.kind == Liveness || w.key.kind == Startup) {
		// The pod worker restarts the container; probing this instance holds
		// from here (upstream's onHold), a new instance gets a new worker.
		return false
	}
	return true
}
