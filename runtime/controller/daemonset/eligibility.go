package daemonset

import (
	"fmt"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	v1helper "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"

	"github.com/podlab/podlab/runtime/labclock"
)

// Upstream's labels (apps/v1's DefaultDaemonSetUniqueLabelKey and
// extensions' DaemonSetTemplateGenerationKey) and the annotation the registry keeps
// the template generation in.
const (
	hashLabel                    = appsv1.DefaultDaemonSetUniqueLabelKey
	generationLabel              = "pod-template-generation"
	templateGenerationAnnotation = "deprecated.daemonset.template.generation"
)

func minReady(ds *appsv1.DaemonSet) time.Duration {
	return labclock.Seconds(int64(ds.Spec.MinReadySeconds))
}

// templateGeneration reads the set's template generation (nil if unset).
func templateGeneration(ds *appsv1.DaemonSet) *int64 {
	v, ok := ds.Annotations[templateGenerationAnnotation]
	if !ok {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil
	}
	return &n
}

// daemonTolerations are upstream's AddOrUpdateDaemonPodTolerations.
func daemonTolerations(spec *corev1.PodSpec) {
	add := func(key string, effect corev1.TaintEffect) {
		addOrUpdateToleration(spec, corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: effect})
	}
	add(corev1.TaintNodeNotReady, corev1.TaintEffectNoExecute)
	add(corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute)
	add(corev1.TaintNodeDiskPressure, corev1.TaintEffectNoSchedule)
	add(corev1.TaintNodeMemoryPressure, corev1.TaintEffectNoSchedule)
	add(corev1.TaintNodePIDPressure, corev1.TaintEffectNoSchedule)
	add(corev1.TaintNodeUnschedulable, corev1.TaintEffectNoSchedule)
	if spec.HostNetwork {
		add(corev1.TaintNodeNetworkUnavailable, corev1.TaintEffectNoSchedule)
	}
}

// addOrUpdateToleration is upstream's AddOrUpdateTolerationInPodSpec: a
// toleration of the same key, operator, value and effect is replaced (so a
// user's tolerationSeconds on not-ready goes), else it is appended.
func addOrUpdateToleration(spec *corev1.PodSpec, t corev1.Toleration) {
	for i := range spec.Tolerations {
		old := spec.Tolerations[i]
		if old.Key == t.Key && old.Operator == t.Operator && old.Value == t.Value && old.Effect == t.Effect {
			spec.Tolerations[i] = t
			return
		}
	}
	spec.Tolerations = append(spec.Tolerations, t)
}

// podTemplate is upstream's CreatePodTemplate: the daemon tolerations,
// the template generation and the revision hash.
func podTemplate(ds *appsv1.DaemonSet, hash string) corev1.PodTemplateSpec {
	t := *ds.Spec.Template.DeepCopy()
	daemonTolerations(&t.Spec)
	if t.Labels == nil {
		t.Labels = map[string]string{}
	}
	if g := templateGeneration(ds); g != nil {
		t.Labels[generationLabel] = fmt.Sprint(*g)
	}
	if hash != "" {
		t.Labels[hashLabel] = hash
	}
	return t
}

// nodeAffinityFor is upstream's ReplaceDaemonSetPodNodeNameNodeAffinity:
// the required terms become one, matchFields metadata.name In [node].
func nodeAffinityFor(a *corev1.Affinity, node string) *corev1.Affinity {
	sel := &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchFields: []corev1.NodeSelectorRequirement{{
		Key: metav1.ObjectNameField, Operator: corev1.NodeSelectorOpIn, Values: []string{node}}}}}}
	if a == nil {
		return &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: sel}}
	}
	if a.NodeAffinity == nil {
		a.NodeAffinity = &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: sel}
		return a
	}
	if a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = sel
		return a
	}
	a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms = sel.NodeSelectorTerms
	return a
}

// targetNode is upstream's GetTargetNodeName: the pod's node, or the one
// its matchFields affinity names while it waits for the scheduler.
func targetNode(p *corev1.Pod) string {
	if p.Spec.NodeName != "" {
		return p.Spec.NodeName
	}
	a := p.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return ""
	}
	for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for _, r := range term.MatchFields {
			if r.Key == metav1.ObjectNameField && r.Operator == corev1.NodeSelectorOpIn && len(r.Values) == 1 {
				return r.Values[0]
			}
		}
	}
	return ""
}

// shouldRun is upstream's NodeShouldRunDaemonPod: whether the node should
// get a daemon pod, and whether one already there may stay.
func shouldRun(node *corev1.Node, ds *appsv1.DaemonSet) (run, keep bool) {
	pod := &corev1.Pod{Spec: *ds.Spec.Template.Spec.DeepCopy(), ObjectMeta: ds.Spec.Template.ObjectMeta}
	daemonTolerations(&pod.Spec)
	fitsName := pod.Spec.NodeName == "" || pod.Spec.NodeName == node.Name
	fitsAffinity, _ := nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)
	if !fitsName || !fitsAffinity {
		return false, false
	}
	_, untolerated := v1helper.FindMatchingUntoleratedTaint(klog.Background(), node.Spec.Taints, pod.Spec.Tolerations, func(t *corev1.Taint) bool {
		return t.Effect == corev1.TaintEffectNoExecute || t.Effect == corev1.TaintEffectNoSchedule
	}, false)
	_, untoleratedNoExecute := v1helper.FindMatchingUntoleratedTaint(klog.Background(), node.Spec.Taints, pod.Spec.Tolerations, func(t *corev1.Taint) bool {
		return t.Effect == corev1.TaintEffectNoExecute
	}, false)
	return !untolerated, !untoleratedNoExecute
}

func isReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// isAvailable is upstream's IsPodAvailable: ready for minReadySeconds.
func isAvailable(p *corev1.Pod, minReady time.Duration, now time.Time) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return minReady == 0 || (!c.LastTransitionTime.IsZero() && c.LastTransitionTime.Add(minReady).Before(now))
		}
	}
	return false
}

// isUpdated is upstream's IsPodUpdated: the pod carries the current hash
// or the current template generation.
func isUpdated(p *corev1.Pod, hash string, gen *int64) bool {
	return (hash != "" && p.Labels[hashLabel] == hash) || (gen != nil && p.Labels[generationLabel] == fmt.Sprint(*gen))
}
