package printers

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// describePodTemplate is kubectl's DescribePodTemplate, the "Pod Template:"
// block of every workload's page: its titles two spaces in, containers and
// volumes as on a pod page but without status.
func describePodTemplate(p prefixWriter, t *corev1.PodTemplateSpec) {
	p.line(0, "Pod Template:")
	if t == nil {
		p.write(1, "<unset>")
		return
	}
	printLabels(p, "  Labels", t.Labels)
	if len(t.Annotations) > 0 {
		printAnnotationsTitled(p, "  Annotations", t.Annotations)
	}
	if t.Spec.ServiceAccountName != "" {
		p.line(1, "Service Account:\t%s", t.Spec.ServiceAccountName)
	}
	if len(t.Spec.InitContainers) > 0 {
		describeContainers(p, "  ", "Init Containers", nil, t.Spec.InitContainers, nil)
	}
	describeContainers(p, "  ", "Containers", nil, t.Spec.Containers, nil)
	describeVolumes(p, "  ", t.Spec.Volumes)
	describeSpreadConstraints(p, "  ", t.Spec.TopologySpreadConstraints)
	if t.Spec.PriorityClassName != "" {
		p.line(1, "Priority Class Name:\t%s", t.Spec.PriorityClassName)
	}
	printLabels(p, "  Node-Selectors", t.Spec.NodeSelector)
	describeTolerations(p, "  Tolerations", t.Spec.Tolerations)
}

// describeSpreadConstraints is kubectl's describeTopologySpreadConstraints:
// sorted by topology key, "key:Effect when max skew N is exceeded[ for
// selector S]".
func describeSpreadConstraints(p prefixWriter, space string, cs []corev1.TopologySpreadConstraint) {
	if len(cs) == 0 {
		return
	}
	sorted := append([]corev1.TopologySpreadConstraint(nil), cs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].TopologyKey < sorted[j].TopologyKey })
	p.write(0, "%sTopology Spread Constraints:\t", space)
	for i, c := range sorted {
		if i > 0 {
			p.write(0, "%s\t", space)
		}
		s := fmt.Sprintf("%s:%v when max skew %d is exceeded", c.TopologyKey, c.WhenUnsatisfiable, c.MaxSkew)
		if c.LabelSelector != nil {
			s += " for selector " + metav1.FormatLabelSelector(c.LabelSelector)
		}
		p.write(0, "%s\n", s)
	}
}

// PodCounts is how many of a controller's pods are in each phase, as
// kubectl's getPodStatusForController counts them: only pods whose
// controller reference is the controller's UID.
type PodCounts struct{ Running, Waiting, Succeeded, Failed int }

// CountPods counts the pods controlled by the object with uid.
func CountPods(pods []corev1.Pod, uid string) PodCounts {
	var c PodCounts
	for i := range pods {
		ref := metav1.GetControllerOf(&pods[i])
		if ref == nil || string(ref.UID) != uid {
			continue
		}
		switch pods[i].Status.Phase {
		case corev1.PodRunning:
			c.Running++
		case corev1.PodPending:
			c.Waiting++
		case corev1.PodSucceeded:
			c.Succeeded++
		case corev1.PodFailed:
			c.Failed++
		}
	}
	return c
}

func (c PodCounts) String() string {
	return fmt.Sprintf("%d Running / %d Waiting / %d Succeeded / %d Failed", c.Running, c.Waiting, c.Succeeded, c.Failed)
}

// printController is kubectl's printController: "Kind/name" of the
// controller reference, or "".
func printController(o metav1.Object) string {
	if ref := metav1.GetControllerOf(o); ref != nil {
		return ref.Kind + "/" + ref.Name
	}
	return ""
}
