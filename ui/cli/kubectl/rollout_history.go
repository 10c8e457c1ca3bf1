package kubectl

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

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
