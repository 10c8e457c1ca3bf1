package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/podlab/podlab/internal/testenv"
	"github.com/podlab/podlab/runtime/kubelet/cri"
)

func newEngine(t *testing.T) *Engine {
	t.Helper()
	testenv.Docker(t)
	b := make([]byte, 4)
	rand.Read(b)
	e, err := New(context.Background(), Config{LabID: hex.EncodeToString(b), BoxBinary: testenv.PodlabBinary(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.RemoveLab(context.Background()); e.Close() })
	return e
}

// Two labs never see or remove each other's containers, and every
// container joins its sandbox's network, IPC and UTS namespaces.
func TestLabsAreIsolatedAndContainersJoinTheSandbox(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, b := newEngine(t), newEngine(t)
	pod := cri.PodRef{UID: "0123456789abcdef", Name: "demo", Namespace: "default", Node: "node-1"}
	sb, err := a.RunSandbox(ctx, cri.SandboxConfig{Pod: pod, Hostname: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	if sb.IP == "" || sb.Kind != cri.KindSandbox || sb.Pod != pod {
		t.Fatalf("sandbox info = %+v", sb)
	}
	id, err := a.CreateContainer(ctx, cri.ContainerConfig{Pod: pod, Kind: cri.KindApp, Container: "app", SandboxID: sb.ID, SharePID: true,
		Image: "busybox:1.35", Entrypoint: []string{"sleep", "3600"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	code, err := a.Exec(ctx, id, cri.ExecOptions{Cmd: []string{"sh", "-c", "hostname; ps -o pid,args | head -3"}, Stdout: &out})
	if err != nil || code != 0 {
		t.Fatalf("exec = %d, %v", code, err)
	}
	if !strings.HasPrefix(out.String(), "demo\n") || !strings.Contains(out.String(), "1 /pause") {
		t.Fatalf("hostname and PID 1 from inside the app container:\n%s", out.String())
	}
	listA, _ := a.ListContainers(ctx)
	listB, _ := b.ListContainers(ctx)
	if len(listA) != 2 || len(listB) != 0 {
		t.Fatalf("lab A sees %d containers (want 2), lab B sees %d (want 0)", len(listA), len(listB))
	}
	if n, _, _, err := b.RemoveLab(ctx); err != nil || n != 0 {
		t.Fatalf("lab B's reset removed %d containers (%v)", n, err)
	}
	if info, err := a.InspectContainer(ctx, id); err != nil || info.State != cri.StateRunning {
		t.Fatalf("lab A's container after lab B's reset: %+v %v", info, err)
	}
	if _, err := b.InspectContainer(ctx, id); err == nil {
		t.Fatal("lab B can inspect lab A's container")
	}
}

// Exit codes of SIGTERM and SIGKILL are what the kubelet reports (143, 137).
// The pod shares its PID namespace, so sleep is not PID 1 (which would
// ignore SIGTERM, as it does in a real pod without shareProcessNamespace).
func TestSignalsGiveKubernetesExitCodes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e := newEngine(t)
	pod := cri.PodRef{UID: "fedcba9876543210", Name: "sig", Namespace: "default", Node: "node-1"}
	sb, err := e.RunSandbox(ctx, cri.SandboxConfig{Pod: pod, Hostname: "sig"})
	if err != nil {
		t.Fatal(err)
	}
	for i, sig := range map[string]int{"SIGTERM": 143, "SIGKILL": 137} {
		id, err := e.CreateContainer(ctx, cri.ContainerConfig{Pod: pod, Kind: cri.KindApp, Container: strings.ToLower(i), SandboxID: sb.ID, SharePID: true,
			Image: "busybox:1.35", Entrypoint: []string{"sleep", "3600"}})
		if err != nil {
			t.Fatal(err)
		}
		e.StartContainer(ctx, id)
		if err := e.SignalContainer(ctx, id, i); err != nil {
			t.Fatal(err)
		}
		if err := e.WaitStopped(ctx, id); err != nil {
			t.Fatal(err)
		}
		info, _ := e.InspectContainer(ctx, id)
		if info.State != cri.StateExited || info.ExitCode != sig {
			t.Fatalf("%s: state %s exit %d, want exited %d", i, info.State, info.ExitCode, sig)
		}
	}
}
