package kubelet

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
// and finally removes the pod from the API (upstream: the kubelet's status
// manager deletes it with grace 0 once its containers are gone).
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
		if err := k.deletePod(ctx, pod); err != nil {
			log.Printf("kubelet: deleting pod %s/%s: %v", pod.Namespace, pod.Name, err)
			w.wakeIn(labclock.Scaled(time.Second))
			return false
		}
		w.mu.Lock()
		w.removed = true
		w.mu.Unlock()
	}
	k.probes.RemovePod(pod.UID)
	k.backoff.GC()
	return true
}

// deletePod is the final removal of a terminated pod: a delete with grace
// period 0, so the API server removes it at once, and the pod's UID as a
// precondition, so a new pod of the same name is never touched (upstream's
// status manager does the same once the pod's containers are gone). A pod
// already gone, or replaced, is not an error.
func (k *Kubelet) deletePod(ctx context.Context, pod *corev1.Pod) error {
	grace := int64(0)
	uid := pod.UID
	err := k.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: &grace,
		Preconditions:      &metav1.Preconditions{UID: &uid},
	})
	if err == nil || apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}
