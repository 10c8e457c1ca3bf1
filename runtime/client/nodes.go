package client

import (
	"context"
	"encoding/json"
	"net/url"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// NodeStatus is one virtual node of the lab as `podlab status` lists it.
type NodeStatus struct {
	Name string `json:"name"`
	// Role is "control-plane" or "worker".
	Role string `json:"role"`
	// InternalIP is the node's address (its container's on the lab network).
	InternalIP string `json:"internalIP,omitempty"`
	// Kubelet is KubeletRunning or KubeletStopped.
	Kubelet string `json:"kubelet"`
}

// The states of a node's kubelet.
const (
	KubeletRunning = "running"
	KubeletStopped = "stopped"
)

// KubeletChange answers `podlab node stop|start`: the node's status after
// the request, and whether the request changed it.
type KubeletChange struct {
	Node    NodeStatus `json:"node"`
	Changed bool       `json:"changed"`
}

// NodesResource names the node actions in errors.
var NodesResource = schema.GroupResource{Resource: "nodes"}

// NodesPath is where the control plane serves podlab's node actions:
// POST <NodesPath><node>/stop and …/start.
const NodesPath = "/podlab/v1/nodes/"

// StopKubelet stops the kubelet of node (`podlab node stop`): its lease and
// status stop, its pods' containers keep running.
func (c *Client) StopKubelet(ctx context.Context, node string) (KubeletChange, error) {
	return c.kubelet(ctx, node, "stop")
}

// StartKubelet starts the kubelet of node again (`podlab node start`).
func (c *Client) StartKubelet(ctx context.Context, node string) (KubeletChange, error) {
	return c.kubelet(ctx, node, "start")
}

func (c *Client) kubelet(ctx context.Context, node, action string) (KubeletChange, error) {
	var ch KubeletChange
	body, err := c.restFor(schema.GroupVersion{Version: "v1"}).Post().AbsPath(NodesPath + url.PathEscape(node) + "/" + action).DoRaw(ctx)
	if err != nil {
		return ch, c.unavailable(err)
	}
	return ch, json.Unmarshal(body, &ch)
}
