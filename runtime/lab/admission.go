package lab

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/podlab/podlab/runtime/api"
)

// imageInfo is what admission asks the engine about images.
type imageInfo interface {
	ImageStatus(ctx context.Context, ref string) (present bool, id string, size int64, err error)
	StandIn(ref string) (string, bool)
}

// admission applies the lab's own policy to pods, the way admission plugins
// do in a real API server: privileged containers need the lab's opt-in, and
// the learner is told (with kubectl-style warnings) where podlab departs from
// a real cluster — a stand-in image, a hostPath that lives on the virtual node.
type admission struct {
	opts   Options
	images imageInfo
}

func (a *admission) Admit(ctx context.Context, op string, res api.Resource, obj api.Object) ([]string, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || res.Name != api.Pods.Name {
		return nil, nil
	}
	if !a.opts.AllowPrivileged {
		for _, c := range allContainers(pod) {
			if c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged {
				return nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, pod.Name,
					fmt.Errorf("container %q is privileged, and this lab does not run privileged containers unless it was started with \"podlab up --allow-privileged\"", c.Name))
			}
		}
	}
	if op != "CREATE" {
		return nil, nil
	}
	var warnings []string
	if !a.opts.AllowHostPaths {
		for _, v := range pod.Spec.Volumes {
			if v.HostPath != nil {
				warnings = append(warnings, fmt.Sprintf("hostPath volume %q: %s lives on the virtual node's own disk, not on your machine; read it with \"podlab node cat <node> %s\"", v.Name, v.HostPath.Path, v.HostPath.Path))
			}
		}
	}
	if a.images != nil {
		ictx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		seen := map[string]bool{}
		for _, c := range allContainers(pod) {
			if seen[c.Image] {
				continue
			}
			seen[c.Image] = true
			standIn, ok := a.images.StandIn(c.Image)
			if !ok {
				continue
			}
			if present, _, _, err := a.images.ImageStatus(ictx, c.Image); err == nil && !present {
				warnings = append(warnings, fmt.Sprintf("image %q is not on this machine; if no registry answers, podlab runs its own stand-in %q instead (see docs/images.md)", c.Image, standIn))
			}
		}
	}
	return warnings, nil
}

func allContainers(pod *corev1.Pod) []corev1.Container {
	return append(append([]corev1.Container(nil), pod.Spec.InitContainers...), pod.Spec.Containers...)
}
