package labcmd

import (
	"strings"
	"testing"
	"time"

	"github.com/podlab/podlab/runtime/client"
)

// status lists every node, one a line under "Nodes:", with its role,
// address and kubelet, and how to start a stopped one.
func TestStatusListsEveryNode(t *testing.T) {
	var b strings.Builder
	printStatus(&b, client.ServerStatus{StartedAt: time.Now(), TimeScale: 1, Nodes: []client.NodeStatus{
		{Name: "control-plane", Role: "control-plane", InternalIP: "172.18.0.2", Kubelet: client.KubeletRunning},
		{Name: "node-1", Role: "worker", InternalIP: "172.18.0.3", Kubelet: client.KubeletStopped},
		{Name: "node-2", Role: "worker", Kubelet: client.KubeletRunning},
	}})
	out := b.String()
	for _, want := range []string{
		"Nodes:                   control-plane (control-plane, 172.18.0.2), kubelet running\n",
		"\n                         node-1 (worker, 172.18.0.3), kubelet stopped (podlab node start node-1)\n",
		"\n                         node-2 (worker, no address yet), kubelet running\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status has no %q:\n%s", want, out)
		}
	}
}
