package scheduler

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/sets"
)

// reasonNodePorts is upstream's nodeports.ErrReason.
const reasonNodePorts = "node(s) didn't have free ports for the requested pod ports"

// nodePortsPlugin is upstream's NodePorts: every hostPort the pod asks for
// (app containers and sidecars) must be free on the node for its protocol,
// where a port bound on 0.0.0.0 (or no hostIP) clashes with the same port
// on any address. Preemption could free a port, so the rejection is
// Unschedulable, not unresolvable.
var nodePortsPlugin = filterPlugin{
	name: "NodePorts",
	preFilter: func(c *cycle) (sets.Set[string], *status) {
		if len(c.info.ports) == 0 {
			return nil, skipped
		}
		return nil, nil
	},
	filter: func(c *cycle, ni *nodeInfo) *status {
		for _, p := range c.info.ports {
			if ni.ports.conflicts(p.HostIP, string(p.Protocol), p.HostPort) {
				ip, proto := sanitizePort(p.HostIP, string(p.Protocol))
				return reject(codeUnschedulable, fmt.Sprintf("hostPort %d/%s on %s is taken by a pod on the node", p.HostPort, proto, ip), reasonNodePorts)
			}
		}
		return nil
	},
}
