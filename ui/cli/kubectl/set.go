package kubectl

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

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
