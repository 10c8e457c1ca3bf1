package engine

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/podlab/podlab/runtime/kubelet/cri"
)

// Each virtual node has a container of its own on the lab network: labelled
// with the lab and the node, named after the node (its hostname), with an
// address of its own; asking again finds the same one, and one that was
// stopped is started again. A node sees only its own pods' containers, and
// the lab's reset removes the nodes' containers too.
func TestNodeContainers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e := newEngine(t)
	n1, n2 := e.Node("node-1"), e.Node("node-2")
	ip1, err := n1.NodeIP(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ip2, err := n2.NodeIP(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gateway, _ := e.NodeIP(ctx)
	if ip1 == "" || ip1 == ip2 || ip1 == gateway {
		t.Fatalf("node addresses %q and %q (gateway %q): want two of their own", ip1, ip2, gateway)
	}
	c, err := e.cli.ContainerInspect(ctx, e.nodeContainerName("node-1"))
	if err != nil {
		t.Fatal(err)
	}
	if l := c.Config.Labels; l[LabelLab] != e.cfg.LabID || l[LabelNode] != "node-1" || l[LabelKind] != kindNode {
		t.Fatalf("node container labels %v", l)
	}
	if c.Config.Hostname != "node-1" || !c.State.Running {
		t.Fatalf("node container hostname %q, running %v", c.Config.Hostname, c.State.Running)
	}

	// Stopped from outside, it is started again, keeping its identity.
	if err := e.cli.ContainerStop(ctx, c.ID, container.StopOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := n1.EnsureNetwork(ctx); err != nil {
		t.Fatal(err)
	}
	again, _ := e.cli.ContainerInspect(ctx, e.nodeContainerName("node-1"))
	if again.ID != c.ID || !again.State.Running {
		t.Fatalf("after a stop: container %s running %v, want %s running", again.ID, again.State.Running, c.ID)
	}

	pod := cri.PodRef{UID: "aaaa0000bbbb1111", Name: "web", Namespace: "default", Node: "node-2"}
	if _, err := n2.RunSandbox(ctx, cri.SandboxConfig{Pod: pod, Hostname: "web"}); err != nil {
		t.Fatal(err)
	}
	on1, _ := n1.ListContainers(ctx)
	on2, _ := n2.ListContainers(ctx)
	if len(on1) != 0 || len(on2) != 1 || on2[0].Pod.UID != pod.UID {
		t.Fatalf("node-1 lists %d containers (want 0), node-2 %d (want its pod's sandbox)", len(on1), len(on2))
	}

	removed, _, _, err := e.RemoveLab(ctx)
	if err != nil || removed != 3 {
		t.Fatalf("reset removed %d containers (%v), want 2 nodes' and 1 sandbox", removed, err)
	}
}

// A pod in the host's network, PID and IPC namespaces on a virtual node is
// in that node's container's namespaces — its address is the node's, its
// hostname the node's name, its PID 1 the node's pause — never in the
// machine's. Outside a node the engine refuses such a pod.
func TestHostNamespacesAreTheNodes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e := newEngine(t)
	node := e.Node("node-1")
	nodeIP, err := node.NodeIP(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pod := cri.PodRef{UID: "cccc2222dddd3333", Name: "agent", Namespace: "default", Node: "node-1"}
	host := cri.SandboxConfig{Pod: pod, Hostname: "agent", HostNetwork: true, HostPID: true, HostIPC: true}
	if _, err := e.RunSandbox(ctx, host); err == nil {
		t.Fatal("the engine put a pod in host namespaces without a node")
	}
	sb, err := node.RunSandbox(ctx, host)
	if err != nil {
		t.Fatal(err)
	}
	id, err := node.CreateContainer(ctx, cri.ContainerConfig{Pod: pod, Kind: cri.KindApp, Container: "app", SandboxID: sb.ID,
		HostNetwork: true, HostPID: true, HostIPC: true, Image: "busybox:1.35", Entrypoint: []string{"sleep", "3600"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := node.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	code, err := node.Exec(ctx, id, cri.ExecOptions{Cmd: []string{"sh", "-c", "hostname; cat /proc/1/cmdline; echo; cat /proc/net/fib_trie"}, Stdout: &out})
	if err != nil || code != 0 {
		t.Fatalf("exec = %d, %v: %s", code, err, out.String())
	}
	lines := strings.SplitN(out.String(), "\n", 3)
	if lines[0] != "node-1" {
		t.Errorf("hostname in a hostNetwork pod = %q, want the node's name", lines[0])
	}
	if !strings.Contains(lines[1], "/pause") {
		t.Errorf("PID 1 in a hostPID pod = %q, want the node's pause", lines[1])
	}
	if !strings.Contains(out.String(), nodeIP) {
		t.Errorf("the pod's network does not hold the node's address %s:\n%s", nodeIP, out.String())
	}

	// The kernel's word for it: the app container's namespaces are the node container's.
	nodeC, _ := e.cli.ContainerInspect(ctx, e.nodeContainerName("node-1"))
	app, _ := e.InspectContainer(ctx, id)
	for _, ns := range []string{"net", "pid", "ipc"} {
		want, err1 := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", nodeC.State.Pid, ns))
		got, err2 := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", app.PID, ns))
		if err1 != nil || err2 != nil {
			t.Skipf("cannot read the namespaces of the engine's processes (%v, %v)", err1, err2)
		}
		if got != want {
			t.Errorf("%s namespace %s, want the node's %s", ns, got, want)
		}
		if self, _ := os.Readlink("/proc/self/ns/" + ns); got == self {
			t.Errorf("the pod shares this machine's %s namespace", ns)
		}
	}
}
