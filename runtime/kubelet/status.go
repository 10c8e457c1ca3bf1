package kubelet

import (
	"context"
	"encoding/json"
	"log"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/kubelet/cri"
	"github.com/podlab/podlab/runtime/kubelet/status"
)

// statusWriteAttempts bounds the retries of a status write that lost a
// race (a conflict): each retry starts from the pod the API now holds.
const statusWriteAttempts = 3

// observe gathers what the status computation needs about each container.
func (k *Kubelet) observe(w *podWorker, pod *corev1.Pod, view *podView) status.Observation {
	obs := status.Observation{Pod: pod, HostIP: k.nodeIP, Now: time.Now()}
	if view == nil {
		view = &podView{byName: map[string][]cri.ContainerInfo{}}
	}
	obs.Sandbox, obs.Terminal = view.sandbox, view.terminal
	initDone := true
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		oc := k.observeContainer(w, c, view)
		if oc.Current == nil && oc.Waiting == nil {
			oc.Waiting = &corev1.ContainerStateWaiting{Reason: "PodInitializing"}
		}
		if oc.Current == nil || oc.Current.State != cri.StateExited || oc.Current.ExitCode != 0 {
			initDone = false
		}
		obs.Init = append(obs.Init, oc)
	}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		oc := k.observeContainer(w, c, view)
		if oc.Current == nil && oc.Waiting == nil {
			reason := "ContainerCreating"
			if !initDone {
				reason = "PodInitializing"
			}
			oc.Waiting = &corev1.ContainerStateWaiting{Reason: reason}
		}
		obs.Apps = append(obs.Apps, oc)
	}
	return obs
}

func (k *Kubelet) observeContainer(w *podWorker, c *corev1.Container, view *podView) status.Container {
	oc := status.Container{Spec: c, Current: view.latest(c.Name), Previous: view.previous(c.Name), ImageName: c.Image}
	if wt := w.waitingFor(c.Name); wt != nil && (oc.Current == nil || oc.Current.State != cri.StateRunning) {
		oc.Waiting = wt
	}
	if oc.Current != nil && oc.Current.State == cri.StateRunning {
		// Readiness and startup are the probe workers' published results
		// for this very instance (without probes: ready once running).
		oc.Ready = k.probes.Ready(c, oc.Current.ID)
		oc.Started = k.probes.Started(c, oc.Current.ID)
	}
	return oc
}

// writeStatus computes the pod's status and writes it through pods/status
// when it differs from the status the API holds — never otherwise: a write
// that changes nothing would still bump the resourceVersion and wake every
// watcher. A conflict (the kubelet's copy was stale) retries from the pod
// the API holds now, like upstream's status manager, which reads the pod
// before it writes. It returns the computed status, nil when the pod is gone
// or was replaced by another of the same name.
func (k *Kubelet) writeStatus(ctx context.Context, w *podWorker, pod *corev1.Pod, view *podView) *corev1.PodStatus {
	base := w.apiPod()
	var st corev1.PodStatus
	for attempt := 1; ; attempt++ {
		st = status.Compute(k.observe(w, base, view))
		w.setStatus(st)
		if sameStatus(base.Status, st) {
			return &st
		}
		next := base.DeepCopy()
		next.Status = st
		got, err := k.client.CoreV1().Pods(next.Namespace).UpdateStatus(ctx, next, metav1.UpdateOptions{})
		switch {
		case err == nil:
			w.apiUpdated(got)
			return &st
		case apierrors.IsNotFound(err):
			return nil
		case apierrors.IsConflict(err) && attempt < statusWriteAttempts:
			fresh, gerr := k.client.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
			if apierrors.IsNotFound(gerr) || gerr == nil && fresh.UID != pod.UID {
				return nil
			}
			if gerr != nil {
				log.Printf("kubelet: reading pod %s/%s after a conflict: %v", pod.Namespace, pod.Name, gerr)
				return &st
			}
			w.apiUpdated(fresh)
			base = fresh
		default:
			// The next sync (an event or the resync) tries again.
			if ctx.Err() == nil {
				log.Printf("kubelet: writing the status of %s/%s: %v", pod.Namespace, pod.Name, err)
			}
			return &st
		}
	}
}

// sameStatus compares statuses as the API stores them: JSON drops what
// the API cannot keep (timestamps below a second), which Semantic.DeepEqual
// would count as a change forever.
func sameStatus(a, b corev1.PodStatus) bool {
	if equality.Semantic.DeepEqual(a, b) {
		return true
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
