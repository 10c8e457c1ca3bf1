package kubectl

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

// The deployment annotations kubectl reads (k8s.io/kubectl/pkg/util/deployment).
const (
	revisionAnnotation    = "deployment.kubernetes.io/revision"
	changeCauseAnnotation = "kubernetes.io/change-cause"
	restartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"
	podTemplateHashLabel  = "pod-template-hash"
)

// rolloutCommand is kubectl rollout, for deployments.
func (kc *kubectl) rolloutCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "rollout SUBCOMMAND",
		Short: "Manage the rollout of a resource",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	c.AddCommand(kc.rolloutStatusCommand(), kc.rolloutHistoryCommand(), kc.rolloutUndoCommand(),
		kc.rolloutPatchCommand("pause"), kc.rolloutPatchCommand("resume"), kc.rolloutPatchCommand("restart"))
	return c
}

// eachDeployment runs fn on the deployments the arguments name.
func (kc *kubectl) eachDeployment(cmd *cobra.Command, args []string, fn func(cl client.Interface, d *appsv1.Deployment) error) error {
	if len(args) == 0 {
		return fmt.Errorf("required resource not specified")
	}
	return kc.eachSelected(cmd, args, kc.NS(), "", false, func(cl client.Interface, res api.Resource, name string) error {
		if res.Name != api.Deployments.Name {
			return fmt.Errorf("no rollout support for %s in podlab yet; deployments only", res.Qualified())
		}
		o, err := cl.Get(cmd.Context(), api.Deployments, kc.NS(), name)
		if err != nil {
			return err
		}
		return fn(cl, o.(*appsv1.Deployment))
	})
}

// replicaSetsOf lists the replica sets the deployment controls, as
// kubectl's deploymentutil.GetAllReplicaSets.
func replicaSetsOf(ctx context.Context, cl client.Interface, d *appsv1.Deployment) ([]*appsv1.ReplicaSet, error) {
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, err
	}
	list, _, err := cl.List(ctx, api.ReplicaSets, d.Namespace, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, err
	}
	var out []*appsv1.ReplicaSet
	for _, o := range list {
		rs := o.(*appsv1.ReplicaSet)
		if ref := metav1.GetControllerOf(rs); ref != nil && ref.UID == d.UID {
			out = append(out, rs)
		}
	}
	return out, nil
}

func revisionOf(o metav1.Object) (int64, error) {
	v := o.GetAnnotations()[revisionAnnotation]
	if v == "" {
		return 0, nil
	}
	return strconv.ParseInt(v, 10, 64)
}

// rolloutUndoCommand is kubectl's DeploymentRollbacker: client-side, a JSON
// patch replacing the deployment's template (hash label removed) and
// annotations with those of the replica set of the revision asked for, or
// of the one before the latest.
func (kc *kubectl) rolloutUndoCommand() *cobra.Command {
	var toRevision int64
	c := &cobra.Command{
		Use:               "undo (TYPE NAME | TYPE/NAME) [flags]",
		ValidArgsFunction: kc.completeResources,
		Short:             "Undo a previous rollout",
		RunE: func(cmd *cobra.Command, args []string) error {
			return kc.eachDeployment(cmd, args, func(cl client.Interface, d *appsv1.Deployment) error {
				if _, ok := d.Annotations[corev1.LastAppliedConfigAnnotation]; ok {
					fmt.Fprintf(kc.Stderr, "Warning: changes to %s will not be reflected in the %s annotation; a subsequent 'podlab apply' may overwrite the rollback.\n", typeName(api.Deployments, d.Name), corev1.LastAppliedConfigAnnotation)
				}
				if toRevision < 0 {
					return fmt.Errorf("unable to find specified revision %v in history", toRevision)
				}
				rss, err := replicaSetsOf(cmd.Context(), cl, d)
				if err != nil {
					return err
				}
				var target, latest *appsv1.ReplicaSet
				latestRev, prevRev := int64(-1), int64(-1)
				for _, rs := range rss {
					v, err := revisionOf(rs)
					if err != nil {
						continue
					}
					switch {
					case toRevision > 0:
						if v == toRevision {
							target = rs
						}
					case v > latestRev:
						prevRev, target = latestRev, latest
						latestRev, latest = v, rs
					case v > prevRev:
						prevRev, target = v, rs
					}
				}
				if target == nil {
					if toRevision > 0 {
						return fmt.Errorf("unable to find specified revision %v in history", toRevision)
					}
					return fmt.Errorf("no rollout history found for deployment %q", d.Name)
				}
				if d.Spec.Paused {
					return fmt.Errorf("you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again")
				}
				if equalIgnoreHash(&target.Spec.Template, &d.Spec.Template) {
					fmt.Fprintf(kc.Stdout, "%s skipped rollback (current template already matches revision %d)\n", typeName(api.Deployments, d.Name), toRevision)
					return nil
				}
				tmpl := target.Spec.Template.DeepCopy()
				delete(tmpl.Labels, podTemplateHashLabel)
				annotations := map[string]string{}
				for k := range rollbackSkip {
					if v, ok := d.Annotations[k]; ok {
						annotations[k] = v
					}
				}
				for k, v := range target.Annotations {
					if !rollbackSkip[k] {
						annotations[k] = v
					}
				}
				patch, err := json.Marshal([]any{
					map[string]any{"op": "replace", "path": "/spec/template", "value": tmpl},
					map[string]any{"op": "replace", "path": "/metadata/annotations", "value": annotations},
				})
				if err != nil {
					return err
				}
				if _, _, err := cl.Patch(cmd.Context(), api.Deployments, d.Namespace, d.Name, types.JSONPatchType, patch, metav1.PatchOptions{FieldManager: "kubectl-rollout"}); err != nil {
					return fmt.Errorf("failed restoring revision %d: %v", toRevision, err)
				}
				fmt.Fprintf(kc.Stdout, "%s rolled back\n", typeName(api.Deployments, d.Name))
				return nil
			})
		},
	}
	c.Flags().Int64Var(&toRevision, "to-revision", 0, "The revision to rollback to. Default to 0 (last revision).")
	return c
}

// rolloutPatchCommand is rollout pause, resume and restart: a strategic
// merge patch of spec.paused, or of the template's restartedAt annotation.
func (kc *kubectl) rolloutPatchCommand(verb string) *cobra.Command {
	short := map[string]string{"pause": "Mark the provided resource as paused", "resume": "Resume a paused resource", "restart": "Restart a resource"}[verb]
	done := map[string]string{"pause": "paused", "resume": "resumed", "restart": "restarted"}[verb]
	return &cobra.Command{
		Use:               verb + " RESOURCE",
		ValidArgsFunction: kc.completeResources,
		Short:             short,
		RunE: func(cmd *cobra.Command, args []string) error {
			return kc.eachDeployment(cmd, args, func(cl client.Interface, d *appsv1.Deployment) error {
				var patch string
				switch verb {
				case "pause", "resume":
					if d.Spec.Paused == (verb == "pause") {
						fmt.Fprintf(kc.Stdout, "%s already %s\n", typeName(api.Deployments, d.Name), done)
						return nil
					}
					patch = fmt.Sprintf(`{"spec":{"paused":%t}}`, verb == "pause")
				case "restart":
					if d.Spec.Paused {
						return fmt.Errorf("can't restart paused deployment (run rollout resume first)")
					}
					patch = fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{%q:%q}}}}}`, restartedAtAnnotation, time.Now().Format(time.RFC3339))
				}
				if _, _, err := cl.Patch(cmd.Context(), api.Deployments, d.Namespace, d.Name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{FieldManager: "kubectl-rollout"}); err != nil {
					return fmt.Errorf("failed to patch: %v", err)
				}
				fmt.Fprintf(kc.Stdout, "%s %s\n", typeName(api.Deployments, d.Name), done)
				return nil
			})
		},
	}
}
