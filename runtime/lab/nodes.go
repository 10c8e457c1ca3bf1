package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/kubelet"
	"github.com/podlab/podlab/runtime/kubelet/cri"
	"github.com/podlab/podlab/runtime/lab/cluster"
	"github.com/podlab/podlab/runtime/streaming"
)

// nodeAgents are the kubelets of the lab's virtual nodes, one per node,
// all in the control plane's process over the one Docker engine. Each can
// be stopped and started again (`podlab node stop|start`), as a real
// kubelet dies and restarts: stopped, its lease and status go still while
// its pods' containers keep running; started, a fresh kubelet registers
// again and reconciles the node's pods as after a restart. They also serve
// the API server's pod streams (logs, exec, attach, port-forward), each
// through the kubelet of the pod's node.
type nodeAgents struct {
	order  []*nodeAgent
	byName map[string]*nodeAgent

	mu sync.Mutex
	// ctx is the control plane's: kubelets started later run under it.
	ctx context.Context
	// errc receives a kubelet's failure, which ends the control plane as
	// any component's does; a kubelet stopped on request sends nothing.
	errc chan<- error
}

// nodeAgent is one virtual node: its configuration and, while it runs,
// its kubelet.
type nodeAgent struct {
	node cluster.Node
	cfg  kubelet.Config

	mu     sync.Mutex
	k      *kubelet.Kubelet // nil while stopped
	cancel context.CancelFunc
	// done is closed when the last kubelet's Run returned: a new one
	// starts only then, so two never sync the node's pods at once.
	done chan struct{}
	ip   string
}

// newNodeAgents makes a kubelet for every node of shape from base, the
// configuration they share; runtime gives each node its view of the engine
// (engine.Engine.Node), recorder its event recorder.
func newNodeAgents(shape cluster.Shape, base kubelet.Config, runtime func(node string) cri.ContainerRuntime, recorder func(node string) kubelet.EventRecorder) (*nodeAgents, error) {
	a := &nodeAgents{byName: map[string]*nodeAgent{}, ctx: context.Background()}
	for _, n := range shape.Nodes {
		cfg := base
		cfg.NodeName = n.Name
		cfg.Runtime = runtime(n.Name)
		cfg.Recorder = recorder(n.Name)
		cfg.Labels = n.NodeLabels()
		cfg.RegisterWithTaints = n.RegisterTaints()
		cfg.Capacity = n.Capacity
		k, err := kubelet.New(cfg)
		if err != nil {
			return nil, err
		}
		// The node's own disk, there from the start (`podlab node ls`).
		if err := os.MkdirAll(cfg.Home.HostPathRoot(n.Name), 0o755); err != nil {
			return nil, err
		}
		agent := &nodeAgent{node: n, cfg: cfg, k: k}
		a.order = append(a.order, agent)
		a.byName[n.Name] = agent
	}
	return a, nil
}

// Register registers every node (creating its container) before the
// kubelets run, so the nodes are there as soon as the API serves; the
// nodes register concurrently.
func (a *nodeAgents) Register(ctx context.Context) error {
	errs := make([]error, len(a.order))
	var wg sync.WaitGroup
	for i, n := range a.order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = n.k.Register(ctx)
			if errs[i] == nil {
				n.refreshIP(ctx)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Run starts every node's kubelet; they run until ctx ends or they are
// stopped. A kubelet that fails sends its error to errc.
func (a *nodeAgents) Run(ctx context.Context, errc chan<- error) {
	a.mu.Lock()
	a.ctx, a.errc = ctx, errc
	a.mu.Unlock()
	for _, n := range a.order {
		n.mu.Lock()
		n.run(ctx, errc)
		n.mu.Unlock()
	}
}

// run starts n's kubelet under ctx; n.mu is held.
func (n *nodeAgent) run(ctx context.Context, errc chan<- error) {
	kctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	k := n.k
	n.cancel, n.done = cancel, done
	go func() {
		defer close(done)
		err := k.Run(kctx)
		if err != nil && kctx.Err() == nil {
			errc <- fmt.Errorf("kubelet of node %s: %w", n.node.Name, err)
		}
	}()
}

func (n *nodeAgent) refreshIP(ctx context.Context) {
	if ip, err := n.cfg.Runtime.NodeIP(ctx); err == nil {
		n.mu.Lock()
		n.ip = ip
		n.mu.Unlock()
	}
}

// Stop stops the kubelet of node, waiting until its workers are done or
// ctx ends; changed is false when it was stopped already.
func (a *nodeAgents) Stop(ctx context.Context, node string) (client.KubeletChange, error) {
	n, err := a.agent(node)
	if err != nil {
		return client.KubeletChange{}, err
	}
	n.mu.Lock()
	if n.k == nil {
		n.mu.Unlock()
		return client.KubeletChange{Node: n.status()}, nil
	}
	cancel, done := n.cancel, n.done
	n.k, n.cancel = nil, nil
	n.mu.Unlock()
	cancel()
	select {
	case <-done:
		log.Printf("kubelet of node %s stopped (podlab node stop); its pods' containers keep running", node)
	case <-ctx.Done():
		// It is stopping: its workers end what they were doing (a grace
		// period, say) on their own; a start waits for them.
		log.Printf("kubelet of node %s stopping (podlab node stop); its pod workers are still finishing", node)
	}
	return client.KubeletChange{Node: n.status(), Changed: true}, nil
}

// Start starts a fresh kubelet for node under the control plane's
// context, once the stopped one's workers are done; changed is false when
// one runs already.
func (a *nodeAgents) Start(ctx context.Context, node string) (client.KubeletChange, error) {
	n, err := a.agent(node)
	if err != nil {
		return client.KubeletChange{}, err
	}
	a.mu.Lock()
	runCtx, errc := a.ctx, a.errc
	a.mu.Unlock()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.k != nil {
		return client.KubeletChange{Node: n.statusLocked()}, nil
	}
	if n.done != nil {
		select {
		case <-n.done:
		case <-ctx.Done():
			return client.KubeletChange{}, ctx.Err()
		}
	}
	k, err := kubelet.New(n.cfg)
	if err != nil {
		return client.KubeletChange{}, err
	}
	n.k = k
	n.run(runCtx, errc)
	go n.refreshIP(runCtx) // its container may have been made anew
	log.Printf("kubelet of node %s started (podlab node start)", node)
	return client.KubeletChange{Node: n.statusLocked(), Changed: true}, nil
}

func (a *nodeAgents) agent(node string) (*nodeAgent, error) {
	if n, ok := a.byName[node]; ok {
		return n, nil
	}
	return nil, apierrors.NewNotFound(corev1.Resource("nodes"), node)
}

// Statuses lists the nodes in the lab's order.
func (a *nodeAgents) Statuses() []client.NodeStatus {
	out := make([]client.NodeStatus, 0, len(a.order))
	for _, n := range a.order {
		out = append(out, n.status())
	}
	return out
}

func (n *nodeAgent) status() client.NodeStatus {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.statusLocked()
}

func (n *nodeAgent) statusLocked() client.NodeStatus {
	st := client.NodeStatus{Name: n.node.Name, Role: string(n.node.Role), InternalIP: n.ip, Kubelet: client.KubeletRunning}
	if n.k == nil {
		st.Kubelet = client.KubeletStopped
	}
	return st
}

// kubeletOf is the running kubelet of pod's node, for its streams. A
// stopped kubelet answers nothing, as a dead one does: the API server's
// connection to it is refused.
func (a *nodeAgents) kubeletOf(pod *corev1.Pod) (*kubelet.Kubelet, error) {
	n, ok := a.byName[pod.Spec.NodeName]
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("pod %s is not on a node of this lab (node %q)", pod.Name, pod.Spec.NodeName))
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.k == nil {
		return nil, apierrors.NewServiceUnavailable(fmt.Sprintf(
			"the kubelet of node %s is stopped (podlab node start %s): dial tcp %s:10250: connect: connection refused",
			n.node.Name, n.node.Name, n.ip))
	}
	return n.k, nil
}

// The API server's pod streams (runtime/registry.PodIO), each served by
// the kubelet of the pod's node.

func (a *nodeAgents) Logs(ctx context.Context, pod *corev1.Pod, opts *corev1.PodLogOptions) (io.ReadCloser, error) {
	k, err := a.kubeletOf(pod)
	if err != nil {
		return nil, err
	}
	return k.Logs(ctx, pod, opts)
}

func (a *nodeAgents) CheckRunning(ctx context.Context, pod *corev1.Pod, container string) error {
	k, err := a.kubeletOf(pod)
	if err != nil {
		return err
	}
	return k.CheckRunning(ctx, pod, container)
}

func (a *nodeAgents) Exec(ctx context.Context, pod *corev1.Pod, container string, cmd []string, s streaming.Streams) error {
	k, err := a.kubeletOf(pod)
	if err != nil {
		return err
	}
	return k.Exec(ctx, pod, container, cmd, s)
}

func (a *nodeAgents) Attach(ctx context.Context, pod *corev1.Pod, container string, s streaming.Streams) error {
	k, err := a.kubeletOf(pod)
	if err != nil {
		return err
	}
	return k.Attach(ctx, pod, container, s)
}

func (a *nodeAgents) PortForward(ctx context.Context, pod *corev1.Pod, port int32, conn io.ReadWriter) error {
	k, err := a.kubeletOf(pod)
	if err != nil {
		return err
	}
	return k.PortForward(ctx, pod, port, conn)
}
