package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
)

func networkListOptions(f filters.Args) network.ListOptions { return network.ListOptions{Filters: f} }
func volumeListOptions(f filters.Args) volume.ListOptions   { return volume.ListOptions{Filters: f} }

// RemoveDir removes a directory of the lab's node disk. Containers may have
// written files there as root that an unprivileged podlab cannot delete; then
// a short-lived labelled container from the box image deletes them.
func (e *Engine) RemoveDir(ctx context.Context, path string) error {
	err := os.RemoveAll(path)
	if err == nil || !errors.Is(err, os.ErrPermission) {
		return err
	}
	set, ierr := e.imageSet(ctx)
	if ierr != nil {
		return fmt.Errorf("removing %s: %w (and no image to clean it with: %v)", path, err, ierr)
	}
	parent, base := filepath.Dir(path), filepath.Base(path)
	created, cerr := e.cli.ContainerCreate(ctx, &container.Config{
		Image: set.Box, Cmd: []string{"rm", "-rf", "/parent/" + base},
		Labels: map[string]string{LabelLab: e.cfg.LabID, LabelKind: "cleanup"},
	}, &container.HostConfig{Mounts: []mount.Mount{{Type: mount.TypeBind, Source: parent, Target: "/parent"}}}, nil, nil, "")
	if cerr != nil {
		return fmt.Errorf("removing %s: %w", path, err)
	}
	defer e.RemoveContainer(context.Background(), created.ID)
	if err := e.cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		return err
	}
	if err := e.WaitStopped(ctx, created.ID); err != nil {
		return err
	}
	return os.RemoveAll(path)
}
