package kubelet

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/kubelet/cri"
	"github.com/podlab/podlab/runtime/labclock"
)

// killContainer stops one container as the kubelet does: the Killing event,
// the preStop hook (its time counts against the grace period), the stop
// signal, then SIGKILL when the grace period ends — with upstream's minimum
// of 2 s left for the signal after the hook.
func (k *Kubelet) killContainer(ctx context.Context, pod *corev1.Pod, c cri.ContainerInfo, grace int64, message string) {
	if grace < minimumGracePeriod {
		grace = minimumGracePeriod
	}
	k.rec.Event(pod, fieldPath(pod, c.Container), corev1.EventTypeNormal, "Killing", message)
	deadline := time.Now().Add(labclock.Seconds(grace))
	hctx, cancel := context.WithDeadline(ctx, deadline)
	k.runPreStop(hctx, pod, c)
	cancel()
	if min := time.Now().Add(labclock.Seconds(minimumGracePeriod)); deadline.Before(min) {
		deadline = min
	}
	if err := k.rt.SignalContainer(ctx, c.ID, ""); err != nil {
		log.Printf("kubelet: stopping %s: %v", c.Name, err)
	}
	gctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if err := k.rt.WaitStopped(gctx, c.ID); err != nil && ctx.Err() == nil {
		k.rt.SignalContainer(ctx, c.ID, "SIGKILL")
		k.rt.WaitStopped(ctx, c.ID)
	}
}

// terminatePod stops every container of a deleted pod in parallel within the
// grace period, records their final state, removes what the pod left behind
// and finally removes the pod from the store (upstream: the kubelet's
// status manager deletes it with grace 0 once its containers are gone).
func (k *Kubelet) terminatePod(ctx context.Context, w *podWorker, pod *corev1.Pod, view podView, forced bool) bool {
	grace := gracePeriod(pod)
	if forced {
		grace = 0
	}
	var wg sync.WaitGroup
	for _, list := range view.byName {
		for _, c := range list {
			if c.State != cri.StateRunning {
				continue
			}
			wg.Add(1)
			go func(c cri.ContainerInfo) {
				defer wg.Done()
				k.killContainer(ctx, pod, c, grace, fmt.Sprintf("Stopping container %s", c.Container))
			}(c)
		}
	}
	wg.Wait()
	if sb := view.sandbox; sb != nil && sb.State == cri.StateRunning {
		k.rt.SignalContainer(ctx, sb.ID, "SIGKILL")
		k.rt.WaitStopped(ctx, sb.ID)
	}
	if !forced {
		// The final state (exit codes 143 or 137) is visible before the pod goes.
		if containers, err := k.rt.ListPodContainers(ctx, string(pod.UID)); err == nil {
			v := newPodView(containers)
			v.terminal = true
			k.writeStatus(ctx, w, pod, &v)
		}
	}
	containers, _ := k.rt.ListPodContainers(ctx, string(pod.UID))
	for _, c := range containers {
		k.rt.RemoveContainer(ctx, c.ID)
	}
	if err := k.rt.RemoveDir(ctx, k.cfg.Home.PodDir(k.cfg.NodeName, string(pod.UID))); err != nil {
		log.Printf("kubelet: removing the directory of pod %s: %v", pod.Name, err)
	}
	if !forced {
		cur, err := k.st.Get(api.Pods, pod.Namespace, pod.Name)
		if err == nil && cur.GetUID() == pod.UID {
			if _, err := k.st.Delete(api.Pods, pod.Namespace, pod.Name); err != nil && !apierrors.IsNotFound(err) {
				log.Printf("kubelet: deleting pod %s/%s: %v", pod.Namespace, pod.Name, err)
				return false
			}
		}
	}
	k.probes.RemovePod(pod.UID)
	k.backoff.GC()
	return true
}
