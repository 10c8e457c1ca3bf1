package admission

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apiserver/pkg/admission"
)

// defaultTolerationSeconds is upstream's --default-not-ready-toleration-seconds
// and --default-unreachable-toleration-seconds: a pod stays five minutes on
// a node that stops answering before it is evicted.
const defaultTolerationSeconds = int64(300)

// DefaultTolerationSeconds is upstream's plugin of that name: a new pod that
// does not tolerate the not-ready or unreachable NoExecute taints gets
// tolerations of them for 300 s.
type DefaultTolerationSeconds struct{}

var _ admission.MutationInterface = DefaultTolerationSeconds{}

func (DefaultTolerationSeconds) Handles(op admission.Operation) bool { return op == admission.Create }

func (DefaultTolerationSeconds) Admit(_ context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	pod, ok := a.GetObject().(*corev1.Pod)
	if !ok || a.GetSubresource() != "" {
		return nil
	}
	for _, key := range []string{corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable} {
		if tolerates(pod.Spec.Tolerations, key) {
			continue
		}
		seconds := defaultTolerationSeconds
		pod.Spec.Tolerations = append(pod.Spec.Tolerations, corev1.Toleration{
			Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &seconds,
		})
	}
	return nil
}

// tolerates reports whether some toleration already covers key's NoExecute
// taint (upstream checks for a toleration of the same key and effect, or a
// wildcard one).
func tolerates(tols []corev1.Toleration, key string) bool {
	for _, t := range tols {
		if (t.Key == key || t.Key == "") &&
			(t.Effect == "" || t.Effect == corev1.TaintEffectNoExecute) {
			return true
		}
	}
	return false
}
