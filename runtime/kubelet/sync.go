package kubelet

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/kubelet/cri"
	"github.com/podlab/podlab/runtime/kubelet/podspec"
	"github.com/podlab/podlab/runtime/labclock"
)

// podView groups a pod's engine containers: the newest sandbox and each
// container's instances, newest attempt first.
type podView struct {
	sandbox   *cri.ContainerInfo
	sandboxes []cri.ContainerInfo
	byName    map[string][]cri.ContainerInfo
	// terminal marks the view of a pod whose containers were stopped for good.
	terminal bool
}

func newPodView(containers []cri.ContainerInfo) podView {
	v := podView{byName: map[string][]cri.ContainerInfo{}}
	for _, c := range containers {
		if c.Kind == cri.KindSandbox {
			v.sandboxes = append(v.sandboxes, c)
			continue
		}
		v.byName[c.Container] = append(v.byName[c.Container], c)
	}
	sort.Slice(v.sandboxes, func(i, j int) bool { return v.sandboxes[i].CreatedAt.After(v.sandboxes[j].CreatedAt) })
	if len(v.sandboxes) > 0 {
		v.sandbox = &v.sandboxes[0]
	}
	for name := range v.byName {
		list := v.byName[name]
		sort.Slice(list, func(i, j int) bool {
			if list[i].Attempt != list[j].Attempt {
				return list[i].Attempt > list[j].Attempt
			}
			return list[i].CreatedAt.After(list[j].CreatedAt)
		})
	}
	return v
}

// latest is the newest instance of a container, nil when it never ran.
func (v podView) latest(name string) *cri.ContainerInfo {
	if l := v.byName[name]; len(l) > 0 {
		return &l[0]
	}
	return nil
}

func (v podView) previous(name string) *cri.ContainerInfo {
	if l := v.byName[name]; len(l) > 1 {
		return &l[1]
	}
	return nil
}

func fieldPath(pod *corev1.Pod, name string) string {
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			return fmt.Sprintf("spec.initContainers{%s}", name)
		}
	}
	return fmt.Sprintf("spec.containers{%s}", name)
}

func podRef(pod *corev1.Pod, node string) cri.PodRef {
	return cri.PodRef{UID: string(pod.UID), Name: pod.Name, Namespace: pod.Namespace, Node: node}
}

// podDesc is how the kubelet names a pod in messages: name_namespace(uid).
func podDesc(pod *corev1.Pod) string {
	return fmt.Sprintf("%s_%s(%s)", pod.Name, pod.Namespace, pod.UID)
}

func isTerminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// syncPod brings one pod's containers in line with its spec and writes its
// status; it returns true when the pod is gone for good.
func (k *Kubelet) syncPod(ctx context.Context, w *podWorker) bool {
	pod, deleted := w.snapshot()
	containers, err := k.rt.ListPodContainers(ctx, string(pod.UID))
	if err != nil {
		if ctx.Err() == nil {
			log.Printf("kubelet: listing containers of %s/%s: %v", pod.Namespace, pod.Name, err)
		}
		w.wakeIn(labclock.Scaled(time.Second))
		return false
	}
	view := newPodView(containers)
	if deleted || pod.DeletionTimestamp != nil {
		// A deleting pod is not probed (upstream skips liveness; its containers are stopping).
		k.probes.RemovePod(pod.UID)
		return k.terminatePod(ctx, w, pod, view, deleted)
	}
	if isTerminal(pod) {
		k.stopSandbox(ctx, view)
		k.gcContainers(ctx, view)
		return false
	}
	if err := k.refuseHostNamespaces(pod, view); err != nil {
		// Upstream's canRunPod backstop: admission refuses such pods first.
		k.holdAll(w, pod, view, "CreateContainerConfigError", err)
		k.writeStatus(ctx, w, pod, &view)
		return false
	}
	if view.sandbox == nil {
		// Report the containers as creating before the sandbox takes its time,
		// as the kubelet's first status does (kubectl shows ContainerCreating).
		k.writeStatus(ctx, w, pod, &view)
	}
	sandbox, ok := k.ensureSandbox(ctx, w, pod, view)
	if !ok {
		k.writeStatus(ctx, w, pod, nil)
		return false
	}
	dirs := podspec.Dirs{PodDir: k.cfg.Home.PodDir(k.cfg.NodeName, string(pod.UID)), HostPathRoot: k.cfg.Home.HostPathRoot(k.cfg.NodeName), AllowHostPaths: k.cfg.AllowHostPaths}
	vols, err := podspec.PrepareVolumes(pod, dirs, k.lookup(ctx))
	if err != nil {
		k.holdAll(w, pod, view, "CreateContainerConfigError", err)
	} else if k.syncInitContainers(ctx, w, pod, view, sandbox, vols) {
		k.syncAppContainers(ctx, w, pod, view, sandbox, vols)
	}
	containers, err = k.rt.ListPodContainers(ctx, string(pod.UID))
	if err == nil {
		view = newPodView(containers)
	}
	k.updateProbes(pod, view)
	st := k.writeStatus(ctx, w, pod, &view)
	if st != nil && (st.Phase == corev1.PodSucceeded || st.Phase == corev1.PodFailed) {
		// Upstream kills the sandbox of a finished pod; its containers stay for logs.
		k.stopSandbox(ctx, view)
	}
	k.gcContainers(ctx, view)
	return false
}

// holdAll marks every container that is not running as held back for reason.
func (k *Kubelet) holdAll(w *podWorker, pod *corev1.Pod, view podView, reason string, err error) {
	for _, c := range allContainers(pod) {
		if cur := view.latest(c.Name); cur != nil && cur.State == cri.StateRunning {
			continue
		}
		w.setWaiting(c.Name, &corev1.ContainerStateWaiting{Reason: reason, Message: err.Error()})
		k.rec.Event(pod, fieldPath(pod, c.Name), corev1.EventTypeWarning, "Failed", "Error: "+err.Error())
	}
	w.wakeIn(labclock.Scaled(backoffInitial))
}

func allContainers(pod *corev1.Pod) []corev1.Container {
	return append(append([]corev1.Container(nil), pod.Spec.InitContainers...), pod.Spec.Containers...)
}

func (w *podWorker) setWaiting(name string, wt *corev1.ContainerStateWaiting) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if wt == nil {
		delete(w.waiting, name)
		return
	}
	w.waiting[name] = wt
}

func (w *podWorker) waitingFor(name string) *corev1.ContainerStateWaiting {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.waiting[name]
}

// ensureSandbox returns the pod's running sandbox, creating it (again) when
// needed, and keeps the managed /etc/hosts current.
func (k *Kubelet) ensureSandbox(ctx context.Context, w *podWorker, pod *corev1.Pod, view podView) (*cri.ContainerInfo, bool) {
	if sb := view.sandbox; sb != nil && sb.State == cri.StateRunning {
		return sb, true
	}
	if view.sandbox != nil {
		// The pause container died: every container goes with it (upstream's SandboxChanged).
		k.rec.Event(pod, "", corev1.EventTypeNormal, "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.")
		for _, list := range view.byName {
			for _, c := range list {
				if c.State == cri.StateRunning {
					k.rt.SignalContainer(ctx, c.ID, "SIGKILL")
				}
			}
		}
		for _, sb := range view.sandboxes {
			k.rt.RemoveContainer(ctx, sb.ID)
		}
	}
	if wait := w.sandboxRetryIn(); wait > 0 {
		// A failed sandbox creation waits out its backoff, whatever events arrive meanwhile.
		w.wakeIn(wait)
		return nil, false
	}
	var dns []string
	sb, err := k.rt.RunSandbox(ctx, cri.SandboxConfig{
		Pod: podRef(pod, k.cfg.NodeName), Hostname: podspec.Hostname(pod),
		HostNetwork: pod.Spec.HostNetwork, HostPID: pod.Spec.HostPID, HostIPC: pod.Spec.HostIPC,
		DNSServers: dns, PodLabels: pod.Labels,
	})
	if err != nil {
		msg := fmt.Sprintf("Failed to create pod sandbox: %v", err)
		k.rec.Event(pod, "", corev1.EventTypeWarning, "FailedCreatePodSandBox", msg)
		w.sandboxFailed(labclock.Scaled(backoffInitial))
		return nil, false
	}
	if !pod.Spec.HostNetwork {
		if err := k.writeHosts(pod, sb.IP); err != nil {
			log.Printf("kubelet: writing /etc/hosts for %s: %v", pod.Name, err)
		}
	}
	if err := k.writeResolvConf(pod); err != nil {
		log.Printf("kubelet: writing /etc/resolv.conf for %s: %v", pod.Name, err)
	}
	return &sb, true
}

func (k *Kubelet) hostsPath(pod *corev1.Pod) string {
	return filepath.Join(k.cfg.Home.PodDir(k.cfg.NodeName, string(pod.UID)), "etc-hosts")
}

func (k *Kubelet) resolvConfPath(pod *corev1.Pod) string {
	return filepath.Join(k.cfg.Home.PodDir(k.cfg.NodeName, string(pod.UID)), "resolv.conf")
}

// writeResolvConf writes the pod's resolv.conf (podspec.ResolvConf), or
// removes it when the pod uses the engine's.
func (k *Kubelet) writeResolvConf(pod *corev1.Pod) error {
	path := k.resolvConfPath(pod)
	data := podspec.ResolvConf(pod, k.cfg.ClusterDNS, k.cfg.ClusterDomain)
	if data == nil {
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return err
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

func (k *Kubelet) writeHosts(pod *corev1.Pod, ip string) error {
	path := k.hostsPath(pod)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, podspec.HostsFile(pod, ip), 0o644)
}

// syncInitContainers runs init containers one at a time, in order; it
// reports whether all of them have completed.
func (k *Kubelet) syncInitContainers(ctx context.Context, w *podWorker, pod *corev1.Pod, view podView, sb *cri.ContainerInfo, vols podspec.Volumes) bool {
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		cur := view.latest(c.Name)
		switch {
		case cur == nil:
			k.startContainer(ctx, w, pod, c, cri.KindInit, 0, nil, sb, vols)
			return false
		case cur.State == cri.StateRunning || cur.State == cri.StateCreated:
			return false
		case cur.State == cri.StateExited && cur.ExitCode == 0 && !cur.OOMKilled:
			continue
		default:
			// A failed init container restarts unless the pod never restarts.
			if pod.Spec.RestartPolicy == corev1.RestartPolicyNever {
				return false
			}
			k.startContainer(ctx, w, pod, c, cri.KindInit, cur.Attempt+1, cur, sb, vols)
			return false
		}
	}
	return true
}

// syncAppContainers starts, restarts or replaces app containers per the restart policy.
func (k *Kubelet) syncAppContainers(ctx context.Context, w *podWorker, pod *corev1.Pod, view podView, sb *cri.ContainerInfo, vols podspec.Volumes) {
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		cur := view.latest(c.Name)
		switch {
		case cur == nil:
			k.startContainer(ctx, w, pod, c, cri.KindApp, 0, nil, sb, vols)
		case cur.State == cri.StateRunning:
			// Upstream's order: a changed definition first, then the probes' verdicts.
			if cur.SpecHash != "" && cur.SpecHash != podspec.SpecHash(c) {
				k.killContainer(ctx, pod, *cur, gracePeriod(pod), fmt.Sprintf("Container %s definition changed, will be restarted", c.Name))
				k.startContainer(ctx, w, pod, c, cri.KindApp, cur.Attempt+1, cur, sb, vols)
				continue
			}
			k.restartForProbe(ctx, w, pod, c, *cur, sb, vols)
		case cur.State == cri.StateCreated:
			// Created but not started (the control plane stopped in between): start it now.
			if err := k.rt.StartContainer(ctx, cur.ID); err == nil {
				k.rec.Event(pod, fieldPath(pod, c.Name), corev1.EventTypeNormal, "Started", fmt.Sprintf("Started container %s", c.Name))
			}
		case cur.State == cri.StateExited:
			if shouldRestart(pod.Spec.RestartPolicy, cur) || cur.SpecHash != podspec.SpecHash(c) && pod.Spec.RestartPolicy != corev1.RestartPolicyNever {
				k.startContainer(ctx, w, pod, c, cri.KindApp, cur.Attempt+1, cur, sb, vols)
			} else {
				w.setWaiting(c.Name, nil)
			}
		}
	}
}

// shouldRestart applies the pod's restartPolicy to an exited container.
func shouldRestart(policy corev1.RestartPolicy, c *cri.ContainerInfo) bool {
	switch policy {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		return c.ExitCode != 0 || c.OOMKilled
	}
	return true
}

// gracePeriod is the pod's termination grace period in seconds.
func gracePeriod(pod *corev1.Pod) int64 {
	if pod.DeletionGracePeriodSeconds != nil {
		return *pod.DeletionGracePeriodSeconds
	}
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		return *pod.Spec.TerminationGracePeriodSeconds
	}
	return corev1.DefaultTerminationGracePeriodSeconds
}

// gcContainers keeps the two newest instances of each container (the current
// one and the one before it, for `logs --previous`) and removes older dead ones.
func (k *Kubelet) gcContainers(ctx context.Context, view podView) {
	for _, list := range view.byName {
		for i := 2; i < len(list); i++ {
			if list[i].State != cri.StateRunning {
				k.rt.RemoveContainer(ctx, list[i].ID)
			}
		}
	}
	for i := 1; i < len(view.sandboxes); i++ {
		if view.sandboxes[i].State != cri.StateRunning {
			k.rt.RemoveContainer(ctx, view.sandboxes[i].ID)
		}
	}
}

func (k *Kubelet) stopSandbox(ctx context.Context, view podView) {
	if sb := view.sandbox; sb != nil && sb.State == cri.StateRunning {
		k.rt.SignalContainer(ctx, sb.ID, "SIGTERM")
	}
}
