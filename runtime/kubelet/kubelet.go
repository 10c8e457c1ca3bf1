package kubelet

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/util/flowcontrol"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/kubelet/cri"
	"github.com/podlab/podlab/runtime/kubelet/prober"
	"github.com/podlab/podlab/runtime/labclock"
	"github.com/podlab/podlab/runtime/labhome"
	"github.com/podlab/podlab/runtime/store"
)

// EventRecorder records events about objects (runtime/events implements it).
type EventRecorder interface {
	Event(obj api.Object, fieldPath, eventType, reason, message string)
}

// Config wires a kubelet.
type Config struct {
	NodeName        string
	Store           store.API
	Runtime         cri.ContainerRuntime
	Recorder        EventRecorder
	Home            labhome.Home
	AllowPrivileged bool
	AllowHostPaths  bool
	Version         string
	// RuntimeVersion is the node's containerRuntimeVersion, e.g. "docker://20.10.24".
	RuntimeVersion string
}

// Upstream kubelet timings (pkg/kubelet): crash-loop backoff starts at 10 s
// and doubles up to 5 min; the same for image pull backoff; pods are resynced
// periodically besides reacting to events; the node reports every 10 s.
const (
	backoffInitial = 10 * time.Second
	backoffMax     = 300 * time.Second
	resyncPeriod   = 10 * time.Second
	heartbeat      = 10 * time.Second
	// minimumGracePeriod is the kubelet's floor when a pod is force-deleted.
	minimumGracePeriod = 2
)

// Kubelet is the node agent of one virtual node.
type Kubelet struct {
	cfg Config
	rt  cri.ContainerRuntime
	st  store.API
	rec EventRecorder

	backoff      *flowcontrol.Backoff
	imageBackoff *flowcontrol.Backoff

	probes *prober.Manager

	mu         sync.Mutex
	workers    map[types.UID]*podWorker
	nodeIP     string
	registered bool
	ctx        context.Context
}

// New returns a kubelet for cfg.NodeName.
func New(cfg Config) (*Kubelet, error) {
	if cfg.NodeName == "" || cfg.Store == nil || cfg.Runtime == nil || cfg.Recorder == nil {
		return nil, fmt.Errorf("kubelet: node name, store, runtime and recorder are required")
	}
	k := &Kubelet{
		cfg: cfg, rt: cfg.Runtime, st: cfg.Store, rec: cfg.Recorder,
		backoff:      flowcontrol.NewBackOff(labclock.Scaled(backoffInitial), labclock.Scaled(backoffMax)),
		imageBackoff: flowcontrol.NewBackOff(labclock.Scaled(backoffInitial), labclock.Scaled(backoffMax)),
		workers:      map[types.UID]*podWorker{},
	}
	k.probes = prober.NewManager(cfg.Runtime, prober.Hooks{
		Event: func(pod *corev1.Pod, fieldPath, eventType, reason, message string) {
			k.rec.Event(pod, fieldPath, eventType, reason, message)
		},
		Changed: k.triggerPod,
		Kill:    k.killForProbe,
	})
	return k, nil
}

// triggerPod asks the pod's worker for a sync.
func (k *Kubelet) triggerPod(uid types.UID) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if w := k.workers[uid]; w != nil {
		w.trigger()
	}
}

// killForProbe restarts a container whose liveness or startup probe failed,
// with the probe's own terminationGracePeriodSeconds when it sets one.
func (k *Kubelet) killForProbe(pod *corev1.Pod, container, containerID, message string, grace *int64) {
	ctx := k.ctx
	info, err := k.rt.InspectContainer(ctx, containerID)
	if err != nil || info.State != cri.StateRunning {
		return
	}
	g := gracePeriod(pod)
	if grace != nil {
		g = *grace
	}
	k.killContainer(ctx, pod, info, g, message)
	k.triggerPod(pod.UID)
}

// Register prepares the node's network and registers its Node object; the
// control plane calls it before serving, so the node is there from the start.
func (k *Kubelet) Register(ctx context.Context) error {
	if err := k.rt.EnsureNetwork(ctx); err != nil {
		return fmt.Errorf("kubelet: %w", err)
	}
	if ip, err := k.rt.NodeIP(ctx); err == nil {
		k.nodeIP = ip
	}
	if err := k.registerNode(); err != nil {
		return fmt.Errorf("kubelet: registering node %s: %w", k.cfg.NodeName, err)
	}
	k.registered = true
	return nil
}

// Run runs the node agent until ctx ends. Pods keep running when it stops.
func (k *Kubelet) Run(ctx context.Context) error {
	k.ctx = ctx
	if !k.registered {
		if err := k.Register(ctx); err != nil {
			return err
		}
	}
	go func() {
		if err := k.rt.EnsureImages(ctx); err != nil {
			log.Printf("kubelet: building podlab's images: %v", err)
		}
	}()
	if err := k.adoptOrphans(ctx); err != nil {
		log.Printf("kubelet: adopting containers: %v", err)
	}
	go k.watchEngine(ctx)
	go k.heartbeat(ctx)
	for ctx.Err() == nil {
		if err := k.watchPods(ctx); err != nil && ctx.Err() == nil {
			log.Printf("kubelet: pod watch: %v (restarting)", err)
			time.Sleep(time.Second)
		}
	}
	return nil
}

func (k *Kubelet) podSelector() store.ListOptions {
	return store.ListOptions{FieldSelector: fields.OneTermEqualSelector("spec.nodeName", k.cfg.NodeName)}
}

// watchPods lists this node's pods, then follows their changes.
func (k *Kubelet) watchPods(ctx context.Context) error {
	objs, rv, err := k.st.List(api.Pods, "", k.podSelector())
	if err != nil {
		return err
	}
	live := map[types.UID]bool{}
	for _, o := range objs {
		p := o.(*corev1.Pod)
		live[p.UID] = true
		k.podUpdated(p)
	}
	k.mu.Lock()
	for uid, w := range k.workers {
		if !live[uid] {
			w.markDeleted()
		}
	}
	k.mu.Unlock()
	ch, err := k.st.Watch(ctx, api.Pods, "", k.podSelector(), rv)
	if err != nil {
		return err
	}
	resync := time.NewTicker(labclock.Scaled(resyncPeriod))
	defer resync.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-ch:
			if !ok {
				return fmt.Errorf("watch closed")
			}
			p := ev.Object.(*corev1.Pod)
			if ev.Type == watch.Deleted {
				k.mu.Lock()
				if w := k.workers[p.UID]; w != nil {
					w.markDeleted()
				}
				k.mu.Unlock()
				continue
			}
			k.podUpdated(p)
		case <-resync.C:
			k.mu.Lock()
			for _, w := range k.workers {
				w.trigger()
			}
			k.mu.Unlock()
		}
	}
}

// podUpdated hands the newest pod to its worker, starting one if needed.
func (k *Kubelet) podUpdated(p *corev1.Pod) {
	k.mu.Lock()
	defer k.mu.Unlock()
	w, ok := k.workers[p.UID]
	if !ok {
		w = newPodWorker(k, p)
		k.workers[p.UID] = w
		go w.run(k.ctx)
	}
	w.update(p)
}

func (k *Kubelet) workerDone(uid types.UID) {
	k.mu.Lock()
	delete(k.workers, uid)
	k.mu.Unlock()
}

// watchEngine turns the engine's container events into pod syncs, so a
// container killed from outside is noticed at once.
func (k *Kubelet) watchEngine(ctx context.Context) {
	for ctx.Err() == nil {
		ch, err := k.rt.Events(ctx)
		if err != nil {
			time.Sleep(time.Second)
			continue
		}
		for ev := range ch {
			switch ev.Action {
			case "die", "oom", "start", "destroy", "kill":
			default:
				continue
			}
			k.mu.Lock()
			if w := k.workers[types.UID(ev.Pod.UID)]; w != nil {
				w.trigger()
			}
			k.mu.Unlock()
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// adoptOrphans removes containers whose pod no longer exists (deleted while
// the control plane was down). Containers of existing pods are left as they
// are: their workers adopt them on the first sync.
func (k *Kubelet) adoptOrphans(ctx context.Context) error {
	containers, err := k.rt.ListContainers(ctx)
	if err != nil {
		return err
	}
	objs, _, err := k.st.List(api.Pods, "", k.podSelector())
	if err != nil {
		return err
	}
	live := map[string]bool{}
	for _, o := range objs {
		live[string(o.GetUID())] = true
	}
	for _, c := range containers {
		if c.Pod.UID == "" || live[c.Pod.UID] || (c.Pod.Node != "" && c.Pod.Node != k.cfg.NodeName) {
			continue
		}
		log.Printf("kubelet: removing orphaned container %s of deleted pod %s/%s", c.Name, c.Pod.Namespace, c.Pod.Name)
		if c.State == cri.StateRunning {
			k.rt.SignalContainer(ctx, c.ID, "SIGKILL")
		}
		k.rt.RemoveContainer(ctx, c.ID)
	}
	return nil
}
