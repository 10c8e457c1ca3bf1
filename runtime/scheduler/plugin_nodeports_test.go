package scheduler

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func withPorts(ports ...corev1.ContainerPort) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Spec.Containers[0].Ports = ports }
}

func hostPort(ip string, proto corev1.Protocol, port int32) corev1.ContainerPort {
	return corev1.ContainerPort{HostIP: ip, Protocol: proto, HostPort: port, ContainerPort: port}
}

// The cases of upstream's TestNodePorts: a host port clashes for the same
// protocol on the same IP, and 0.0.0.0 (or no IP) with any IP.
func TestNodePortsFilter(t *testing.T) {
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	sidecar := corev1.ContainerRestartPolicyAlways
	for _, tc := range []struct {
		name       string
		used, want []corev1.ContainerPort
		fits       bool
	}{
		{"no ports", nil, nil, true},
		{"other port", []corev1.ContainerPort{hostPort("127.0.0.1", udp, 8080)}, []corev1.ContainerPort{hostPort("127.0.0.1", udp, 9090)}, true},
		{"same udp port", []corev1.ContainerPort{hostPort("127.0.0.1", udp, 8080)}, []corev1.ContainerPort{hostPort("127.0.0.1", udp, 8080)}, false},
		{"same port, other protocol", []corev1.ContainerPort{hostPort("127.0.0.1", udp, 8080)}, []corev1.ContainerPort{hostPort("127.0.0.1", tcp, 8080)}, true},
		{"same port, other IP", []corev1.ContainerPort{hostPort("127.0.0.1", tcp, 8001)}, []corev1.ContainerPort{hostPort("127.0.0.2", tcp, 8001)}, true},
		{"0.0.0.0 wanted, a specific IP used", []corev1.ContainerPort{hostPort("127.0.0.1", tcp, 8001)}, []corev1.ContainerPort{hostPort("0.0.0.0", tcp, 8001)}, false},
		{"a specific IP wanted, 0.0.0.0 used", []corev1.ContainerPort{hostPort("0.0.0.0", tcp, 8001)}, []corev1.ContainerPort{hostPort("127.0.0.1", tcp, 8001)}, false},
		{"no IP is 0.0.0.0, no protocol TCP", []corev1.ContainerPort{hostPort("", "", 8001)}, []corev1.ContainerPort{hostPort("10.0.0.1", tcp, 8001)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			existing := on("node-1", labelled("existing", "x"))
			existing.Spec.Containers[0].Ports = tc.used
			d := Decide(podWith(withPorts(tc.want...)), cluster([]*corev1.Node{node("node-1", nil)}, existing))
			r := result(t, d, "node-1")
			if r.Feasible() != tc.fits {
				t.Fatalf("fits = %v, want %v (%s)", r.Feasible(), tc.fits, verdicts(d))
			}
			if !tc.fits {
				want := "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. " +
					"preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
				if r.Plugin != "NodePorts" || d.Message != want {
					t.Fatalf("rejected by %s: %q, want\n%q", r.Plugin, d.Message, want)
				}
			}
		})
	}
	// Sidecars hold their ports as long as the pod runs; other init
	// containers do not count.
	existing := on("node-1", labelled("existing", "x"))
	existing.Spec.InitContainers = []corev1.Container{
		{Name: "init", Ports: []corev1.ContainerPort{hostPort("", tcp, 81)}},
		{Name: "proxy", RestartPolicy: &sidecar, Ports: []corev1.ContainerPort{hostPort("", tcp, 82)}},
	}
	nodes := []*corev1.Node{node("node-1", nil)}
	if d := Decide(podWith(withPorts(hostPort("", tcp, 81))), cluster(nodes, existing)); d.Node != "node-1" {
		t.Fatalf("an init container's port blocked the node: %s", verdicts(d))
	}
	if d := Decide(podWith(withPorts(hostPort("", tcp, 82))), cluster(nodes, existing)); d.Node != "" {
		t.Fatal("a sidecar's port was free")
	}
}
