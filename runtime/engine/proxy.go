package engine

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/strslice"
	"github.com/docker/docker/errdefs"

	"github.com/podlab/podlab/runtime/kubelet/cri"
)

// kindProxy labels the lab's service proxy container.
const kindProxy = "proxy"

// ProxyTableDir is where the proxy container sees the directory of
// Config.ProxyDir; the table is proxy.json in it.
const ProxyTableDir = "/run/podlab"

// The proxy publishes its traffic counts (`podlab-proxy --stats`) in a
// directory of its own, the one mount it may write: ProxyStatsDir of
// Config.ProxyDir, seen in the container at proxyStatsMount. The table's
// mount stays read-only.
const (
	proxyStatsMount = "/run/podlab-stats"
	// ProxyTrafficFile is the counts' file name (box.TrafficFile).
	ProxyTrafficFile = "traffic.json"
)

// ProxyStatsDir is the directory of the proxy's traffic counts under proxyDir.
func ProxyStatsDir(proxyDir string) string { return filepath.Join(proxyDir, "stats") }

// The lab's service network (see docs/services.md). The proxy is one
// container per lab on the lab network, from podlab's box image, with
// CAP_NET_ADMIN only (never privileged): it makes every address of the
// service range its own (a local route on its loopback), forwards TCP
// from a cluster IP's ports to the service's ready endpoints and answers
// DNS at the DNS address, all from the table the control plane writes in
// Config.ProxyDir. Every pod's sandbox gets one route, the service range
// via the proxy's address, set at its creation by `podlab-route` run in
// the pause container (which alone holds CAP_NET_ADMIN in the pod's network
// namespace: the pod's own containers do not get it). When the proxy is
// made again with another address, every running sandbox is routed anew.

func (e *Engine) proxyName() string { return fmt.Sprintf("podlab-%s_proxy", e.cfg.LabID) }

// servicesOn tells whether the lab has a service network to route.
func (e *Engine) servicesOn() bool { return e.cfg.ServiceCIDR != "" && e.cfg.ProxyDir != "" }

// EnsureProxy makes the lab's proxy container run and returns its address
// on the lab network.
func (e *Engine) EnsureProxy(ctx context.Context) (string, error) {
	if !e.servicesOn() {
		return "", fmt.Errorf("engine: the lab has no service network configured")
	}
	e.proxyMu.Lock()
	defer e.proxyMu.Unlock()
	if err := e.EnsureNetwork(ctx); err != nil {
		return "", fmt.Errorf("creating the lab network: %w", err)
	}
	if err := os.MkdirAll(ProxyStatsDir(e.cfg.ProxyDir), 0o755); err != nil {
		return "", err
	}
	id, err := e.proxyContainer(ctx)
	if err != nil {
		return "", err
	}
	c, err := e.cli.ContainerInspect(ctx, id)
	if err != nil {
		return "", err
	}
	ip := ""
	if c.NetworkSettings != nil {
		if ep := c.NetworkSettings.Networks[e.NetworkName()]; ep != nil {
			ip = ep.IPAddress
		}
	}
	if ip == "" {
		return "", fmt.Errorf("the lab's proxy %s has no address on %s", e.proxyName(), e.NetworkName())
	}
	if e.proxyIP != "" && e.proxyIP != ip {
		// Pods route the range through the old address: move them.
		go e.rerouteSandboxes(context.WithoutCancel(ctx), ip)
	}
	e.proxyIP = ip
	return ip, nil
}

func (e *Engine) proxyContainer(ctx context.Context) (string, error) {
	name := e.proxyName()
	if c, err := e.cli.ContainerInspect(ctx, name); err == nil {
		if c.Config == nil || c.Config.Labels[LabelLab] != e.cfg.LabID || c.Config.Labels[LabelKind] != kindProxy {
			return "", fmt.Errorf("a container named %s exists but is not lab %s's proxy", name, e.cfg.LabID)
		}
		current := c.Image == e.imageID(ctx) && writableMount(c.Mounts, proxyStatsMount)
		if c.State != nil && c.State.Running && current {
			return c.ID, nil
		}
		if c.State != nil && !c.State.Running && current {
			if err := e.cli.ContainerStart(ctx, c.ID, container.StartOptions{}); err == nil {
				return c.ID, nil
			}
		}
		// Stale (another podlab build's image, no place for its counts) or
		// unable to start: anew.
		e.RemoveContainer(ctx, c.ID)
	} else if !errdefs.IsNotFound(err) {
		return "", err
	}
	set, err := e.imageSet(ctx)
	if err != nil {
		return "", err
	}
	created, err := e.cli.ContainerCreate(ctx, &container.Config{
		Image:    set.Box,
		Hostname: "proxy",
		Entrypoint: strslice.StrSlice{"/bin/podlab-proxy", "--table", ProxyTableDir + "/proxy.json", "--cidr", e.cfg.ServiceCIDR, "--dns", e.cfg.DNSIP,
			"--stats", proxyStatsMount + "/" + ProxyTrafficFile},
		Cmd:    strslice.StrSlice{},
		Labels: map[string]string{LabelLab: e.cfg.LabID, LabelKind: kindProxy},
	}, &container.HostConfig{
		NetworkMode: container.NetworkMode(e.NetworkName()),
		CapAdd:      strslice.StrSlice{"NET_ADMIN"},
		Mounts: []mount.Mount{
			{Type: mount.TypeBind, Source: e.cfg.ProxyDir, Target: ProxyTableDir, ReadOnly: true},
			{Type: mount.TypeBind, Source: ProxyStatsDir(e.cfg.ProxyDir), Target: proxyStatsMount},
		},
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyUnlessStopped},
	}, nil, nil, name)
	if err != nil {
		return "", fmt.Errorf("creating the lab's proxy: %w", cleanEngineError(err))
	}
	if err := e.cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		e.RemoveContainer(ctx, created.ID)
		return "", fmt.Errorf("starting the lab's proxy: %w", cleanEngineError(err))
	}
	return created.ID, nil
}

// writableMount says whether mounts has a writable one at target.
func writableMount(mounts []container.MountPoint, target string) bool {
	for _, m := range mounts {
		if m.Destination == target {
			return m.RW
		}
	}
	return false
}

// imageID is the box image's ID ("" if unknown).
func (e *Engine) imageID(ctx context.Context) string {
	set, err := e.imageSet(ctx)
	if err != nil {
		return ""
	}
	img, err := e.cli.ImageInspect(ctx, set.Box)
	if err != nil {
		return ""
	}
	return img.ID
}

// routeServices routes the service range through the proxy in the network
// namespace of container id (a pod's pause container).
func (e *Engine) routeServices(ctx context.Context, id string) error {
	ip, err := e.EnsureProxy(ctx)
	if err != nil {
		return err
	}
	return e.execQuiet(ctx, id, "/bin/podlab-route", e.cfg.ServiceCIDR, "via", ip)
}

func (e *Engine) rerouteSandboxes(ctx context.Context, ip string) {
	f := e.labFilter()
	f.Add("label", LabelKind+"="+string(cri.KindSandbox))
	list, err := e.cli.ContainerList(ctx, container.ListOptions{Filters: f})
	if err != nil {
		log.Printf("engine: listing sandboxes to route the services through %s: %v", ip, err)
		return
	}
	for _, c := range list {
		if c.HostConfig.NetworkMode != e.NetworkName() {
			continue // a pod in its node's network
		}
		if err := e.execQuiet(ctx, c.ID, "/bin/podlab-route", e.cfg.ServiceCIDR, "via", ip); err != nil {
			log.Printf("engine: routing the services of %s: %v", strings.TrimPrefix(c.Names[0], "/"), err)
		}
	}
}

// execQuiet runs a command in a running container and reports its failure
// with what it printed.
func (e *Engine) execQuiet(ctx context.Context, id string, cmd ...string) error {
	var out bytes.Buffer
	code, err := e.Exec(ctx, id, cri.ExecOptions{Cmd: cmd, Stdout: &out, Stderr: &out})
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("%s: exit code %d: %s", strings.Join(cmd, " "), code, strings.TrimSpace(out.String()))
	}
	return nil
}
