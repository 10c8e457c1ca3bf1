package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	coordinationv1 "k8s.io/api/coordination/v1"
)

// nodeContainers maps each node of the lab to its Docker container.
func (l *lab) nodeContainers() map[string]container.Summary {
	l.t.Helper()
	list, err := l.docker.ContainerList(context.Background(), container.ListOptions{All: true, Filters: filters.NewArgs(
		filters.Arg("label", "podlab.dev/lab="+l.labID()), filters.Arg("label", "podlab.dev/kind=node"))})
	if err != nil {
		l.t.Fatal(err)
	}
	out := map[string]container.Summary{}
	for _, c := range list {
		out[c.Labels["podlab.dev/node"]] = c
	}
	return out
}

// pinned is a pod that the scheduler must put on node (nodeSelector on
// kubernetes.io/hostname).
func pinned(name, node, command string) string {
	return `
apiVersion: v1
kind: Pod
metadata: {name: ` + name + `}
spec:
  nodeSelector: {kubernetes.io/hostname: ` + node + `}
  containers:
  - name: app
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "` + command + `"]
`
}

// A default lab's nodes, one lab for every subtest (each works on pods
// of its own), in order.
func TestDefaultLabNodes(t *testing.T) {
	l := newLab(t)
	t.Run("three-nodes", func(t *testing.T) { defaultLabHasThreeNodes(t, l.in(t)) })
	t.Run("pods-on-workers", func(t *testing.T) { podsLandOnWorkersNeverTheControlPlane(t, l.in(t)) })
	t.Run("across-nodes", func(t *testing.T) { podsOnDifferentNodesReachEachOther(t, l.in(t)) })
	t.Run("node-stop-start", func(t *testing.T) { nodeStopAndStart(t, l.in(t)) })
}

// A default lab is a kubeadm-like cluster of three nodes: a control plane
// labelled and tainted NoSchedule, and two workers, each with an address of
// its own — its node container's on the lab network — and a kubelet that
// podlab status lists. Another shape is refused while the lab exists.
func defaultLabHasThreeNodes(t *testing.T, l *lab) {
	tb := parseTable(t, l.mustRun("get", "nodes", "-o", "wide"))
	if len(tb.rows) != 3 {
		t.Fatalf("get nodes lists %d nodes, want 3:\n%v", len(tb.rows), tb.rows)
	}
	containers := l.nodeContainers()
	ips := map[string]bool{}
	for node, role := range map[string]string{"control-plane": "control-plane", "node-1": "<none>", "node-2": "<none>"} {
		row := tb.row(node)
		if row == nil || row["STATUS"] != "Ready" || row["ROLES"] != role {
			t.Fatalf("node %s: %v, want Ready with roles %s", node, row, role)
		}
		c, ok := containers[node]
		if !ok || c.State != "running" {
			t.Fatalf("node %s has no running container: %+v", node, containers)
		}
		var ip string
		for _, n := range c.NetworkSettings.Networks {
			ip = n.IPAddress
		}
		if row["INTERNAL-IP"] != ip || ip == "" || ips[ip] {
			t.Errorf("node %s: INTERNAL-IP %s, its container's address %q (each node its own)", node, row["INTERNAL-IP"], ip)
		}
		ips[ip] = true
	}
	if got := l.mustRun("get", "node", "control-plane", "-o", "jsonpath={.spec.taints}"); got != `[{"effect":"NoSchedule","key":"node-role.kubernetes.io/control-plane"}]` {
		t.Errorf("control-plane taints %s", got)
	}
	if got := l.mustRun("get", "node", "node-1", "-o", "jsonpath={.metadata.labels.kubernetes\\.io/hostname} {.status.allocatable.pods}"); got != "node-1 110" {
		t.Errorf("node-1 hostname label and pods %q", got)
	}
	st := l.mustRun("status")
	for _, want := range []string{"control-plane (control-plane, ", "node-1 (worker, ", "node-2 (worker, ", "kubelet running"} {
		mustContain(t, "status", st, want)
	}

	_, errOut, code := l.run("up", "--nodes", "3")
	if code == 0 || !strings.Contains(errOut, `run "podlab reset" first`) || !strings.Contains(errOut, "3 nodes (control-plane, node-1, node-2)") {
		t.Errorf("up --nodes 3 on a lab of 2 workers: exit %d\n%s", code, errOut)
	}
}

// Ordinary pods go to the workers, never to the tainted control plane; a
// pod that tolerates the taint and asks for the control plane runs there.
func podsLandOnWorkersNeverTheControlPlane(t *testing.T, l *lab) {
	var manifests []string
	names := []string{"a", "b", "c", "d", "e"}
	for _, n := range names {
		manifests = append(manifests, `apiVersion: v1
kind: Pod
metadata: {name: `+n+`}
spec:
  containers:
  - {name: app, image: busybox:1.35, imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}
`)
	}
	manifests = append(manifests, `apiVersion: v1
kind: Pod
metadata: {name: on-control-plane}
spec:
  nodeSelector: {node-role.kubernetes.io/control-plane: ""}
  tolerations:
  - {key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}
  containers:
  - {name: app, image: busybox:1.35, imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}
`)
	l.apply("pods.yaml", strings.Join(manifests, "---\n"))
	for _, n := range names {
		p := l.waitRunning(n)
		if p.Spec.NodeName != "node-1" && p.Spec.NodeName != "node-2" {
			t.Errorf("pod %s runs on %q, want a worker", n, p.Spec.NodeName)
		}
	}
	if p := l.waitRunning("on-control-plane"); p.Spec.NodeName != "control-plane" {
		t.Errorf("the tolerating pod runs on %q, want control-plane", p.Spec.NodeName)
	}
	wide := parseTable(t, l.mustRun("get", "pods", "-o", "wide"))
	for _, n := range append(names, "on-control-plane") {
		if got, want := wide.row(n)["NODE"], l.nodeOf(n); got != want {
			t.Errorf("get pods -o wide: %s NODE %q, want %q", n, got, want)
		}
	}
}

// Pods on different nodes reach each other directly by pod IP, as on a
// flat cluster network.
func podsOnDifferentNodesReachEachOther(t *testing.T, l *lab) {
	l.apply("web.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  nodeSelector: {kubernetes.io/hostname: node-1}
  containers:
  - {name: web, image: nginx}
`)
	l.apply("client.yaml", pinned("client", "node-2", "sleep 3600"))
	web, client := l.waitRunning("web"), l.waitRunning("client")
	if web.Spec.NodeName != "node-1" || client.Spec.NodeName != "node-2" {
		t.Fatalf("web on %s, client on %s", web.Spec.NodeName, client.Spec.NodeName)
	}
	if web.Status.HostIP == client.Status.HostIP {
		t.Errorf("pods on two nodes have the same host IP %s", web.Status.HostIP)
	}
	var out string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		out, _, _ = l.run("exec", "client", "--", "wget", "-qO-", "http://"+web.Status.PodIP+"/")
		if strings.Contains(out, "nginx") {
			return
		}
	}
	t.Fatalf("the pod on node-2 did not reach the web server on node-1 at %s:\n%s", web.Status.PodIP, out)
}

// lease reads a node's Lease.
func (l *lab) lease(node string) coordinationv1.Lease {
	l.t.Helper()
	var lease coordinationv1.Lease
	out := l.mustRun("get", "lease", "-n", "kube-node-lease", node, "-o", "json")
	if err := json.Unmarshal([]byte(out), &lease); err != nil {
		l.t.Fatal(err)
	}
	return lease
}

func renewTime(l coordinationv1.Lease) time.Time {
	if l.Spec.RenewTime == nil {
		return time.Time{}
	}
	return l.Spec.RenewTime.Time
}

// `podlab node stop` stops a node's kubelet as a crash would: its lease is
// no longer renewed, its pod's container keeps running; `podlab node
// start` brings it back, and it takes up the pod where it was.
func nodeStopAndStart(t *testing.T, l *lab) {
	l.apply("sleeper.yaml", pinned("sleeper", "node-1", "sleep 3600"))
	before := l.waitRunning("sleeper")
	id := strings.TrimPrefix(containerStatus(before, "app").ContainerID, "docker://")

	mustContain(t, "node stop", l.mustRun("node", "stop", "node-1"), "node/node-1: kubelet stopped")
	mustContain(t, "status", l.mustRun("status"), "node-1 (worker, ", "kubelet stopped")
	stopped := renewTime(l.lease("node-1"))
	other := renewTime(l.lease("node-2"))
	// The kubelet renews every 10 s, 0.5 s at the tests' time scale:
	// three periods and more.
	time.Sleep(2 * time.Second)
	if got := renewTime(l.lease("node-1")); !got.Equal(stopped) {
		t.Errorf("node-1's lease was renewed (%s → %s) with its kubelet stopped", stopped, got)
	}
	if got := renewTime(l.lease("node-2")); !got.After(other) {
		t.Errorf("node-2's lease stood still (%s) while only node-1's kubelet stopped", got)
	}
	c, err := l.docker.ContainerInspect(context.Background(), id)
	if err != nil || !c.State.Running {
		t.Fatalf("the pod's container with its kubelet stopped: %v %+v", err, c.State)
	}

	mustContain(t, "node start", l.mustRun("node", "start", "node-1"), "node/node-1: kubelet started")
	deadline := time.Now().Add(20 * time.Second)
	for !renewTime(l.lease("node-1")).After(stopped) {
		if time.Now().After(deadline) {
			t.Fatal("node-1's lease is not renewed after its kubelet started again")
		}
		time.Sleep(200 * time.Millisecond)
	}
	after := l.waitRunning("sleeper")
	if cs := containerStatus(after, "app"); cs.ContainerID != "docker://"+id || cs.RestartCount != 0 {
		t.Errorf("after the kubelet's restart the pod runs container %s (restarts %d), want the same %s", cs.ContainerID, cs.RestartCount, id)
	}
	mustContain(t, "status", l.mustRun("status"), "node-1 (worker, ")
	if st := l.mustRun("status"); strings.Contains(st, "kubelet stopped") {
		t.Errorf("status still lists a stopped kubelet:\n%s", st)
	}
}

// With --allow-privileged, a pod in the host's network namespace is in its
// node's: its IP is the node's InternalIP, its hostname the node's name.
func TestHostNetworkPodIsOnItsNode(t *testing.T) {
	l := newLabWith(t, "--allow-privileged")
	l.apply("agent.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: agent}
spec:
  hostNetwork: true
  hostPID: true
  nodeSelector: {kubernetes.io/hostname: node-2}
  containers:
  - {name: app, image: busybox:1.35, imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}
`)
	p := l.waitRunning("agent")
	nodeIP := l.mustRun("get", "node", "node-2", "-o", `jsonpath={.status.addresses[?(@.type=="InternalIP")].address}`)
	if p.Status.PodIP != nodeIP || p.Status.HostIP != nodeIP {
		t.Errorf("hostNetwork pod IP %s, host IP %s, want node-2's %s", p.Status.PodIP, p.Status.HostIP, nodeIP)
	}
	host, _ := os.Hostname()
	if out := l.mustRun("exec", "agent", "--", "hostname"); out != "node-2\n" || out == host+"\n" {
		t.Errorf("hostname in the hostNetwork pod %q, want node-2", out)
	}
	if out := l.mustRun("exec", "agent", "--", "cat", "/proc/1/cmdline"); !strings.Contains(out, "/pause") {
		t.Errorf("PID 1 of the hostPID pod %q, want node-2's pause, not this machine's init", out)
	}
}

// A cluster file gives the lab its nodes, labels, taints and capacity.
func TestClusterFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "zones.yaml")
	writeFile(t, file, `nodes:
- name: control-plane
  role: control-plane
- name: zone-a
  labels: {topology.kubernetes.io/zone: a}
  capacity: {cpu: "2", memory: 2Gi, pods: 5}
- name: zone-b
  labels: {topology.kubernetes.io/zone: b}
  taints:
  - {key: gpu, value: "true", effect: NoSchedule}
`)
	l := newLabWith(t, "--cluster", file)
	out := l.mustRun("get", "nodes", "-L", "topology.kubernetes.io/zone")
	tb := parseTable(t, out)
	if len(tb.rows) != 3 || tb.row("zone-a")["ZONE"] != "a" || tb.row("zone-b")["ZONE"] != "b" {
		t.Fatalf("get nodes -L zone:\n%s", out)
	}
	if got := l.mustRun("get", "node", "zone-a", "-o", "jsonpath={.status.capacity.cpu} {.status.capacity.memory} {.status.allocatable.pods}"); got != "2 2Gi 5" {
		t.Errorf("zone-a capacity %q, want 2 2Gi 5", got)
	}
	if got := l.mustRun("get", "node", "zone-b", "-o", "jsonpath={.spec.taints[0].key}={.spec.taints[0].value}:{.spec.taints[0].effect}"); got != "gpu=true:NoSchedule" {
		t.Errorf("zone-b taint %q", got)
	}
	// Its disk is there from the start.
	if _, errOut, code := l.run("node", "ls", "zone-b", "/"); code != 0 {
		t.Errorf("node ls zone-b /: %s", errOut)
	}
	if _, errOut, code := l.run("node", "ls", "node-1", "/"); code == 0 || !strings.Contains(errOut, `node "node-1" is not a node of this lab`) {
		t.Errorf("node ls of a node the lab lacks: %d %s", code, errOut)
	}

	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, "nodes:\n- name: w\n  role: master\n")
	other := &lab{t: t, bin: l.bin, home: t.TempDir(), docker: l.docker}
	if _, errOut, code := other.run("up", "--cluster", bad); code == 0 || !strings.Contains(errOut, bad+`:3: nodes[0].role: Unsupported value: "master"`) {
		t.Errorf("up with a bad cluster file: exit %d\n%s", code, errOut)
	}
}
