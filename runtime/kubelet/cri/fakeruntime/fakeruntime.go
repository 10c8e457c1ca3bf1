// Package fakeruntime is an in-memory cri.ContainerRuntime for the kubelet's
// tests: containers are records that start, stop on a signal and exit when
// a test says so, with the engine's events, so the kubelet's logic runs
// without Docker. Exec, logs and attach are scriptable.
package fakeruntime

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/podlab/podlab/runtime/kubelet/cri"
)

// Runtime is the fake engine. The zero value is not usable; call New.
type Runtime struct {
	// ExecFunc answers Exec (probes, hooks, kubectl exec); nil runs every
	// command successfully with no output.
	ExecFunc func(c cri.ContainerInfo, opts cri.ExecOptions) (int, error)

	mu         sync.Mutex
	seq        int
	containers map[string]*entry
	ignoreStop map[string]bool // container names whose process ignores the stop signal
	subs       map[chan cri.ContainerEvent]struct{}
	ops        []string
	lists      int
}

type entry struct {
	info    cri.ContainerInfo
	cfg     cri.ContainerConfig
	logs    []logLine
	stopped chan struct{} // closed once the container is not running
}

type logLine struct {
	at   time.Time
	text string
}

// New returns an empty fake engine.
func New() *Runtime {
	return &Runtime{containers: map[string]*entry{}, ignoreStop: map[string]bool{}, subs: map[chan cri.ContainerEvent]struct{}{}}
}

var _ cri.ContainerRuntime = (*Runtime)(nil)

// IgnoreStop makes the main process of every container named name ignore
// its stop signal, so only SIGKILL (the end of a grace period) stops it.
func (r *Runtime) IgnoreStop(name string) {
	r.mu.Lock()
	r.ignoreStop[name] = true
	r.mu.Unlock()
}

// Exit ends a running container's main process with code, as a crash or a
// finished command does.
func (r *Runtime) Exit(id string, code int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.containers[id]; e != nil && e.info.State == cri.StateRunning {
		r.exitLocked(e, code)
	}
}

// WriteLog appends a line to a container's log.
func (r *Runtime) WriteLog(id, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.containers[id]; e != nil {
		e.logs = append(e.logs, logLine{at: time.Now(), text: text})
	}
}

// Ops lists the lifecycle operations the kubelet asked for, in order
// ("start app", "signal app SIGKILL", "remove app", ...).
func (r *Runtime) Ops() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ops...)
}

// Config returns the configuration a container was created with.
func (r *Runtime) Config(id string) cri.ContainerConfig {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.containers[id]; e != nil {
		return e.cfg
	}
	return cri.ContainerConfig{}
}

func (r *Runtime) opLocked(format string, args ...any) {
	r.ops = append(r.ops, fmt.Sprintf(format, args...))
}

func (r *Runtime) exitLocked(e *entry, code int) {
	e.info.State, e.info.ExitCode, e.info.FinishedAt = cri.StateExited, code, time.Now()
	close(e.stopped)
	r.emitLocked(e, "die")
}

func (r *Runtime) emitLocked(e *entry, action string) {
	ev := cri.ContainerEvent{ContainerID: e.info.ID, Pod: e.info.Pod, Kind: e.info.Kind, Container: e.info.Container, Action: action, Time: time.Now()}
	for ch := range r.subs {
		select {
		case ch <- ev:
		default: // a slow subscriber misses events, as with a broken engine stream
		}
	}
}

func (r *Runtime) newLocked(info cri.ContainerInfo, cfg cri.ContainerConfig) *entry {
	r.seq++
	info.ID = fmt.Sprintf("c%04d", r.seq)
	info.Name = fmt.Sprintf("%s_%s_%s_%d", info.Container, info.Pod.Name, info.Pod.Namespace, info.Attempt)
	if info.Kind == cri.KindSandbox {
		info.Name = "pause_" + info.Pod.Name
	}
	info.CreatedAt = time.Now()
	e := &entry{info: info, cfg: cfg, stopped: make(chan struct{})}
	r.containers[info.ID] = e
	r.emitLocked(e, "create")
	return e
}

func (r *Runtime) EnsureNetwork(context.Context) error { return nil }
func (r *Runtime) EnsureImages(context.Context) error  { return nil }

func (r *Runtime) ListContainers(context.Context) ([]cri.ContainerInfo, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]cri.ContainerInfo, 0, len(r.containers))
	for _, e := range r.containers {
		out = append(out, e.info)
	}
	return out, nil
}

// PodLists counts ListPodContainers calls: every pod sync makes some.
func (r *Runtime) PodLists() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lists
}

func (r *Runtime) ListPodContainers(ctx context.Context, podUID string) ([]cri.ContainerInfo, error) {
	r.mu.Lock()
	r.lists++
	r.mu.Unlock()
	all, _ := r.ListContainers(ctx)
	var out []cri.ContainerInfo
	for _, c := range all {
		if c.Pod.UID == podUID {
			out = append(out, c)
		}
	}
	return out, nil
}

func (r *Runtime) NodeIP(context.Context) (string, error) { return "10.88.0.1", nil }

func (r *Runtime) InspectContainer(_ context.Context, id string) (cri.ContainerInfo, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.containers[id]; e != nil {
		return e.info, nil
	}
	return cri.ContainerInfo{}, fmt.Errorf("no such container: %s", id)
}

func (r *Runtime) RunSandbox(_ context.Context, cfg cri.SandboxConfig) (cri.ContainerInfo, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.newLocked(cri.ContainerInfo{Pod: cfg.Pod, Kind: cri.KindSandbox, Image: "podlab/pause"}, cri.ContainerConfig{Pod: cfg.Pod, HostNetwork: cfg.HostNetwork, HostPID: cfg.HostPID, HostIPC: cfg.HostIPC})
	e.info.State, e.info.StartedAt = cri.StateRunning, time.Now()
	e.info.IP = fmt.Sprintf("10.88.%d.%d", r.seq/250, 2+r.seq%250)
	r.opLocked("sandbox %s", cfg.Pod.Name)
	r.emitLocked(e, "start")
	return e.info, nil
}

func (r *Runtime) CreateContainer(_ context.Context, cfg cri.ContainerConfig) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.newLocked(cri.ContainerInfo{Pod: cfg.Pod, Kind: cfg.Kind, Container: cfg.Container, Attempt: cfg.Attempt, SpecHash: cfg.SpecHash, Image: cfg.Image, ImageID: "sha256:fake"}, cfg)
	e.info.State = cri.StateCreated
	r.opLocked("create %s", cfg.Container)
	return e.info.ID, nil
}

func (r *Runtime) StartContainer(_ context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.containers[id]
	if e == nil {
		return fmt.Errorf("no such container: %s", id)
	}
	e.info.State, e.info.StartedAt = cri.StateRunning, time.Now()
	r.opLocked("start %s", e.info.Container)
	r.emitLocked(e, "start")
	return nil
}

func (r *Runtime) SignalContainer(_ context.Context, id, signal string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.containers[id]
	if e == nil {
		return fmt.Errorf("no such container: %s", id)
	}
	name := e.info.Container
	if e.info.Kind == cri.KindSandbox {
		name = "pause"
	}
	r.opLocked("signal %s %s", name, signal)
	if e.info.State != cri.StateRunning {
		return fmt.Errorf("container %s is not running", id)
	}
	r.emitLocked(e, "kill")
	switch {
	case signal == "SIGKILL":
		r.exitLocked(e, 137)
	case !r.ignoreStop[e.info.Container] || e.info.Kind == cri.KindSandbox:
		r.exitLocked(e, 143)
	}
	return nil
}

func (r *Runtime) WaitStopped(ctx context.Context, id string) error {
	r.mu.Lock()
	e := r.containers[id]
	r.mu.Unlock()
	if e == nil {
		return nil
	}
	select {
	case <-e.stopped:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Runtime) RemoveContainer(_ context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.containers[id]
	if e == nil {
		return nil
	}
	if e.info.State == cri.StateRunning {
		r.exitLocked(e, 137)
	}
	delete(r.containers, id)
	name := e.info.Container
	if e.info.Kind == cri.KindSandbox {
		name = "pause"
	}
	r.opLocked("remove %s", name)
	r.emitLocked(e, "destroy")
	return nil
}

func (r *Runtime) ImageStatus(context.Context, string) (bool, string, int64, error) {
	return true, "sha256:fake", 1 << 20, nil
}
func (r *Runtime) PullImage(context.Context, string) error { return nil }
func (r *Runtime) StandIn(string) (string, bool)           { return "", false }

func (r *Runtime) Exec(_ context.Context, id string, opts cri.ExecOptions) (int, error) {
	info, err := r.InspectContainer(context.Background(), id)
	if err != nil {
		return -1, err
	}
	if info.State != cri.StateRunning {
		return -1, fmt.Errorf("container %s is not running", id)
	}
	if r.ExecFunc == nil {
		return 0, nil
	}
	return r.ExecFunc(info, opts)
}

// Attach echoes stdin to stdout until stdin ends, the container stops or ctx ends.
func (r *Runtime) Attach(ctx context.Context, id string, opts cri.ExecOptions) error {
	r.mu.Lock()
	e := r.containers[id]
	r.mu.Unlock()
	if e == nil || e.info.State != cri.StateRunning {
		return fmt.Errorf("container %s is not running", id)
	}
	done := make(chan error, 1)
	go func() {
		if opts.Stdin == nil || opts.Stdout == nil {
			done <- nil
			return
		}
		_, err := io.Copy(opts.Stdout, opts.Stdin)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-e.stopped:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Runtime) Logs(_ context.Context, id string, opts cri.LogOptions) (io.ReadCloser, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.containers[id]
	if e == nil {
		return nil, fmt.Errorf("no such container: %s", id)
	}
	var lines []string
	for _, l := range e.logs {
		if !opts.Since.IsZero() && l.at.Before(opts.Since) {
			continue
		}
		text := l.text
		if opts.Timestamps {
			text = l.at.UTC().Format(time.RFC3339Nano) + " " + text
		}
		lines = append(lines, text)
	}
	if opts.TailLines >= 0 && int64(len(lines)) > opts.TailLines {
		lines = lines[int64(len(lines))-opts.TailLines:]
	}
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	return io.NopCloser(&b), nil
}

func (r *Runtime) Events(ctx context.Context) (<-chan cri.ContainerEvent, error) {
	ch := make(chan cri.ContainerEvent, 256)
	r.mu.Lock()
	r.subs[ch] = struct{}{}
	r.mu.Unlock()
	out := make(chan cri.ContainerEvent)
	go func() {
		defer close(out)
		defer func() { r.mu.Lock(); delete(r.subs, ch); r.mu.Unlock() }()
		for {
			select {
			case ev := <-ch:
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

func (r *Runtime) RemoveDir(_ context.Context, path string) error { return os.RemoveAll(path) }

// Lines splits a log into its lines (a test helper).
func Lines(rc io.Reader) []string {
	var out []string
	sc := bufio.NewScanner(rc)
	for sc.Scan() {
		out = append(out, strings.TrimRight(sc.Text(), "\r"))
	}
	return out
}
