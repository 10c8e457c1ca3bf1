package kubectl

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
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
