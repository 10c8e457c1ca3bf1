package lab

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/podlab/podlab/runtime/labhome"
)

func names(t *testing.T, home labhome.Home, opts Options, record bool) []string {
	t.Helper()
	opts.Home = home
	s, err := resolveShape(home, opts, record)
	if err != nil {
		t.Fatal(err)
	}
	return s.Names()
}

// A new lab takes the default shape or the one asked for, and records it
// only when the control plane starts (record), not when `podlab up` checks.
func TestNewLabRecordsItsShape(t *testing.T) {
	home := labhome.Home{Dir: t.TempDir()}
	if got := names(t, home, Options{Workers: 3}, false); !reflect.DeepEqual(got, []string{"control-plane", "node-1", "node-2", "node-3"}) {
		t.Fatalf("--nodes 3: %v", got)
	}
	if _, err := os.Stat(home.ClusterFile()); !os.IsNotExist(err) {
		t.Fatalf("a check recorded the shape: %v", err)
	}
	if got := names(t, home, Options{}, true); !reflect.DeepEqual(got, []string{"control-plane", "node-1", "node-2"}) {
		t.Fatalf("default: %v", got)
	}
	b, err := os.ReadFile(home.ClusterFile())
	if err != nil || !strings.Contains(string(b), "name: node-2") {
		t.Fatalf("recorded shape: %v\n%s", err, b)
	}
}

// Every later start reuses the recorded shape: asked for nothing, or for
// the same shape in another way.
func TestRecordedShapeIsReused(t *testing.T) {
	home := labhome.Home{Dir: t.TempDir()}
	names(t, home, Options{Workers: 3}, true)
	want := []string{"control-plane", "node-1", "node-2", "node-3"}
	if got := names(t, home, Options{}, true); !reflect.DeepEqual(got, want) {
		t.Fatalf("restart: %v", got)
	}
	if got := names(t, home, Options{Workers: 3}, true); !reflect.DeepEqual(got, want) {
		t.Fatalf("--nodes 3 again: %v", got)
	}
	file := filepath.Join(t.TempDir(), "same.yaml")
	os.WriteFile(file, []byte("nodes:\n- {name: control-plane, role: control-plane}\n- name: node-1\n- name: node-2\n- name: node-3\n"), 0o644)
	if got := names(t, home, Options{ClusterFile: file}, true); !reflect.DeepEqual(got, want) {
		t.Fatalf("the same shape from a file: %v", got)
	}
}

// Asking an existing lab for another shape fails and says to reset first;
// the recorded shape stays.
func TestAChangedShapeIsRefused(t *testing.T) {
	home := labhome.Home{Dir: t.TempDir()}
	names(t, home, Options{}, true)
	before, _ := os.ReadFile(home.ClusterFile())
	file := filepath.Join(t.TempDir(), "zones.yaml")
	os.WriteFile(file, []byte("nodes:\n- name: node-1\n  labels: {zone: a}\n"), 0o644)
	for _, opts := range []Options{{Workers: 4}, {ClusterFile: file}} {
		opts.Home = home
		_, err := resolveShape(home, opts, true)
		if err == nil {
			t.Fatalf("%+v accepted on a lab of another shape", opts)
		}
		for _, want := range []string{home.Dir, "3 nodes (control-plane, node-1, node-2)", home.ClusterFile(), `run "podlab reset" first`} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
	}
	if _, err := resolveShape(home, Options{Home: home, Workers: 4}, false); err == nil {
		t.Error("podlab up's check accepted a changed shape")
	}
	if after, _ := os.ReadFile(home.ClusterFile()); string(after) != string(before) {
		t.Errorf("the recorded shape changed:\n%s", after)
	}
}

// A lab made before labs had shapes — state, and no recorded shape — stays
// a lab of one node, node-1, and records that.
func TestOldSingleNodeLab(t *testing.T) {
	home := labhome.Home{Dir: t.TempDir()}
	if err := os.WriteFile(home.Database(), []byte("old state"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := resolveShape(home, Options{Home: home, Workers: 2}, false); err == nil || !strings.Contains(err.Error(), "made before labs had several nodes") {
		t.Fatalf("--nodes 2 on an old lab: %v", err)
	}
	if got := names(t, home, Options{}, true); !reflect.DeepEqual(got, []string{"node-1"}) {
		t.Fatalf("old lab: %v", got)
	}
	if s, ok, err := Shape(home); err != nil || !ok || len(s.Nodes) != 1 || s.Nodes[0].Role != "worker" {
		t.Fatalf("recorded: %v %v %v", s, ok, err)
	}
	if got := names(t, home, Options{}, true); !reflect.DeepEqual(got, []string{"node-1"}) {
		t.Fatalf("old lab, restarted: %v", got)
	}
}

func TestDamagedRecordAndBadRequests(t *testing.T) {
	home := labhome.Home{Dir: t.TempDir()}
	os.WriteFile(home.ClusterFile(), []byte("nodes: [{name: X}]\n"), 0o600)
	if _, err := resolveShape(home, Options{Home: home}, true); err == nil || !strings.Contains(err.Error(), home.ClusterFile()+":1") {
		t.Fatalf("damaged record: %v", err)
	}
	fresh := labhome.Home{Dir: t.TempDir()}
	for _, opts := range []Options{{Workers: -1}, {Workers: 2, ClusterFile: "x.yaml"}, {ClusterFile: filepath.Join(t.TempDir(), "missing.yaml")}} {
		opts.Home = fresh
		if _, err := resolveShape(fresh, opts, true); err == nil {
			t.Errorf("%+v accepted", opts)
		}
	}
	if _, err := os.Stat(fresh.ClusterFile()); !os.IsNotExist(err) {
		t.Error("a refused request recorded a shape")
	}
}
