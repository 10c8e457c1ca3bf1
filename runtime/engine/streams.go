package engine

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/errdefs"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/podlab/podlab/runtime/images"
	"github.com/podlab/podlab/runtime/kubelet/cri"
)

// ImageStatus reports whether ref is on the machine.
func (e *Engine) ImageStatus(ctx context.Context, ref string) (bool, string, int64, error) {
	info, err := e.cli.ImageInspect(ctx, ref)
	if err != nil {
		if errdefs.IsNotFound(err) {
			return false, "", 0, nil
		}
		return false, "", 0, err
	}
	return true, info.ID, info.Size, nil
}

// PullImage pulls ref; failures arrive inside the progress stream too.
func (e *Engine) PullImage(ctx context.Context, ref string) error {
	rc, err := e.cli.ImagePull(ctx, ref, image.PullOptions{})
	if err != nil {
		return cleanEngineError(err)
	}
	defer rc.Close()
	return images.StreamError(rc)
}

// Exec runs a command in a running container.
func (e *Engine) Exec(ctx context.Context, id string, opts cri.ExecOptions) (int, error) {
	created, err := e.cli.ContainerExecCreate(ctx, id, container.ExecOptions{
		Cmd: opts.Cmd, Tty: opts.TTY, Env: opts.Env,
		AttachStdin: opts.Stdin != nil, AttachStdout: true, AttachStderr: true,
	})
	if err != nil {
		return -1, cleanEngineError(err)
	}
	att, err := e.cli.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{Tty: opts.TTY})
	if err != nil {
		return -1, cleanEngineError(err)
	}
	defer att.Close()
	if opts.Stdin != nil {
		go func() {
			io.Copy(att.Conn, opts.Stdin)
			att.CloseWrite()
		}()
	}
	if opts.Resize != nil && opts.TTY {
		go func() {
			for sz := range opts.Resize {
				e.cli.ContainerExecResize(context.Background(), created.ID, container.ResizeOptions{Height: uint(sz.Height), Width: uint(sz.Width)})
			}
		}()
	}
	stdout, stderr := opts.Stdout, opts.Stderr
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	done := make(chan error, 1)
	go func() {
		if opts.TTY {
			_, err := io.Copy(stdout, att.Reader)
			done <- err
			return
		}
		_, err := stdcopy.StdCopy(stdout, stderr, att.Reader)
		done <- err
	}()
	select {
	case <-done:
	case <-ctx.Done():
		return -1, ctx.Err()
	}
	for i := 0; i < 50; i++ {
		insp, err := e.cli.ContainerExecInspect(ctx, created.ID)
		if err != nil {
			return -1, err
		}
		if !insp.Running {
			return insp.ExitCode, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return -1, fmt.Errorf("exec did not report an exit code")
}

// Attach connects to a running container's main process.
func (e *Engine) Attach(ctx context.Context, id string, opts cri.ExecOptions) error {
	info, err := e.cli.ContainerInspect(ctx, id)
	if err != nil {
		return err
	}
	tty := info.Config != nil && info.Config.Tty
	att, err := e.cli.ContainerAttach(ctx, id, container.AttachOptions{Stream: true, Stdin: opts.Stdin != nil, Stdout: true, Stderr: true})
	if err != nil {
		return cleanEngineError(err)
	}
	defer att.Close()
	if opts.Stdin != nil {
		go func() {
			io.Copy(att.Conn, opts.Stdin)
			att.CloseWrite()
		}()
	}
	if opts.Resize != nil && tty {
		go func() {
			for sz := range opts.Resize {
				e.cli.ContainerResize(context.Background(), id, container.ResizeOptions{Height: uint(sz.Height), Width: uint(sz.Width)})
			}
		}()
	}
	stdout, stderr := opts.Stdout, opts.Stderr
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	done := make(chan error, 1)
	go func() {
		if tty {
			_, err := io.Copy(stdout, att.Reader)
			done <- err
			return
		}
		_, err := stdcopy.StdCopy(stdout, stderr, att.Reader)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Logs streams a container's output, demultiplexed for non-TTY containers.
func (e *Engine) Logs(ctx context.Context, id string, opts cri.LogOptions) (io.ReadCloser, error) {
	lo := container.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: opts.Follow, Timestamps: opts.Timestamps, Tail: "all"}
	if opts.TailLines >= 0 {
		lo.Tail = strconv.FormatInt(opts.TailLines, 10)
	}
	if !opts.Since.IsZero() {
		lo.Since = strconv.FormatInt(opts.Since.Unix(), 10)
	}
	info, err := e.cli.ContainerInspect(ctx, id)
	if err != nil {
		return nil, err
	}
	rc, err := e.cli.ContainerLogs(ctx, id, lo)
	if err != nil {
		return nil, cleanEngineError(err)
	}
	if info.Config != nil && info.Config.Tty {
		return rc, nil
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := stdcopy.StdCopy(pw, pw, rc)
		rc.Close()
		pw.CloseWithError(err)
	}()
	return pr, nil
}

// Events streams this lab's container lifecycle events.
func (e *Engine) Events(ctx context.Context) (<-chan cri.ContainerEvent, error) {
	return e.events(ctx, e.labFilter())
}

// events streams the lifecycle events of the containers f selects.
func (e *Engine) events(ctx context.Context, f filters.Args) (<-chan cri.ContainerEvent, error) {
	f.Add("type", string(events.ContainerEventType))
	msgs, errs := e.cli.Events(ctx, events.ListOptions{Filters: f})
	out := make(chan cri.ContainerEvent, 64)
	go func() {
		defer close(out)
		for {
			select {
			case <-ctx.Done():
				return
			case <-errs:
				return
			case m := <-msgs:
				l := m.Actor.Attributes
				ev := cri.ContainerEvent{
					ContainerID: m.Actor.ID,
					Pod:         cri.PodRef{UID: l[LabelPodUID], Name: l[LabelPodName], Namespace: l[LabelPodNamespace], Node: l[LabelNode]},
					Kind:        cri.ContainerKind(l[LabelKind]),
					Container:   l[LabelContainer],
					Action:      string(m.Action),
					Time:        time.Unix(0, m.TimeNano),
				}
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

// RemoveLab removes every container, network and volume of this lab: the
// pods' containers first, then the nodes' containers whose namespaces
// pods in host namespaces joined.
func (e *Engine) RemoveLab(ctx context.Context) (containers, networks, volumes int, err error) {
	list, err := e.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: e.labFilter()})
	if err != nil {
		return 0, 0, 0, err
	}
	sort.SliceStable(list, func(i, j int) bool {
		return list[i].Labels[LabelKind] != kindNode && list[j].Labels[LabelKind] == kindNode
	})
	for _, c := range list {
		if err := e.RemoveContainer(ctx, c.ID); err != nil {
			return containers, 0, 0, err
		}
		containers++
	}
	nets, err := e.cli.NetworkList(ctx, networkListOptions(e.labFilter()))
	if err != nil {
		return containers, 0, 0, err
	}
	for _, n := range nets {
		if err := e.cli.NetworkRemove(ctx, n.ID); err != nil && !errdefs.IsNotFound(err) {
			return containers, networks, 0, err
		}
		networks++
	}
	vols, err := e.cli.VolumeList(ctx, volumeListOptions(e.labFilter()))
	if err != nil {
		return containers, networks, 0, err
	}
	for _, v := range vols.Volumes {
		if err := e.cli.VolumeRemove(ctx, v.Name, true); err != nil && !errdefs.IsNotFound(err) {
			return containers, networks, volumes, err
		}
		volumes++
	}
	return containers, networks, volumes, nil
}
