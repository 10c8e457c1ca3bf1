package kubectl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/watch"

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

// createDeploymentCommand is kubectl create deployment: labels, selector and
// template labels app=NAME, one container per --image named after the
// image's last path element without tag or digest, --port on the first.
func (kc *kubectl) createDeploymentCommand() *cobra.Command {
	var images []string
	var replicas, port int32
	c := &cobra.Command{
		Use:     "deployment NAME --image=image -- [COMMAND] [args...]",
		Aliases: []string{"deploy"},
		Short:   "Create a deployment with the specified name",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := kc.Client(cmd)
			if err != nil {
				return err
			}
			name, command := args[0], args[1:]
			labels := map[string]string{"app": name}
			var containers []corev1.Container
			seen := map[string]int{}
			for _, image := range images {
				parts := strings.Split(image, "/")
				cname := parts[len(parts)-1]
				cname, _, _ = strings.Cut(cname, ":")
				cname, _, _ = strings.Cut(cname, "@")
				cname = sanitizeContainerName(cname)
				// kubectl's sanitizeAndUniquify: repeated names get -2, -3...
				if n := seen[cname]; n > 0 {
					seen[cname]++
					cname = fmt.Sprintf("%s-%d", cname, n+1)
				} else {
					seen[cname] = 1
				}
				containers = append(containers, corev1.Container{Name: cname, Image: image, Command: command})
			}
			if port >= 0 && len(containers) > 0 {
				containers[0].Ports = []corev1.ContainerPort{{ContainerPort: port}}
			}
			d := &appsv1.Deployment{
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: kc.NS(), Labels: labels},
				Spec: appsv1.DeploymentSpec{
					Replicas: &replicas,
					Selector: &metav1.LabelSelector{MatchLabels: labels},
					Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: containers}},
				},
			}
			_, ws, err := cl.Create(cmd.Context(), api.Deployments, d, metav1.CreateOptions{FieldManager: "kubectl-create"})
			kc.PrintWarnings(ws)
			if err != nil {
				return err
			}
			fmt.Fprintf(kc.Stdout, "%s created\n", typeName(api.Deployments, name))
			return nil
		},
	}
	c.Flags().StringSliceVar(&images, "image", nil, "Image names to run. A deployment can have multiple images set for multi-container pod.")
	c.Flags().Int32Var(&replicas, "replicas", 1, "Number of replicas to create. Default is 1.")
	c.Flags().Int32Var(&port, "port", -1, "The containerPort that this deployment exposes.")
	c.MarkFlagRequired("image")
	return c
}

// sanitizeContainerName is kubectl's sanitizeAndUniquify: underscores become dashes.
func sanitizeContainerName(s string) string { return strings.ReplaceAll(s, "_", "-") }

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

// rolloutStatusCommand prints the status at every change of the
// deployment until it is rolled out, as kubectl's watch does.
func (kc *kubectl) rolloutStatusCommand() *cobra.Command {
	var watchFlag bool
	var revision int64
	var timeout time.Duration
	c := &cobra.Command{
		Use:               "status (TYPE NAME | TYPE/NAME)",
		ValidArgsFunction: kc.completeResources,
		Short:             "Show the status of the rollout",
		RunE: func(cmd *cobra.Command, args []string) error {
			return kc.eachDeployment(cmd, args, func(cl client.Interface, d *appsv1.Deployment) error {
				ctx := cmd.Context()
				if timeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, timeout)
					defer cancel()
				}
				msg, done, err := deploymentStatus(d, revision)
				if err != nil {
					return err
				}
				fmt.Fprint(kc.Stdout, msg)
				if done || !watchFlag {
					return nil
				}
				for {
					ch, err := cl.Watch(ctx, api.Deployments, d.Namespace, metav1.ListOptions{
						FieldSelector: fields.OneTermEqualSelector("metadata.name", d.Name).String(), ResourceVersion: d.ResourceVersion})
					if err != nil {
						return err
					}
					for ev := range ch {
						switch ev.Type {
						case watch.Deleted:
							return fmt.Errorf("object has been deleted")
						case watch.Added, watch.Modified:
							nd, ok := ev.Object.(*appsv1.Deployment)
							if !ok {
								continue
							}
							d = nd
							msg, done, err := deploymentStatus(d, revision)
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
						if cmd.Context().Err() == nil {
							return fmt.Errorf("timed out waiting for the condition")
						}
						return ctx.Err()
					}
				}
			})
		},
	}
	c.Flags().BoolVarP(&watchFlag, "watch", "w", true, "Watch the status of the rollout until it's done.")
	c.Flags().Int64Var(&revision, "revision", 0, "Pin to a specific revision for showing its status. Defaults to 0 (last revision).")
	c.Flags().DurationVar(&timeout, "timeout", 0, "The length of time to wait before ending watch, zero means never. Any other values should contain a corresponding time unit (e.g. 1s, 2m, 3h).")
	return c
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

// rolloutHistoryCommand is kubectl's DeploymentHistoryViewer: a revision
// and its change-cause per replica set, or one revision's pod template.
func (kc *kubectl) rolloutHistoryCommand() *cobra.Command {
	var revision int64
	c := &cobra.Command{
		Use:               "history (TYPE NAME | TYPE/NAME) [flags]",
		ValidArgsFunction: kc.completeResources,
		Short:             "View rollout history",
		RunE: func(cmd *cobra.Command, args []string) error {
			if revision < 0 {
				return fmt.Errorf("revision must be a positive integer: %v", revision)
			}
			return kc.eachDeployment(cmd, args, func(cl client.Interface, d *appsv1.Deployment) error {
				rss, err := replicaSetsOf(cmd.Context(), cl, d)
				if err != nil {
					return err
				}
				history := map[int64]*corev1.PodTemplateSpec{}
				for _, rs := range rss {
					v, err := revisionOf(rs)
					if err != nil {
						continue
					}
					t := rs.Spec.Template.DeepCopy()
					if t.Annotations == nil {
						t.Annotations = map[string]string{}
					}
					if cause := rs.Annotations[changeCauseAnnotation]; cause != "" {
						t.Annotations[changeCauseAnnotation] = cause
					}
					history[v] = t
				}
				var info string
				switch {
				case len(history) == 0:
					info = "No rollout history found."
				case revision > 0:
					t, ok := history[revision]
					if !ok {
						return fmt.Errorf("unable to find the specified revision")
					}
					var b strings.Builder
					writePodTemplate(&b, t)
					info = b.String()
				default:
					revs := make([]int64, 0, len(history))
					for r := range history {
						revs = append(revs, r)
					}
					sort.Slice(revs, func(i, j int) bool { return revs[i] < revs[j] })
					var b strings.Builder
					tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
					fmt.Fprintf(tw, "REVISION\tCHANGE-CAUSE\n")
					for _, r := range revs {
						cause := history[r].Annotations[changeCauseAnnotation]
						if cause == "" {
							cause = "<none>"
						}
						fmt.Fprintf(tw, "%d\t%s\n", r, cause)
					}
					tw.Flush()
					info = b.String()
				}
				with := ""
				if revision > 0 {
					with = fmt.Sprintf("with revision #%d", revision)
				}
				// kubectl's name printer with the operation "<with>\n<history>".
				fmt.Fprintf(kc.Stdout, "%s %s\n%s\n", typeName(api.Deployments, d.Name), with, info)
				return nil
			})
		},
	}
	c.Flags().Int64Var(&revision, "revision", 0, "See the details, including podTemplate of the revision specified")
	return c
}

// writePodTemplate is kubectl's DescribePodTemplate for the fields a lab
// template has, written as rollout history does: tabs left raw.
func writePodTemplate(w io.Writer, t *corev1.PodTemplateSpec) {
	fmt.Fprintf(w, "Pod Template:\n")
	multiline(w, "  Labels", t.Labels)
	if len(t.Annotations) > 0 {
		multiline(w, "  Annotations", t.Annotations)
	}
	if t.Spec.ServiceAccountName != "" {
		fmt.Fprintf(w, "  Service Account:\t%s\n", t.Spec.ServiceAccountName)
	}
	if len(t.Spec.InitContainers) > 0 {
		writeContainers(w, "Init Containers", t.Spec.InitContainers)
	}
	writeContainers(w, "Containers", t.Spec.Containers)
	if len(t.Spec.Volumes) == 0 {
		fmt.Fprintf(w, "  Volumes:\t<none>\n")
	} else {
		fmt.Fprintf(w, "  Volumes:\n")
		for _, v := range t.Spec.Volumes {
			fmt.Fprintf(w, "   %s:\n", v.Name)
		}
	}
	if t.Spec.PriorityClassName != "" {
		fmt.Fprintf(w, "  Priority Class Name:\t%s\n", t.Spec.PriorityClassName)
	}
	multiline(w, "  Node-Selectors", t.Spec.NodeSelector)
	fmt.Fprintf(w, "  Tolerations:\t")
	if len(t.Spec.Tolerations) == 0 {
		fmt.Fprintf(w, "<none>\n")
	}
	for i, tol := range t.Spec.Tolerations {
		if i > 0 {
			fmt.Fprintf(w, "\t")
		}
		s := tol.Key
		if tol.Value != "" {
			s += "=" + tol.Value
		}
		if tol.Effect != "" {
			s += ":" + string(tol.Effect)
		}
		if tol.Operator == corev1.TolerationOpExists && tol.Value == "" {
			if tol.Key != "" || tol.Effect != "" {
				s += " op=Exists"
			} else {
				s = "op=Exists"
			}
		}
		if tol.TolerationSeconds != nil {
			s += fmt.Sprintf(" for %ds", *tol.TolerationSeconds)
		}
		fmt.Fprintf(w, "%s\n", s)
	}
}

func multiline(w io.Writer, title string, m map[string]string) {
	fmt.Fprintf(w, "%s:\t", title)
	if len(m) == 0 {
		fmt.Fprintf(w, "<none>\n")
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i > 0 {
			fmt.Fprintf(w, "\t")
		}
		fmt.Fprintf(w, "%s=%s\n", k, m[k])
	}
}

func writeContainers(w io.Writer, label string, cs []corev1.Container) {
	none := ""
	if len(cs) == 0 {
		none = " <none>"
	}
	fmt.Fprintf(w, "  %s:%s\n", label, none)
	for _, c := range cs {
		fmt.Fprintf(w, "   %s:\n", c.Name)
		fmt.Fprintf(w, "    Image:\t%s\n", c.Image)
		var ports, hostPorts []string
		for _, p := range c.Ports {
			ps, hs := fmt.Sprintf("%d/%s", p.ContainerPort, p.Protocol), fmt.Sprintf("%d/%s", p.HostPort, p.Protocol)
			if p.Name != "" {
				ps, hs = ps+" ("+p.Name+")", hs+" ("+p.Name+")"
			}
			ports, hostPorts = append(ports, ps), append(hostPorts, hs)
		}
		for _, pl := range [][3]string{{"Port", "Ports", strings.Join(ports, ", ")}, {"Host Port", "Host Ports", strings.Join(hostPorts, ", ")}} {
			switch {
			case strings.Contains(pl[2], ","):
				fmt.Fprintf(w, "    %s:\t%s\n", pl[1], pl[2])
			case pl[2] == "":
				fmt.Fprintf(w, "    %s:\t<none>\n", pl[0])
			default:
				fmt.Fprintf(w, "    %s:\t%s\n", pl[0], pl[2])
			}
		}
		for _, cmdArgs := range []struct {
			title string
			items []string
		}{{"Command", c.Command}, {"Args", c.Args}} {
			if len(cmdArgs.items) > 0 {
				fmt.Fprintf(w, "    %s:\n", cmdArgs.title)
				for _, s := range cmdArgs.items {
					for _, line := range strings.Split(s, "\n") {
						fmt.Fprintf(w, "      %s\n", line)
					}
				}
			}
		}
		if len(c.Env) == 0 {
			fmt.Fprintf(w, "    Environment:\t<none>\n")
		} else {
			fmt.Fprintf(w, "    Environment:\n")
			for _, e := range c.Env {
				if e.ValueFrom == nil {
					fmt.Fprintf(w, "      %s:\t%s\n", e.Name, e.Value)
				} else {
					fmt.Fprintf(w, "      %s:\t<set from source>\n", e.Name)
				}
			}
		}
		if len(c.VolumeMounts) == 0 {
			fmt.Fprintf(w, "    Mounts:\t<none>\n")
		} else {
			fmt.Fprintf(w, "    Mounts:\n")
			for _, m := range c.VolumeMounts {
				ro := "rw"
				if m.ReadOnly {
					ro = "ro"
				}
				fmt.Fprintf(w, "      %s from %s (%s)\n", m.MountPath, m.Name, ro)
			}
		}
	}
}

// equalIgnoreHash compares templates without the pod-template-hash label.
func equalIgnoreHash(a, b *corev1.PodTemplateSpec) bool {
	a, b = a.DeepCopy(), b.DeepCopy()
	delete(a.Labels, podTemplateHashLabel)
	delete(b.Labels, podTemplateHashLabel)
	return apiequality.Semantic.DeepEqual(a, b)
}

// rollbackSkip are the annotations kubectl keeps from the deployment, not
// the replica set, on undo (its annotationsToSkip).
var rollbackSkip = map[string]bool{
	corev1.LastAppliedConfigAnnotation:          true,
	revisionAnnotation:                          true,
	"deployment.kubernetes.io/revision-history": true,
	"deployment.kubernetes.io/desired-replicas": true,
	"deployment.kubernetes.io/max-replicas":     true,
	appsv1.DeprecatedRollbackTo:                 true,
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

// setCommand is kubectl set, with its image subcommand.
func (kc *kubectl) setCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "set SUBCOMMAND",
		Short: "Set specific features on objects",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	c.AddCommand(kc.setImageCommand())
	return c
}

// podSpecOf is kubectl's UpdatePodSpecForObject: the pod spec of the kinds that have one.
func podSpecOf(o api.Object) *corev1.PodSpec {
	switch v := o.(type) {
	case *corev1.Pod:
		return &v.Spec
	case *corev1.ReplicationController:
		if v.Spec.Template == nil {
			v.Spec.Template = &corev1.PodTemplateSpec{}
		}
		return &v.Spec.Template.Spec
	case *appsv1.Deployment:
		return &v.Spec.Template.Spec
	case *appsv1.ReplicaSet:
		return &v.Spec.Template.Spec
	case *appsv1.DaemonSet:
		return &v.Spec.Template.Spec
	case *appsv1.StatefulSet:
		return &v.Spec.Template.Spec
	case *batchv1.Job:
		return &v.Spec.Template.Spec
	case *batchv1.CronJob:
		return &v.Spec.JobTemplate.Spec.Template.Spec
	}
	return nil
}

// setImageCommand is kubectl set image: a strategic merge patch of the
// containers' images ("*" for all); no change prints nothing.
func (kc *kubectl) setImageCommand() *cobra.Command {
	var selector string
	var all bool
	c := &cobra.Command{
		Use:               "image (-f FILENAME | TYPE NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 ... CONTAINER_NAME_N=CONTAINER_IMAGE_N",
		ValidArgsFunction: kc.completeResources,
		Short:             "Update the image of a pod template",
		RunE: func(cmd *cobra.Command, args []string) error {
			var resources []string
			images := map[string]string{}
			var order []string
			for _, a := range args {
				if k, v, ok := strings.Cut(a, "="); ok && !strings.Contains(k, "/") {
					images[k] = v
					order = append(order, k)
				} else {
					resources = append(resources, a)
				}
			}
			if len(resources) == 0 {
				return fmt.Errorf("one or more resources must be specified as <resource> <name> or <resource>/<name>")
			}
			if len(images) == 0 {
				return fmt.Errorf("at least one image update is required")
			}
			if _, ok := images["*"]; ok && len(images) > 1 {
				return fmt.Errorf("all containers are already specified by *, but saw more than one container_name=container_image pairs")
			}
			return kc.eachSelected(cmd, resources, kc.NS(), selector, all, func(cl client.Interface, res api.Resource, name string) error {
				o, err := cl.Get(cmd.Context(), res, kc.NS(), name)
				if err != nil {
					return err
				}
				before, err := json.Marshal(o)
				if err != nil {
					return err
				}
				changed := o.DeepCopyObject().(api.Object)
				spec := podSpecOf(changed)
				if spec == nil {
					return fmt.Errorf("error: %s %v", typeName(res, name), fmt.Errorf("%s is not supported by set image", res.Kind))
				}
				var errs []string
				for _, cname := range order {
					found := setImage(spec.InitContainers, cname, images[cname])
					found = setImage(spec.Containers, cname, images[cname]) || found
					if !found {
						errs = append(errs, fmt.Sprintf("error: unable to find container named %q", cname))
					}
				}
				after, err := json.Marshal(changed)
				if err != nil {
					return err
				}
				patch, err := strategicpatch.CreateTwoWayMergePatch(before, after, res.New())
				if err != nil {
					return err
				}
				if string(patch) != "{}" {
					if _, _, err := cl.Patch(cmd.Context(), res, kc.NS(), name, types.StrategicMergePatchType, patch, metav1.PatchOptions{FieldManager: "kubectl-set"}); err != nil {
						return fmt.Errorf("failed to patch image update to pod template: %v", err)
					}
					fmt.Fprintf(kc.Stdout, "%s image updated\n", typeName(res, name))
				}
				if len(errs) > 0 {
					return fmt.Errorf("%s", strings.Join(errs, "\n"))
				}
				return nil
			})
		},
	}
	c.Flags().StringVarP(&selector, "selector", "l", "", "Selector (label query) to filter on")
	c.Flags().BoolVar(&all, "all", false, "Select all resources, in the namespace of the specified resource types")
	return c
}

func setImage(cs []corev1.Container, name, image string) bool {
	found := false
	for i := range cs {
		if name == "*" || cs[i].Name == name {
			cs[i].Image = image
			found = true
		}
	}
	return found
}
