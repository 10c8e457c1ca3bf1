package admission

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/warning"
)

// Images is what LabNotes asks the engine about images.
type Images interface {
	ImageStatus(ctx context.Context, ref string) (present bool, id string, size int64, err error)
	StandIn(ref string) (string, bool)
}

// LabNotes warns on pod creation where the lab departs from a real cluster.
type LabNotes struct {
	// AllowHostPaths: hostPath volumes reach the learner's machine, so no
	// note is due.
	AllowHostPaths bool
	Images         Images // nil: no image notes
}

var _ admission.ValidationInterface = LabNotes{}

func (LabNotes) Handles(op admission.Operation) bool { return op == admission.Create }

func (n LabNotes) Validate(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	pod, ok := a.GetObject().(*corev1.Pod)
	if !ok || a.GetSubresource() != "" {
		return nil
	}
	if !n.AllowHostPaths {
		for _, v := range pod.Spec.Volumes {
			if v.HostPath != nil {
				warning.AddWarning(ctx, "", fmt.Sprintf("hostPath volume %q: %s lives on the virtual node's own disk, not on your machine; read it with \"podlab node cat <node> %s\"", v.Name, v.HostPath.Path, v.HostPath.Path))
			}
		}
	}
	if n.Images == nil {
		return nil
	}
	ictx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	seen := map[string]bool{}
	for _, c := range allContainers(pod) {
		if seen[c.Image] {
			continue
		}
		seen[c.Image] = true
		standIn, ok := n.Images.StandIn(c.Image)
		if !ok {
			continue
		}
		if present, _, _, err := n.Images.ImageStatus(ictx, c.Image); err == nil && !present {
			warning.AddWarning(ctx, "", fmt.Sprintf("image %q is not on this machine; if no registry answers, podlab runs its own stand-in %q instead (see docs/images.md)", c.Image, standIn))
		}
	}
	return nil
}
