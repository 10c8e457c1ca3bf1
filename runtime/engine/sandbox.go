package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/strslice"
	"github.com/docker/docker/errdefs"

	"github.com/podlab/podlab/runtime/kubelet/cri"
)

// EnsureNetwork creates the lab's bridge network once; pod IPs come from
// it. One creation at a time: Docker accepts two networks of one name.
func (e *Engine) EnsureNetwork(ctx context.Context) error {
	e.netMu.Lock()
	defer e.netMu.Unlock()
	name := e.NetworkName()
	if _, err := e.cli.NetworkInspect(ctx, name, network.InspectOptions{}); err == nil {
		return nil
	} else if !errdefs.IsNotFound(err) {
		return err
	}
	_, err := e.cli.NetworkCreate(ctx, name, network.CreateOptions{
		Driver: "bridge",
		Labels: map[string]string{LabelLab: e.cfg.LabID},
	})
	if err != nil && errdefs.IsConflict(err) {
		return nil // created concurrently
	}
	return err
}

// NodeIP is the lab network's gateway, the address of the machine on the
// lab network; a virtual node's own address is Node.NodeIP.
func (e *Engine) NodeIP(ctx context.Context) (string, error) {
	if err := e.EnsureNetwork(ctx); err != nil {
		return "", err
	}
	n, err := e.cli.NetworkInspect(ctx, e.NetworkName(), network.InspectOptions{})
	if err != nil {
		return "", err
	}
	for _, c := range n.IPAM.Config {
		if c.Gateway != "" {
			return c.Gateway, nil
		}
	}
	return "", fmt.Errorf("the lab network %s has no gateway", e.NetworkName())
}

// errNoNode refuses host namespaces outside a virtual node: the engine
// never puts a pod in the namespaces of the learner's own machine.
var errNoNode = fmt.Errorf("engine: a pod in the host's namespaces needs a virtual node (Engine.Node) to join")

// RunSandbox creates and starts a pod's pause container outside any
// virtual node's namespaces (pods in host namespaces need Node.RunSandbox).
func (e *Engine) RunSandbox(ctx context.Context, cfg cri.SandboxConfig) (cri.ContainerInfo, error) {
	return e.runSandbox(ctx, cfg, "")
}

// CreateContainer creates an init or app container in a sandbox outside
// any virtual node's namespaces.
func (e *Engine) CreateContainer(ctx context.Context, cfg cri.ContainerConfig) (string, error) {
	return e.createContainer(ctx, cfg, "")
}

// runSandbox creates and starts a pod's pause container. It owns the pod's
// network, IPC (shareable, so others can join) and UTS namespaces, and the
// PID namespace that containers join with shareProcessNamespace. A pod in
// the host's network, PID or IPC namespace joins those of its node's
// container (nodeID) instead: the "host" of a virtual node.
func (e *Engine) runSandbox(ctx context.Context, cfg cri.SandboxConfig, nodeID string) (cri.ContainerInfo, error) {
	if (cfg.HostNetwork || cfg.HostPID || cfg.HostIPC) && nodeID == "" {
		return cri.ContainerInfo{}, errNoNode
	}
	if err := e.EnsureNetwork(ctx); err != nil {
		return cri.ContainerInfo{}, fmt.Errorf("creating the lab network: %w", err)
	}
	img := e.cfg.PauseImage
	if img == "" {
		set, err := e.imageSet(ctx)
		if err != nil {
			return cri.ContainerInfo{}, err
		}
		img = set.Pause
	}
	hc := &container.HostConfig{
		NetworkMode: container.NetworkMode(e.NetworkName()),
		IpcMode:     "shareable",
		DNS:         cfg.DNSServers, DNSSearch: cfg.DNSSearches, DNSOptions: cfg.DNSOptions,
	}
	conf := &container.Config{
		Image:    img,
		Hostname: cfg.Hostname,
		Labels:   e.labels(cfg.Pod, cri.KindSandbox, "", 0, ""),
	}
	node := "container:" + nodeID
	if cfg.HostNetwork {
		// The node's network namespace, and with it its hostname: Docker
		// takes a joined network's hostname, DNS and hosts file, and
		// refuses options of its own.
		hc.NetworkMode = container.NetworkMode(node)
		conf.Hostname = ""
		hc.DNS, hc.DNSSearch, hc.DNSOptions = nil, nil, nil
	}
	if cfg.HostPID {
		hc.PidMode = container.PidMode(node)
	}
	if cfg.HostIPC {
		hc.IpcMode = container.IpcMode(node)
	}
	routed := !cfg.HostNetwork && e.servicesOn()
	if routed {
		// The pause process sets the pod's route to the services
		// (proxy.go); the pod's containers do not inherit the capability.
		hc.CapAdd = strslice.StrSlice{"NET_ADMIN"}
	}
	name := e.containerName(cfg.Pod, "POD", 0)
	// A stale sandbox of the same pod (killed control plane, dead pause) goes first.
	if old, err := e.cli.ContainerInspect(ctx, name); err == nil && old.Config != nil && old.Config.Labels[LabelLab] == e.cfg.LabID {
		e.RemoveContainer(ctx, old.ID)
	}
	created, err := e.cli.ContainerCreate(ctx, conf, hc, nil, nil, name)
	if err != nil {
		return cri.ContainerInfo{}, err
	}
	if err := e.cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		e.RemoveContainer(ctx, created.ID)
		return cri.ContainerInfo{}, err
	}
	if routed {
		if err := e.routeServices(ctx, created.ID); err != nil {
			e.RemoveContainer(ctx, created.ID)
			return cri.ContainerInfo{}, fmt.Errorf("routing the pod's services through the lab's proxy: %w", err)
		}
	}
	return e.InspectContainer(ctx, created.ID)
}

// createContainer creates an init or app container inside a sandbox; the
// host namespaces it asks for are those of its node's container (nodeID).
func (e *Engine) createContainer(ctx context.Context, cfg cri.ContainerConfig, nodeID string) (string, error) {
	if (cfg.HostNetwork || cfg.HostPID || cfg.HostIPC) && nodeID == "" {
		return "", errNoNode
	}
	join, node := "container:"+cfg.SandboxID, "container:"+nodeID
	hc := &container.HostConfig{
		NetworkMode:    container.NetworkMode(join),
		IpcMode:        container.IpcMode(join),
		Privileged:     cfg.Privileged,
		CapAdd:         strslice.StrSlice(cfg.CapAdd),
		CapDrop:        strslice.StrSlice(cfg.CapDrop),
		ReadonlyRootfs: cfg.ReadOnlyRootfs,
		Resources: container.Resources{
			Memory:    cfg.MemoryLimit,
			NanoCPUs:  cfg.NanoCPUs,
			CPUShares: cfg.CPUShares,
		},
	}
	if cfg.MemoryLimit > 0 {
		hc.Resources.MemorySwap = cfg.MemoryLimit // no swap: the limit is the limit, as on a node
	}
	if cfg.SharePID {
		hc.PidMode = container.PidMode(join)
	}
	if cfg.HostNetwork {
		hc.NetworkMode = container.NetworkMode(node)
	}
	if cfg.HostPID {
		hc.PidMode = container.PidMode(node)
	}
	if cfg.HostIPC {
		hc.IpcMode = container.IpcMode(node)
	}
	if cfg.NoNewPrivileges {
		hc.SecurityOpt = append(hc.SecurityOpt, "no-new-privileges")
	}
	for _, m := range cfg.Mounts {
		if m.Tmpfs {
			hc.Mounts = append(hc.Mounts, mount.Mount{Type: mount.TypeTmpfs, Target: m.ContainerPath, ReadOnly: m.ReadOnly})
			continue
		}
		hc.Mounts = append(hc.Mounts, mount.Mount{Type: mount.TypeBind, Source: m.HostPath, Target: m.ContainerPath, ReadOnly: m.ReadOnly})
	}
	if cfg.EtcHosts != "" {
		hc.Mounts = append(hc.Mounts, mount.Mount{Type: mount.TypeBind, Source: cfg.EtcHosts, Target: "/etc/hosts"})
	}
	if cfg.ResolvConf != "" {
		hc.Mounts = append(hc.Mounts, mount.Mount{Type: mount.TypeBind, Source: cfg.ResolvConf, Target: "/etc/resolv.conf"})
	}
	conf := &container.Config{
		Image:       cfg.Image,
		Env:         cfg.Env,
		WorkingDir:  cfg.WorkingDir,
		Tty:         cfg.TTY,
		OpenStdin:   cfg.Stdin,
		StdinOnce:   cfg.StdinOnce,
		AttachStdin: cfg.Stdin,
		User:        cfg.User,
		StopSignal:  cfg.StopSignal,
		Labels:      e.labels(cfg.Pod, cfg.Kind, cfg.Container, cfg.Attempt, cfg.SpecHash),
	}
	if cfg.Entrypoint != nil {
		conf.Entrypoint = strslice.StrSlice(cfg.Entrypoint)
		// Kubernetes: a command without args drops the image's CMD too.
		conf.Cmd = strslice.StrSlice(cfg.Cmd)
		if cfg.Cmd == nil {
			conf.Cmd = strslice.StrSlice{}
		}
	} else if cfg.Cmd != nil {
		conf.Cmd = strslice.StrSlice(cfg.Cmd)
	}
	name := e.containerName(cfg.Pod, cfg.Container, cfg.Attempt)
	if old, err := e.cli.ContainerInspect(ctx, name); err == nil && old.Config != nil && old.Config.Labels[LabelLab] == e.cfg.LabID {
		e.RemoveContainer(ctx, old.ID)
	}
	created, err := e.cli.ContainerCreate(ctx, conf, hc, nil, nil, name)
	if err != nil {
		return "", cleanEngineError(err)
	}
	return created.ID, nil
}

// cleanEngineError drops Docker's "Error response from daemon: " prefix.
func cleanEngineError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "Error response from daemon: ")
	if msg == err.Error() {
		return err
	}
	return fmt.Errorf("%s", msg)
}
