package client

import (
	"context"
	"fmt"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podlab/podlab/runtime/api"
)

// GetScale reads an object's scale subresource (deployments/scale,
// replicasets/scale, replicationcontrollers/scale, statefulsets/scale).
func (c *Client) GetScale(ctx context.Context, res api.Resource, namespace, name string) (*autoscalingv1.Scale, error) {
	s := &autoscalingv1.Scale{}
	err := c.restFor(res.GroupVersion()).Get().Namespace(namespace).Resource(res.Name).Name(name).
		SubResource("scale").Do(ctx).Into(s)
	return s, c.unavailable(err)
}

// Scale sets an object's replicas through its scale subresource with a
// merge patch, as kubectl scale does without preconditions.
func (c *Client) Scale(ctx context.Context, res api.Resource, namespace, name string, replicas int32) (*autoscalingv1.Scale, error) {
	s := &autoscalingv1.Scale{}
	err := c.restFor(res.GroupVersion()).Patch(types.MergePatchType).Namespace(namespace).Resource(res.Name).Name(name).
		SubResource("scale").Body([]byte(fmt.Sprintf(`{"spec":{"replicas":%d}}`, replicas))).Do(ctx).Into(s)
	return s, c.unavailable(err)
}
