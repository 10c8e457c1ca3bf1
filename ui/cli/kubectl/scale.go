package kubectl

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	autoscalingv1 "k8s.io/api/autoscaling/v1"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

// scaler is the client's scale subresource (runtime/client's Client has it).
type scaler interface {
	GetScale(ctx context.Context, res api.Resource, namespace, name string) (*autoscalingv1.Scale, error)
	Scale(ctx context.Context, res api.Resource, namespace, name string, replicas int32) (*autoscalingv1.Scale, error)
}

func scalable(res api.Resource) bool {
	switch res.Name {
	case api.Deployments.Name, api.ReplicaSets.Name, api.ReplicationControllers.Name, api.StatefulSets.Name:
		return true
	}
	return false
}

// scaleCommand is kubectl scale: through the scale subresource, with
// --current-replicas as a precondition.
func (kc *kubectl) scaleCommand() *cobra.Command {
	var replicas, current int
	var selector string
	var all bool
	c := &cobra.Command{
		Use:               "scale [--current-replicas=count] --replicas=COUNT (TYPE NAME | TYPE/NAME)",
		ValidArgsFunction: kc.completeResources,
		Short:             "Set a new size for a deployment, replica set, or replication controller",
		RunE: func(cmd *cobra.Command, args []string) error {
			if replicas < 0 {
				return fmt.Errorf("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
			}
			if current < -1 {
				return fmt.Errorf("The --current-replicas must specify an integer of -1 or greater")
			}
			return kc.eachSelected(cmd, args, kc.NS(), selector, all, func(cl client.Interface, res api.Resource, name string) error {
				if !scalable(res) {
					return fmt.Errorf("cannot scale %s", res.Qualified())
				}
				ctx := cmd.Context()
				sc, ok := cl.(scaler)
				if !ok {
					return fmt.Errorf("this client cannot scale")
				}
				if current >= 0 {
					s, err := sc.GetScale(ctx, res, kc.NS(), name)
					if err != nil {
						return err
					}
					if int(s.Spec.Replicas) != current {
						return fmt.Errorf("Expected replicas to be %d, was %d", current, s.Spec.Replicas)
					}
				}
				if _, err := sc.Scale(ctx, res, kc.NS(), name, int32(replicas)); err != nil {
					return err
				}
				fmt.Fprintf(kc.Stdout, "%s scaled\n", typeName(res, name))
				return nil
			})
		},
	}
	c.Flags().IntVar(&replicas, "replicas", -1, "The new desired number of replicas. Required.")
	c.Flags().IntVar(&current, "current-replicas", -1, "Precondition for current size. Requires that the current size of the resource match this value in order to scale. -1 (default) for no condition.")
	c.Flags().StringVarP(&selector, "selector", "l", "", "Selector (label query) to filter on")
	c.Flags().BoolVar(&all, "all", false, "Select all resources in the namespace of the specified resource types")
	return c
}
