// Package engine is podlab's only door to the Docker Engine: it implements
// the kubelet's cri.ContainerRuntime with pause sandboxes, containers that
// join their namespaces, images, exec, logs and the engine's event stream.
// Each virtual node sees the engine through a Node, which gives the node a
// container of its own (its address, and the "host" namespaces of its
// pods) and lists and follows only that node's containers. It also runs the
// lab's service proxy container and routes each pod's sandbox to it
// (proxy.go; docs/services.md). Every object it
// creates carries the lab's label, and it never lists, changes or removes
// anything without it.
package engine

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"

	"github.com/podlab/podlab/runtime/images"
	"github.com/podlab/podlab/runtime/kubelet/cri"
)

// Labels podlab puts on Docker objects.
const (
	LabelLab          = "podlab.dev/lab"
	LabelPodUID       = "podlab.dev/pod-uid"
	LabelPodName      = "podlab.dev/pod-name"
	LabelPodNamespace = "podlab.dev/pod-namespace"
	LabelNode         = "podlab.dev/node"
	LabelKind         = "podlab.dev/kind"
	LabelContainer    = "podlab.dev/container"
	LabelAttempt      = "podlab.dev/attempt"
	LabelSpecHash     = "podlab.dev/spec-hash"
)

// Config configures an engine.
type Config struct {
	LabID string
	// BoxBinary is the static podlab binary the offline images are built from.
	BoxBinary string
	// PauseImage overrides the sandbox image (tests).
	PauseImage string

	// The service network (proxy.go): ServiceCIDR is the range pods route
	// through the lab's proxy, DNSIP the proxy's DNS address in it, and
	// ProxyDir the host directory the control plane writes the proxy's
	// table in. Without ServiceCIDR and ProxyDir the lab has no proxy.
	ServiceCIDR string
	DNSIP       string
	ProxyDir    string
}

// Engine is the Docker adapter.
type Engine struct {
	cfg Config
	cli *client.Client

	mu     sync.Mutex
	images images.Set
	built  bool

	netMu sync.Mutex // serialises the lab network's creation

	proxyMu sync.Mutex // one creation of the proxy at a time
	proxyIP string     // the proxy's last known address
}

var _ cri.ContainerRuntime = (*Engine)(nil)

// New connects to the engine named by the environment (DOCKER_HOST, ...),
// negotiating the API version so Engine API 1.41 and newer all work.
func New(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.LabID == "" {
		return nil, fmt.Errorf("engine: a lab id is required")
	}
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("cannot configure a Docker client: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := cli.Ping(pctx); err != nil {
		cli.Close()
		return nil, fmt.Errorf("cannot reach the Docker Engine at %s: %v — is Docker running, and may this user use it?", cli.DaemonHost(), err)
	}
	return &Engine{cfg: cfg, cli: cli}, nil
}

// Close releases the client.
func (e *Engine) Close() error { return e.cli.Close() }

// Version reports the engine's version and the negotiated API version.
func (e *Engine) Version(ctx context.Context) (string, string, error) {
	v, err := e.cli.ServerVersion(ctx)
	if err != nil {
		return "", "", err
	}
	return v.Version, e.cli.ClientVersion(), nil
}

func (e *Engine) labFilter() filters.Args {
	return filters.NewArgs(filters.Arg("label", LabelLab+"="+e.cfg.LabID))
}

// NetworkName is the lab's bridge network.
func (e *Engine) NetworkName() string { return "podlab-" + e.cfg.LabID }

// EnsureImages builds podlab's images if they are missing.
func (e *Engine) EnsureImages(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cfg.BoxBinary == "" {
		return fmt.Errorf("engine: no podlab binary to build the offline images from")
	}
	set, err := images.Ensure(ctx, e.cli, e.cfg.BoxBinary)
	if err != nil {
		return err
	}
	e.images, e.built = set, true
	return nil
}

func (e *Engine) imageSet(ctx context.Context) (images.Set, error) {
	e.mu.Lock()
	built, set := e.built, e.images
	e.mu.Unlock()
	if built {
		// Rebuild if someone removed them (podlab reset --images in another lab).
		if _, err := e.cli.ImageInspect(ctx, set.Pause); err == nil {
			return set, nil
		}
	}
	if err := e.EnsureImages(ctx); err != nil {
		return images.Set{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.images, nil
}

// StandIn names podlab's own image that stands in for ref, if any.
func (e *Engine) StandIn(ref string) (string, bool) {
	e.mu.Lock()
	set, built := e.images, e.built
	e.mu.Unlock()
	if !built {
		if s, err := images.Refs(e.cfg.BoxBinary); err == nil {
			set = s
		}
	}
	return images.StandIn(set, ref)
}

// containerName is unique and readable, in the spirit of dockershim's
// k8s_<container>_<pod>_<namespace>_<uid>_<attempt>.
func (e *Engine) containerName(pod cri.PodRef, container string, attempt int) string {
	uid := pod.UID
	if len(uid) > 8 {
		uid = uid[:8]
	}
	return fmt.Sprintf("podlab-%s_%s_%s_%s_%s_%d", e.cfg.LabID, container, pod.Name, pod.Namespace, uid, attempt)
}

func (e *Engine) labels(pod cri.PodRef, kind cri.ContainerKind, container string, attempt int, hash string) map[string]string {
	return map[string]string{
		LabelLab: e.cfg.LabID, LabelPodUID: pod.UID, LabelPodName: pod.Name, LabelPodNamespace: pod.Namespace,
		LabelNode: pod.Node, LabelKind: string(kind), LabelContainer: container,
		LabelAttempt: strconv.Itoa(attempt), LabelSpecHash: hash,
	}
}

// ListContainers returns every container of this lab.
func (e *Engine) ListContainers(ctx context.Context) ([]cri.ContainerInfo, error) {
	return e.list(ctx, e.labFilter())
}

// ListPodContainers returns the containers of one pod.
func (e *Engine) ListPodContainers(ctx context.Context, podUID string) ([]cri.ContainerInfo, error) {
	f := e.labFilter()
	f.Add("label", LabelPodUID+"="+podUID)
	return e.list(ctx, f)
}

func (e *Engine) list(ctx context.Context, f filters.Args) ([]cri.ContainerInfo, error) {
	list, err := e.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return nil, err
	}
	out := make([]cri.ContainerInfo, 0, len(list))
	for _, c := range list {
		info, err := e.InspectContainer(ctx, c.ID)
		if err != nil {
			if errdefs.IsNotFound(err) {
				continue // removed meanwhile
			}
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil
}

// InspectContainer returns one container's state.
func (e *Engine) InspectContainer(ctx context.Context, id string) (cri.ContainerInfo, error) {
	c, err := e.cli.ContainerInspect(ctx, id)
	if err != nil {
		return cri.ContainerInfo{}, err
	}
	if c.Config == nil || c.Config.Labels[LabelLab] != e.cfg.LabID {
		return cri.ContainerInfo{}, errdefs.NotFound(fmt.Errorf("container %s is not part of lab %s", id, e.cfg.LabID))
	}
	l := c.Config.Labels
	attempt, _ := strconv.Atoi(l[LabelAttempt])
	info := cri.ContainerInfo{
		ID:   c.ID,
		Name: strings.TrimPrefix(c.Name, "/"),
		Pod:  cri.PodRef{UID: l[LabelPodUID], Name: l[LabelPodName], Namespace: l[LabelPodNamespace], Node: l[LabelNode]},
		Kind: cri.ContainerKind(l[LabelKind]), Container: l[LabelContainer], Attempt: attempt, SpecHash: l[LabelSpecHash],
		Image: c.Config.Image, ImageID: c.Image,
		CreatedAt: parseTime(c.Created),
	}
	if st := c.State; st != nil {
		switch {
		case st.Running || st.Restarting:
			info.State = cri.StateRunning
		case st.Status == "created":
			info.State = cri.StateCreated
		case st.Status == "exited" || st.Status == "dead":
			info.State = cri.StateExited
		default:
			info.State = cri.StateUnknown
		}
		info.ExitCode, info.OOMKilled, info.Error, info.PID = st.ExitCode, st.OOMKilled, st.Error, st.Pid
		info.StartedAt, info.FinishedAt = parseTime(st.StartedAt), parseTime(st.FinishedAt)
	}
	if c.NetworkSettings != nil {
		if n, ok := c.NetworkSettings.Networks[e.NetworkName()]; ok && n != nil {
			info.IP = n.IPAddress
		}
	}
	return info, nil
}

// parseTime reads Docker's RFC 3339 times; Docker's zero (0001-01-01) stays zero.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}

// SignalContainer sends a signal to the container's main process; "" means
// its stop signal.
func (e *Engine) SignalContainer(ctx context.Context, id, signal string) error {
	if signal == "" {
		signal = "SIGTERM"
		if c, err := e.cli.ContainerInspect(ctx, id); err == nil && c.Config != nil && c.Config.StopSignal != "" {
			signal = c.Config.StopSignal
		}
	}
	err := e.cli.ContainerKill(ctx, id, signal)
	if err != nil && (errdefs.IsConflict(err) || strings.Contains(err.Error(), "is not running")) {
		return nil // already stopped
	}
	return err
}

// WaitStopped returns once the container no longer runs.
func (e *Engine) WaitStopped(ctx context.Context, id string) error {
	waitC, errC := e.cli.ContainerWait(ctx, id, container.WaitConditionNotRunning)
	select {
	case <-waitC:
		return nil
	case err := <-errC:
		if errdefs.IsNotFound(err) {
			return nil
		}
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// StartContainer starts a created container.
func (e *Engine) StartContainer(ctx context.Context, id string) error {
	return e.cli.ContainerStart(ctx, id, container.StartOptions{})
}

// RemoveContainer removes a container, running or not.
func (e *Engine) RemoveContainer(ctx context.Context, id string) error {
	err := e.cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && errdefs.IsNotFound(err) {
		return nil
	}
	return err
}
