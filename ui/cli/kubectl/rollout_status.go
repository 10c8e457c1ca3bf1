package kubectl

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

// statusViewer is one of kubectl's rollout StatusViewers: the line to
// print for the object, and whether its rollout is done.
type statusViewer func(o api.Object, revision int64) (string, bool, error)

// statusViewers are the kinds `rollout status` follows. kubectl also has
// one for StatefulSets; the lab runs no StatefulSet controller, so their
// status would never move.
var statusViewers = map[string]statusViewer{
	api.Deployments.Name: func(o api.Object, revision int64) (string, bool, error) {
		return deploymentStatus(o.(*appsv1.Deployment), revision)
	},
	api.DaemonSets.Name: func(o api.Object, _ int64) (string, bool, error) {
		return daemonSetStatus(o.(*appsv1.DaemonSet))
	},
}

// deploymentStatus is kubectl's DeploymentStatusViewer.
func deploymentStatus(d *appsv1.Deployment, revision int64) (string, bool, error) {
	if revision > 0 {
		rev, err := strconv.ParseInt(d.Annotations[revisionAnnotation], 10, 64)
		if err != nil && d.Annotations[revisionAnnotation] != "" {
			return "", false, fmt.Errorf("cannot get the revision of deployment %q: %v", d.Name, err)
		}
		if revision != rev {
			return "", false, fmt.Errorf("desired revision (%d) is different from the running revision (%d)", revision, rev)
		}
	}
	if d.Generation > d.Status.ObservedGeneration {
		return "Waiting for deployment spec update to be observed...\n", false, nil
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Reason == "ProgressDeadlineExceeded" {
			return "", false, fmt.Errorf("deployment %q exceeded its progress deadline", d.Name)
		}
	}
	s := d.Status
	switch {
	case d.Spec.Replicas != nil && s.UpdatedReplicas < *d.Spec.Replicas:
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d out of %d new replicas have been updated...\n", d.Name, s.UpdatedReplicas, *d.Spec.Replicas), false, nil
	case s.Replicas > s.UpdatedReplicas:
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d old replicas are pending termination...\n", d.Name, s.Replicas-s.UpdatedReplicas), false, nil
	case s.AvailableReplicas < s.UpdatedReplicas:
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d of %d updated replicas are available...\n", d.Name, s.AvailableReplicas, s.UpdatedReplicas), false, nil
	}
	return fmt.Sprintf("deployment %q successfully rolled out\n", d.Name), true, nil
}

// daemonSetStatus is kubectl's DaemonSetStatusViewer: RollingUpdate only;
// done when every desired node runs an updated, available pod.
func daemonSetStatus(ds *appsv1.DaemonSet) (string, bool, error) {
	if ds.Spec.UpdateStrategy.Type != appsv1.RollingUpdateDaemonSetStrategyType {
		return "", true, fmt.Errorf("rollout status is only available for %s strategy type", appsv1.RollingUpdateDaemonSetStrategyType)
	}
	if ds.Generation > ds.Status.ObservedGeneration {
		return "Waiting for daemon set spec update to be observed...\n", false, nil
	}
	s := ds.Status
	switch {
	case s.UpdatedNumberScheduled < s.DesiredNumberScheduled:
		return fmt.Sprintf("Waiting for daemon set %q rollout to finish: %d out of %d new pods have been updated...\n", ds.Name, s.UpdatedNumberScheduled, s.DesiredNumberScheduled), false, nil
	case s.NumberAvailable < s.DesiredNumberScheduled:
		return fmt.Sprintf("Waiting for daemon set %q rollout to finish: %d of %d updated pods are available...\n", ds.Name, s.NumberAvailable, s.DesiredNumberScheduled), false, nil
	}
	return fmt.Sprintf("daemon set %q successfully rolled out\n", ds.Name), true, nil
}

// rolloutStatusCommand prints the status at every change of the object
// until it is rolled out, as kubectl's watch does.
func (kc *kubectl) rolloutStatusCommand() *cobra.Command {
	var watchFlag bool
	var revision int64
	var timeout time.Duration
	c := &cobra.Command{
		Use:               "status (TYPE NAME | TYPE/NAME)",
		ValidArgsFunction: kc.completeResources,
		Short:             "Show the status of the rollout",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("required resource not specified")
			}
			return kc.eachSelected(cmd, args, kc.NS(), "", false, func(cl client.Interface, res api.Resource, name string) error {
				view, ok := statusViewers[res.Name]
				if !ok {
					return fmt.Errorf("no status viewer has been implemented for %s", res.Kind)
				}
				o, err := cl.Get(cmd.Context(), res, kc.NS(), name)
				if err != nil {
					return err
				}
				ctx := cmd.Context()
				if timeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, timeout)
					defer cancel()
				}
				return kc.followRollout(ctx, cmd.Context(), cl, res, o, func(o api.Object) (string, bool, error) { return view(o, revision) }, watchFlag)
			})
		},
	}
	c.Flags().BoolVarP(&watchFlag, "watch", "w", true, "Watch the status of the rollout until it's done.")
	c.Flags().Int64Var(&revision, "revision", 0, "Pin to a specific revision for showing its status. Defaults to 0 (last revision).")
	c.Flags().DurationVar(&timeout, "timeout", 0, "The length of time to wait before ending watch, zero means never. Any other values should contain a corresponding time unit (e.g. 1s, 2m, 3h).")
	return c
}

// followRollout prints view's line for o, then for every change of it
// until view says done (or, without watching, once).
func (kc *kubectl) followRollout(ctx, outer context.Context, cl client.Interface, res api.Resource, o api.Object, view func(api.Object) (string, bool, error), watching bool) error {
	msg, done, err := view(o)
	if err != nil {
		return err
	}
	fmt.Fprint(kc.Stdout, msg)
	if done || !watching {
		return nil
	}
	for {
		ch, err := cl.Watch(ctx, res, o.GetNamespace(), metav1.ListOptions{
			FieldSelector: fields.OneTermEqualSelector("metadata.name", o.GetName()).String(), ResourceVersion: o.GetResourceVersion()})
		if err != nil {
			return err
		}
		for ev := range ch {
			switch ev.Type {
			case watch.Deleted:
				return fmt.Errorf("object has been deleted")
			case watch.Added, watch.Modified:
				next, ok := ev.Object.(api.Object)
				if !ok {
					continue
				}
				o = next
				msg, done, err := view(o)
				if err != nil {
					return err
				}
				fmt.Fprint(kc.Stdout, msg)
				if done {
					return nil
				}
			}
		}
		if ctx.Err() != nil {
			if outer.Err() == nil {
				return fmt.Errorf("timed out waiting for the condition")
			}
			return ctx.Err()
		}
	}
}
