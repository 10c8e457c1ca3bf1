package kubelet

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/util/flowcontrol"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/kubelet/cri"
	"github.com/podlab/podlab/runtime/kubelet/prober"
	"github.com/podlab/podlab/runtime/kubelet/prober/results"
	"github.com/podlab/podlab/runtime/labclock"
	"github.com/podlab/podlab/runtime/labhome"
)

// EventRecorder records events about objects (runtime/events.Recorder implements it).
type EventRecorder interface {
	Event(obj api.Object, fieldPath, eventType, reason, message string)
}

// Config wires a kubelet.
type Config struct {
	NodeName string
	// Client is the kubelet's only road to the cluster's state.
	Client          kubernetes.Interface
	Runtime         cri.ContainerRuntime
	Recorder        EventRecorder
	Home            labhome.Home
	AllowPrivileged bool
	AllowHostPaths  bool
	Version         string
	// RuntimeVersion is the node's containerRuntimeVersion, e.g. "docker://20.10.24".
	RuntimeVersion string

	// Labels are added to the kubelet's own when it creates its Node
	// (upstream's --node-labels); a Node that exists keeps its labels.
	Labels map[string]string
	// RegisterWithTaints are the Node's taints when the kubelet creates it
	// (upstream's --register-with-taints); later the taints are the API's.
	RegisterWithTaints []corev1.Taint
	// Capacity sets the node's cpu, memory and pods; what it leaves out is
	// the machine's own, and pods 110 (the kubelet's --max-pods default).
	Capacity corev1.ResourceList

	// ClusterDNS and ClusterDomain are upstream's --cluster-dns and
	// --cluster-domain: the resolv.conf of ClusterFirst pods. Without
	// ClusterDNS pods get the engine's resolver.
	ClusterDNS    []string
	ClusterDomain string
}

// Upstream kubelet timings (pkg/kubelet), all scaled by labclock: crash-loop
// backoff starts at 10 s and doubles up to 5 min, the same for image pull
// backoff; pods are resynced periodically besides reacting to events.
const (
	backoffInitial = 10 * time.Second
	backoffMax     = 300 * time.Second
	resyncPeriod   = 10 * time.Second
	// minimumGracePeriod is the kubelet's floor when a pod is force-deleted.
	minimumGracePeriod = 2
)

// Kubelet is the node agent of one virtual node.
type Kubelet struct {
	cfg    Config
	rt     cri.ContainerRuntime
	client kubernetes.Interface
	rec    EventRecorder

	backoff      *flowcontrol.Backoff
	imageBackoff *flowcontrol.Backoff

	probes *prober.Manager
	node   nodeStatusState

	mu      sync.Mutex
	workers map[types.UID]*podWorker
	// finished are pods this kubelet terminated and deleted: a late update
	// of them must not start a new worker before their deletion arrives.
	finished   map[types.UID]bool
	pods       corelisters.PodLister // set once the pod informer synced
	running    sync.WaitGroup        // the pod workers
	stopping   bool
	nodeIP     string
	registered bool
	ctx        context.Context
}

// New returns a kubelet for cfg.NodeName.
func New(cfg Config) (*Kubelet, error) {
	if cfg.NodeName == "" || cfg.Client == nil || cfg.Runtime == nil || cfg.Recorder == nil {
		return nil, fmt.Errorf("kubelet: node name, client, runtime and recorder are required")
	}
	k := &Kubelet{
		cfg: cfg, rt: cfg.Runtime, client: cfg.Client, rec: cfg.Recorder,
		backoff:      flowcontrol.NewBackOff(labclock.Scaled(backoffInitial), labclock.Scaled(backoffMax)),
		imageBackoff: flowcontrol.NewBackOff(labclock.Scaled(backoffInitial), labclock.Scaled(backoffMax)),
		workers:      map[types.UID]*podWorker{},
		finished:     map[types.UID]bool{},
		ctx:          context.Background(),
	}
	k.probes = prober.NewManager(cfg.Runtime, prober.Hooks{
		Event: func(pod *corev1.Pod, fieldPath, eventType, reason, message string) {
			k.rec.Event(pod, fieldPath, eventType, reason, message)
		},
	})
	return k, nil
}

// Register prepares the node's network and registers its Node object; the
// control plane may call it before Run so that the node is there from the
// start. An engine failure is returned at once; the API is retried with
// backoff until ctx ends, as upstream's registerWithAPIServer does.
func (k *Kubelet) Register(ctx context.Context) error {
	k.rec.Event(k.nodeRef(), "", corev1.EventTypeNormal, "Starting", "Starting kubelet.")
	if err := k.rt.EnsureNetwork(ctx); err != nil {
		return fmt.Errorf("kubelet: %w", err)
	}
	if ip, err := k.rt.NodeIP(ctx); err == nil {
		k.nodeIP = ip
	}
	if err := k.registerWithAPIServer(ctx); err != nil {
		return fmt.Errorf("kubelet: registering node %s: %w", k.cfg.NodeName, err)
	}
	// The node's allocatable is its capacity, enforced as soon as it is
	// registered (upstream's container manager records this once).
	k.rec.Event(k.nodeRef(), "", corev1.EventTypeNormal, "NodeAllocatableEnforced", "Updated Node Allocatable limit across pods")
	k.registered = true
	return nil
}

// Run runs the node agent until ctx ends. Pods keep running when it stops;
// Run returns once its pod and probe workers are done, so that another
// kubelet may take over the node (a control-plane restart).
func (k *Kubelet) Run(ctx context.Context) error {
	k.ctx = ctx
	defer func() {
		k.mu.Lock()
		k.stopping = true // no worker starts from here on
		k.mu.Unlock()
		k.probes.Stop()
		k.running.Wait()
	}()
	if !k.registered {
		if err := k.Register(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
	go func() {
		if err := k.rt.EnsureImages(ctx); err != nil {
			log.Printf("kubelet: building podlab's images: %v", err)
		}
	}()
	go k.relayProbeResults(ctx)
	go k.runNodeStatus(ctx)
	go k.runNodeLease(ctx)
	if err := k.startPodInformer(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	if err := k.adoptOrphans(ctx); err != nil {
		log.Printf("kubelet: adopting containers: %v", err)
	}
	go k.watchEngine(ctx)
	k.resyncLoop(ctx)
	return nil
}

// relayProbeResults turns the probe workers' published results into pod
// syncs, as upstream's syncLoopIteration does: a liveness failure, and any
// change of readiness or startup, wakes the pod's worker, which decides.
func (k *Kubelet) relayProbeResults(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case u := <-k.probes.Liveness.Updates():
			if u.Result == results.Failure { // a Success needs no action
				k.triggerPod(u.PodUID)
			}
		case u := <-k.probes.Readiness.Updates():
			k.triggerPod(u.PodUID)
		case u := <-k.probes.Startup.Updates():
			k.triggerPod(u.PodUID)
		}
	}
}

// triggerPod asks the pod's worker for a sync.
func (k *Kubelet) triggerPod(uid types.UID) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if w := k.workers[uid]; w != nil {
		w.trigger()
	}
}

// watchEngine turns the engine's container events into pod syncs, so a
// container killed from outside is noticed at once.
func (k *Kubelet) watchEngine(ctx context.Context) {
	for ctx.Err() == nil {
		ch, err := k.rt.Events(ctx)
		if err != nil {
			labclock.Sleep(ctx, time.Second)
			continue
		}
		for ev := range ch {
			switch ev.Action {
			case "die", "oom", "start", "destroy", "kill":
			default:
				continue
			}
			k.triggerPod(types.UID(ev.Pod.UID))
		}
		labclock.Sleep(ctx, time.Second) // the stream broke: resubscribe
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
	live := map[string]bool{}
	for _, p := range k.cachedPods() {
		live[string(p.UID)] = true
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
