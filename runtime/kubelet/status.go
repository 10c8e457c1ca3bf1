package kubelet

import (
	"context"
	"encoding/json"
	"log"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/kubelet/cri"
	"github.com/podlab/podlab/runtime/kubelet/status"
)

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
	running := oc.Current != nil && oc.Current.State == cri.StateRunning
	// Readiness and startup come from the probes (a container without them is ready once running).
	oc.Ready = running && k.probes.Ready(w.podSnapshot(), c)
	oc.Started = running && k.probes.Started(w.podSnapshot(), c)
	return oc
}

// writeStatus computes the pod's status and writes it when it changed.
func (k *Kubelet) writeStatus(ctx context.Context, w *podWorker, pod *corev1.Pod, view *podView) *corev1.PodStatus {
	var written *corev1.PodStatus
	_, err := k.st.GuaranteedUpdate(api.Pods, pod.Namespace, pod.Name, func(o api.Object) (api.Object, error) {
		cur := o.(*corev1.Pod)
		if cur.UID != pod.UID {
			return nil, errPodReplaced
		}
		st := status.Compute(k.observe(w, cur, view))
		written = &st
		if sameStatus(cur.Status, st) {
			return nil, errUnchanged
		}
		cur.Status = st
		return cur, nil
	})
	switch {
	case err == nil, err == errUnchanged:
	case err == errPodReplaced || apierrors.IsNotFound(err):
		return nil
	default:
		log.Printf("kubelet: writing the status of %s/%s: %v", pod.Namespace, pod.Name, err)
	}
	return written
}

type sentinel string

func (s sentinel) Error() string { return string(s) }

const (
	errUnchanged   = sentinel("status unchanged")
	errPodReplaced = sentinel("pod replaced")
)

func sameStatus(a, b corev1.PodStatus) bool {
	if equality.Semantic.DeepEqual(a, b) {
		return true
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
