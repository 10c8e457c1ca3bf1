package engine

import (
	"context"
	"fmt"
	"log"
	"sync"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/errdefs"

	"github.com/podlab/podlab/runtime/kubelet/cri"
)

// kindNode labels a virtual node's own container.
const kindNode = "node"

// Node is the engine as one virtual node's kubelet sees it: it lists and
// follows only that node's containers, and gives the node a container of
// its own on the lab network — a pause container named after the node,
// whose address is the node's InternalIP and whose network, PID and IPC
// namespaces are the "host" namespaces of the node's pods (hostNetwork,
// hostPID, hostIPC), so such a pod sees its node, never the learner's
// machine. Pods of every node share the one lab network, a flat cluster
// network. The rest (images, exec, logs) is the lab's engine.
type Node struct {
	*Engine
	name string

	mu sync.Mutex // one creation of the node container at a time
}

var _ cri.ContainerRuntime = (*Node)(nil)

// Node returns the engine as the kubelet of node sees it.
func (e *Engine) Node(name string) *Node { return &Node{Engine: e, name: name} }

// Name is the virtual node's name.
func (n *Node) Name() string { return n.name }

// nodeContainerName names the node's container, e.g. podlab-1a2b3c4d_node_node-1.
func (e *Engine) nodeContainerName(node string) string {
	return fmt.Sprintf("podlab-%s_node_%s", e.cfg.LabID, node)
}

// EnsureNetwork creates the lab network and the node's container, and
// starts the container if it stopped.
func (n *Node) EnsureNetwork(ctx context.Context) error {
	_, err := n.container(ctx)
	return err
}

// NodeIP is the node's own address: its container's on the lab network.
func (n *Node) NodeIP(ctx context.Context) (string, error) {
	id, err := n.container(ctx)
	if err != nil {
		return "", err
	}
	c, err := n.cli.ContainerInspect(ctx, id)
	if err != nil {
		return "", err
	}
	if c.NetworkSettings != nil {
		if ep := c.NetworkSettings.Networks[n.NetworkName()]; ep != nil && ep.IPAddress != "" {
			return ep.IPAddress, nil
		}
	}
	return "", fmt.Errorf("the container of node %s has no address on the lab network %s", n.name, n.NetworkName())
}

// container returns the ID of the node's running container, creating or
// starting it as needed.
func (n *Node) container(ctx context.Context) (string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.Engine.EnsureNetwork(ctx); err != nil {
		return "", fmt.Errorf("creating the lab network: %w", err)
	}
	name := n.nodeContainerName(n.name)
	if c, err := n.cli.ContainerInspect(ctx, name); err == nil {
		if c.Config == nil || c.Config.Labels[LabelLab] != n.cfg.LabID || c.Config.Labels[LabelKind] != kindNode {
			return "", fmt.Errorf("a container named %s exists but is not node %s of lab %s", name, n.name, n.cfg.LabID)
		}
		if c.State != nil && c.State.Running {
			return c.ID, nil
		}
		if err := n.cli.ContainerStart(ctx, c.ID, container.StartOptions{}); err == nil {
			return c.ID, nil
		}
		// It cannot start again (its network went away, say): make a new one.
		n.RemoveContainer(ctx, c.ID)
	} else if !errdefs.IsNotFound(err) {
		return "", err
	}
	img := n.cfg.PauseImage
	if img == "" {
		set, err := n.imageSet(ctx)
		if err != nil {
			return "", err
		}
		img = set.Pause
	}
	created, err := n.cli.ContainerCreate(ctx, &container.Config{
		Image:    img,
		Hostname: n.name,
		Labels:   map[string]string{LabelLab: n.cfg.LabID, LabelNode: n.name, LabelKind: kindNode},
	}, &container.HostConfig{
		NetworkMode: container.NetworkMode(n.NetworkName()),
		// hostIPC pods join it.
		IpcMode: "shareable",
		// Its pause process routes the services (proxy.go) for the
		// node's hostNetwork pods.
		CapAdd: n.nodeCaps(),
	}, nil, nil, name)
	if err != nil {
		return "", fmt.Errorf("creating the container of node %s: %w", n.name, cleanEngineError(err))
	}
	if err := n.cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		n.RemoveContainer(ctx, created.ID)
		return "", fmt.Errorf("starting the container of node %s: %w", n.name, cleanEngineError(err))
	}
	if n.servicesOn() {
		// Best effort: only hostNetwork pods with dnsPolicy
		// ClusterFirstWithHostNet (or a cluster IP) need it.
		if err := n.routeServices(ctx, created.ID); err != nil {
			log.Printf("engine: routing the services of node %s: %v", n.name, err)
		}
	}
	return created.ID, nil
}

func (n *Node) nodeCaps() []string {
	if n.servicesOn() {
		return []string{"NET_ADMIN"}
	}
	return nil
}

// nodeFilter selects this lab's containers of this node.
func (n *Node) nodeFilter() filters.Args {
	f := n.labFilter()
	f.Add("label", LabelNode+"="+n.name)
	return f
}

// ListContainers returns the containers of the node's pods (not the
// node's own container).
func (n *Node) ListContainers(ctx context.Context) ([]cri.ContainerInfo, error) {
	all, err := n.list(ctx, n.nodeFilter())
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, c := range all {
		if c.Kind != kindNode {
			out = append(out, c)
		}
	}
	return out, nil
}

// RunSandbox creates and starts a pod's pause container; a pod in host
// namespaces joins the node's.
func (n *Node) RunSandbox(ctx context.Context, cfg cri.SandboxConfig) (cri.ContainerInfo, error) {
	var nodeID string
	if cfg.HostNetwork || cfg.HostPID || cfg.HostIPC {
		id, err := n.container(ctx)
		if err != nil {
			return cri.ContainerInfo{}, err
		}
		nodeID = id
	}
	return n.runSandbox(ctx, cfg, nodeID)
}

// CreateContainer creates an init or app container in its sandbox; host
// namespaces are the node's.
func (n *Node) CreateContainer(ctx context.Context, cfg cri.ContainerConfig) (string, error) {
	var nodeID string
	if cfg.HostNetwork || cfg.HostPID || cfg.HostIPC {
		id, err := n.container(ctx)
		if err != nil {
			return "", err
		}
		nodeID = id
	}
	return n.createContainer(ctx, cfg, nodeID)
}

// Events streams the lifecycle events of the node's containers.
func (n *Node) Events(ctx context.Context) (<-chan cri.ContainerEvent, error) {
	return n.events(ctx, n.nodeFilter())
}
