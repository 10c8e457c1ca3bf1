package scheduler

import (
	"context"
	"encoding/json"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/client-go/kubernetes"

	"github.com/podlab/podlab/runtime/api"
)

// patchPodCondition sets one condition of pod through pods/status and
// reports whether it wrote: not at all when the condition is already so
// (upstream's podutil.UpdatePodCondition rule, which keeps
// lastTransitionTime unless the status flips). Like upstream's
// util.PatchPodStatus it sends a strategic merge patch of the status alone,
// which cannot conflict with the kubelet's writes, carrying the pod's UID
// so it fails on a pod recreated under the same name.
func patchPodCondition(ctx context.Context, client kubernetes.Interface, pod *corev1.Pod, cond corev1.PodCondition) (bool, error) {
	status := pod.Status.DeepCopy()
	if !api.SetPodCondition(status, cond) {
		return false, nil
	}
	before, err := json.Marshal(corev1.Pod{Status: pod.Status})
	if err != nil {
		return false, err
	}
	// The UID is only in the new side, so the patch names it.
	after, err := json.Marshal(corev1.Pod{ObjectMeta: metav1.ObjectMeta{UID: pod.UID}, Status: *status})
	if err != nil {
		return false, err
	}
	patch, err := strategicpatch.CreateTwoWayMergePatch(before, after, corev1.Pod{})
	if err != nil {
		return false, err
	}
	_, err = client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
	return true, err
}
