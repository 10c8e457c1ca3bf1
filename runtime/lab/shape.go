package lab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/podlab/podlab/runtime/lab/cluster"
	"github.com/podlab/podlab/runtime/labhome"
)

// A lab's shape is fixed at its first start: the nodes' Node objects, disks
// and pods all belong to it, so a later start that asked for another
// shape would strand them. The shape is recorded in the lab's home and
// every later start reuses it; asking for a different one is refused.

// requestedShape is the shape opts ask for, and how they asked (for
// messages); nil when they ask for none (`podlab up` alone).
func requestedShape(opts Options) (*cluster.Shape, string, error) {
	switch {
	case opts.ClusterFile != "" && opts.Workers != 0:
		return nil, "", fmt.Errorf("--nodes and --cluster both give the lab's shape: use one")
	case opts.ClusterFile != "":
		s, err := cluster.Load(opts.ClusterFile)
		if err != nil {
			return nil, "", err
		}
		return &s, "--cluster " + opts.ClusterFile, nil
	case opts.Workers != 0:
		if err := cluster.CheckWorkers(opts.Workers); err != nil {
			return nil, "", err
		}
		s := cluster.Default(opts.Workers)
		return &s, fmt.Sprintf("--nodes %d", opts.Workers), nil
	}
	return nil, "", nil
}

// resolveShape decides the lab's shape: the recorded one, else — for a lab
// whose state predates shapes — its one node, else the requested one or the
// default. A request that differs from an existing lab's shape is an
// error. With record, a shape not yet recorded is written down.
func resolveShape(home labhome.Home, opts Options, record bool) (cluster.Shape, error) {
	req, asked, err := requestedShape(opts)
	if err != nil {
		return cluster.Shape{}, err
	}
	existing, recorded, err := existingShape(home)
	if err != nil {
		return cluster.Shape{}, err
	}
	if existing != nil {
		if req != nil && !req.Equal(*existing) {
			where := "recorded in " + home.ClusterFile() + " at its first start"
			if !recorded {
				where = "made before labs had several nodes"
			}
			return cluster.Shape{}, fmt.Errorf("the lab in %s has %s, %s, and %s asks for %s; a lab keeps the shape it was made with: run \"podlab reset\" first to make a new lab of that shape",
				home.Dir, existing, where, asked, req)
		}
		if !recorded && record {
			return *existing, writeShape(home, *existing)
		}
		return *existing, nil
	}
	shape := cluster.Default(cluster.DefaultWorkers)
	if req != nil {
		shape = *req
	}
	if record {
		return shape, writeShape(home, shape)
	}
	return shape, nil
}

// existingShape is the shape of the lab already in home, nil for a new
// lab; recorded says it was read from the lab's record.
func existingShape(home labhome.Home) (*cluster.Shape, bool, error) {
	b, err := os.ReadFile(home.ClusterFile())
	if err == nil {
		s, err := cluster.Parse(home.ClusterFile(), b)
		if err != nil {
			return nil, false, fmt.Errorf("the lab's recorded shape is damaged (run \"podlab reset\" to start a new lab): %w", err)
		}
		return &s, true, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	// State without a recorded shape was made by a podlab of one node,
	// node-1: its Node, pods and containers stay that node's.
	if _, err := os.Stat(home.Database()); err == nil {
		s := cluster.SingleNode()
		return &s, false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	return nil, false, nil
}

// writeShape records the shape (atomically: a half-written file would
// make the lab unreadable).
func writeShape(home labhome.Home, s cluster.Shape) error {
	if err := home.Ensure(); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(home.Dir, ".cluster-*.yaml")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(s.Marshal()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(home.Dir, filepath.Base(home.ClusterFile())))
}

// Shape is the shape of the lab in home, if it has one (`podlab node`
// checks names against it without a running control plane).
func Shape(home labhome.Home) (cluster.Shape, bool, error) {
	s, _, err := existingShape(home)
	if err != nil || s == nil {
		return cluster.Shape{}, false, err
	}
	return *s, true, nil
}
