package kubelet

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/kubelet/cri"
	"github.com/podlab/podlab/runtime/kubelet/podspec"
	"github.com/podlab/podlab/runtime/labclock"
)

// kubeTime shows a scaled duration in Kubernetes time, so messages read as on
// a real cluster ("back-off 20s") whatever PODLAB_TIME_SCALE is.
func kubeTime(d time.Duration) time.Duration {
	return (time.Duration(float64(d) / labclock.Scale())).Round(time.Second)
}

// startContainer creates and starts one attempt of a container, unless a
// backoff, an image problem or a configuration error holds it back (then the
// reason is kept as the container's waiting state).
func (k *Kubelet) startContainer(ctx context.Context, w *podWorker, pod *corev1.Pod, c *corev1.Container, kind cri.ContainerKind, attempt int, prev *cri.ContainerInfo, sb *cri.ContainerInfo, vols podspec.Volumes) {
	if w.deleting() {
		// The pod was deleted while this sync ran: start nothing more, the
		// next sync terminates what runs.
		w.trigger()
		return
	}
	fp := fieldPath(pod, c.Name)
	hash := podspec.SpecHash(c)
	if prev != nil {
		// The kubelet's doBackOff: restarting within the backoff window waits.
		key := string(pod.UID) + "/" + c.Name + "/" + hash
		if k.backoff.IsInBackOffSince(key, prev.FinishedAt) {
			d := k.backoff.Get(key)
			w.setWaiting(c.Name, &corev1.ContainerStateWaiting{
				Reason:  "CrashLoopBackOff",
				Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s", kubeTime(d), c.Name, podDesc(pod)),
			})
			k.rec.Event(pod, fp, corev1.EventTypeWarning, "BackOff", fmt.Sprintf("Back-off restarting failed container %s in pod %s", c.Name, podDesc(pod)))
			w.wakeIn(time.Until(prev.FinishedAt.Add(d)) + 10*time.Millisecond)
			return
		}
		k.backoff.Next(key, prev.FinishedAt)
	}

	img, ok := k.resolveImage(ctx, w, pod, c)
	if !ok {
		return
	}
	env, err := podspec.Env(pod, c, k.lookup(ctx))
	var mounts []cri.Mount
	if err == nil {
		mounts, err = podspec.Mounts(c, vols)
	}
	if err == nil && !k.cfg.AllowPrivileged && privileged(c) {
		err = errPrivileged
	}
	if err != nil {
		k.holdContainer(w, pod, c.Name, "CreateContainerConfigError", err.Error())
		return
	}
	cfg := podspec.ContainerConfig(pod, c, env, mounts)
	cfg.Pod, cfg.Kind, cfg.Attempt, cfg.SpecHash = podRef(pod, k.cfg.NodeName), kind, attempt, hash
	cfg.SandboxID, cfg.Image = sb.ID, img
	if !pod.Spec.HostNetwork {
		cfg.EtcHosts = k.hostsPath(pod)
	}
	if podspec.ResolvConf(pod, k.cfg.ClusterDNS, k.cfg.ClusterDomain) != nil {
		// Written again here: a sandbox adopted from an earlier control
		// plane may predate the file (a missing bind source would become a
		// directory).
		if err := k.writeResolvConf(pod); err == nil {
			cfg.ResolvConf = k.resolvConfPath(pod)
		}
	}
	id, err := k.rt.CreateContainer(ctx, cfg)
	if err != nil {
		k.holdContainer(w, pod, c.Name, "CreateContainerError", err.Error())
		return
	}
	k.rec.Event(pod, fp, corev1.EventTypeNormal, "Created", fmt.Sprintf("Created container: %s", c.Name))
	if err := k.rt.StartContainer(ctx, id); err != nil {
		k.holdContainer(w, pod, c.Name, "RunContainerError", err.Error())
		return
	}
	w.setWaiting(c.Name, nil)
	k.rec.Event(pod, fp, corev1.EventTypeNormal, "Started", fmt.Sprintf("Started container %s", c.Name))
	k.postStart(ctx, pod, c, id, sb)
}

// holdContainer records why a container cannot start, with upstream's
// "Error: ..." event, and retries after the initial backoff.
func (k *Kubelet) holdContainer(w *podWorker, pod *corev1.Pod, name, reason, msg string) {
	w.setWaiting(name, &corev1.ContainerStateWaiting{Reason: reason, Message: msg})
	k.rec.Event(pod, fieldPath(pod, name), corev1.EventTypeWarning, "Failed", "Error: "+msg)
	w.wakeIn(labclock.Scaled(backoffInitial))
}

// resolveImage makes the container's image available per its pull policy
// and returns what to run: the image itself, or podlab's stand-in when the
// image is missing and no registry answers (never silently: a Warning
// event says so).
func (k *Kubelet) resolveImage(ctx context.Context, w *podWorker, pod *corev1.Pod, c *corev1.Container) (string, bool) {
	fp := fieldPath(pod, c.Name)
	w.mu.Lock()
	resolved, done := w.images[c.Image]
	w.mu.Unlock()
	if done {
		return resolved, true
	}
	remember := func(img string) (string, bool) {
		w.mu.Lock()
		w.images[c.Image] = img
		w.mu.Unlock()
		return img, true
	}
	present, _, _, err := k.rt.ImageStatus(ctx, c.Image)
	if err != nil {
		k.holdContainer(w, pod, c.Name, "ErrImageInspect", fmt.Sprintf("Failed to inspect image %q: %v", c.Image, err))
		return "", false
	}
	policy := c.ImagePullPolicy
	if policy == corev1.PullIfNotPresent && present || policy == corev1.PullNever && present {
		k.rec.Event(pod, fp, corev1.EventTypeNormal, "Pulled", fmt.Sprintf("Container image %q already present on machine", c.Image))
		return remember(c.Image)
	}
	standIn, hasStandIn := k.rt.StandIn(c.Image)
	if policy == corev1.PullNever {
		if hasStandIn {
			return remember(k.useStandIn(pod, fp, c.Image, standIn, "its pull policy is Never"))
		}
		msg := fmt.Sprintf("Container image %q is not present with pull policy of Never", c.Image)
		w.setWaiting(c.Name, &corev1.ContainerStateWaiting{Reason: "ErrImageNeverPull", Message: msg})
		k.rec.Event(pod, fp, corev1.EventTypeWarning, "ErrImageNeverPull", msg)
		return "", false
	}
	key := "image/" + c.Image
	if k.imageBackoff.IsInBackOffSince(key, time.Now()) && !hasStandIn {
		msg := fmt.Sprintf("Back-off pulling image %q", c.Image)
		w.setWaiting(c.Name, &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: msg})
		k.rec.Event(pod, fp, corev1.EventTypeNormal, "BackOff", msg)
		k.rec.Event(pod, fp, corev1.EventTypeWarning, "Failed", "Error: ImagePullBackOff")
		w.wakeIn(k.imageBackoff.Get(key))
		return "", false
	}
	k.rec.Event(pod, fp, corev1.EventTypeNormal, "Pulling", fmt.Sprintf("Pulling image %q", c.Image))
	start := time.Now()
	if err := k.rt.PullImage(ctx, c.Image); err != nil {
		switch {
		case present:
			k.rec.Event(pod, fp, corev1.EventTypeWarning, "StandInImage",
				fmt.Sprintf("Image %q could not be pulled (%v); running the copy already on this machine", c.Image, err))
			return remember(c.Image)
		case hasStandIn:
			return remember(k.useStandIn(pod, fp, c.Image, standIn, "no registry answered"))
		}
		k.imageBackoff.Next(key, time.Now())
		k.rec.Event(pod, fp, corev1.EventTypeWarning, "Failed", fmt.Sprintf("Failed to pull image %q: %v", c.Image, err))
		k.rec.Event(pod, fp, corev1.EventTypeWarning, "Failed", "Error: ErrImagePull")
		w.setWaiting(c.Name, &corev1.ContainerStateWaiting{Reason: "ErrImagePull", Message: err.Error()})
		w.wakeIn(k.imageBackoff.Get(key))
		return "", false
	}
	took := time.Since(start).Round(time.Millisecond)
	_, _, size, _ := k.rt.ImageStatus(ctx, c.Image)
	k.rec.Event(pod, fp, corev1.EventTypeNormal, "Pulled",
		fmt.Sprintf("Successfully pulled image %q in %s (%s including waiting). Image size: %d bytes.", c.Image, took, took, size))
	return remember(c.Image)
}

func (k *Kubelet) useStandIn(pod *corev1.Pod, fp, image, standIn, why string) string {
	k.rec.Event(pod, fp, corev1.EventTypeWarning, "StandInImage",
		fmt.Sprintf("Image %q is not on this machine and %s; running podlab's stand-in %q instead (see docs/images.md)", image, why, standIn))
	return standIn
}
