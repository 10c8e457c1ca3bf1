package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/docker/docker/client"

	"github.com/podlab/podlab/runtime/engine"
	"github.com/podlab/podlab/runtime/images"
	"github.com/podlab/podlab/runtime/labhome"
)

// Reset stops the control plane and removes every Docker object of this lab
// (containers, its network and volumes) and the lab's state. podlab's images
// are shared by all labs and stay (RemoveImages removes them). Nothing podlab
// did not label is touched.
func Reset(ctx context.Context, home labhome.Home) (ResetReport, error) {
	var rep ResetReport
	wasRunning, err := Down(ctx, home)
	if err != nil {
		return rep, err
	}
	rep.WasRunning = wasRunning
	if _, err := os.Stat(home.Dir); os.IsNotExist(err) {
		return rep, nil
	}
	labID, err := home.LabID()
	if err != nil {
		return rep, err
	}
	eng, err := engine.New(ctx, engine.Config{LabID: labID})
	if err != nil {
		return rep, err
	}
	defer eng.Close()
	rep.Containers, rep.Networks, rep.Volumes, err = eng.RemoveLab(ctx)
	if err != nil {
		return rep, fmt.Errorf("removing the lab's Docker objects: %w", err)
	}
	// The node directories may hold files containers wrote as root.
	if err := eng.RemoveDir(ctx, filepath.Join(home.Dir, "nodes")); err != nil {
		return rep, err
	}
	// The lab's credentials go too: a new lab makes a new CA.
	if err := os.RemoveAll(home.PKIDir()); err != nil {
		return rep, err
	}
	for _, name := range []string{"state.db", "lab-id", "server.log", "server.lock", "podlab.sock", "server.pid", "kubeconfig", "api-address", "cluster.yaml"} {
		if err := os.Remove(filepath.Join(home.Dir, name)); err != nil && !os.IsNotExist(err) {
			return rep, err
		}
	}
	rep.StateRemoved = true
	return rep, nil
}

// RemoveImages removes podlab's own images that no container uses
// (`podlab reset --images`); images another lab still runs stay.
func RemoveImages(ctx context.Context) (int, error) {
	dc, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return 0, err
	}
	defer dc.Close()
	return images.Remove(ctx, dc)
}
