package scheduler

import (
	"k8s.io/apimachinery/pkg/util/sets"
)

// reasonNodeName is upstream's nodename.ErrReason.
const reasonNodeName = "node(s) didn't match the requested node name"

// nodeNamePlugin is upstream's NodeName: a pod that names its node in
// spec.nodeName fits there only. Its PreFilter restricts the nodes to that
// one, so the others report "node(s) didn't satisfy plugin(s) [NodeName]".
// (A pending pod that names a node is bound already; the scheduler meets
// such pods only when asked to explain them.)
var nodeNamePlugin = filterPlugin{
	name: "NodeName",
	preFilter: func(c *cycle) (sets.Set[string], *status) {
		if n := c.pod.Spec.NodeName; n != "" {
			return sets.New(n), nil
		}
		return nil, nil
	},
	filter: func(c *cycle, ni *nodeInfo) *status {
		if n := c.pod.Spec.NodeName; n != "" && n != ni.node.Name {
			return reject(codeUnresolvable, "the pod asks for node "+n+" (spec.nodeName)", reasonNodeName)
		}
		return nil
	},
}
