package kubectl

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

// kubectl 1.37's drain filter messages (k8s.io/kubectl/pkg/drain).
const (
	daemonSetFatal      = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
	daemonSetWarning    = "ignoring DaemonSet-managed Pods"
	localStorageFatal   = "Pods with local storage (use --delete-emptydir-data to override)"
	localStorageWarning = "deleting Pods with local storage"
	unmanagedFatal      = "Pods that declare no controller (use --force to override)"
	unmanagedWarning    = "deleting Pods that declare no controller"
)

// podVerdict is what drain makes of one pod of the node: delete it or not,
// and whether that is worth a warning or stops the drain.
type podVerdict struct {
	pod     corev1.Pod
	delete  bool
	warning string // printed as "Warning: <warning>: ns/pod, …"
	fatal   string // stops the drain: "cannot delete <fatal>: ns/pod, …"
}

// drainList is the node's pods with drain's verdict on each.
type drainList []podVerdict

// pods are those to delete.
func (l drainList) pods() []corev1.Pod {
	var out []corev1.Pod
	for _, v := range l {
		if v.delete {
			out = append(out, v.pod)
		}
	}
	return out
}

// grouped joins the pods ("ns/name") of each message, in first-seen order.
func grouped(l drainList, message func(podVerdict) string) (keys []string, pods map[string][]string) {
	pods = map[string][]string{}
	for _, v := range l {
		m := message(v)
		if m == "" {
			continue
		}
		if _, ok := pods[m]; !ok {
			keys = append(keys, m)
		}
		pods[m] = append(pods[m], v.pod.Namespace+"/"+v.pod.Name)
	}
	return keys, pods
}

// warnings is kubectl's PodDeleteList.Warnings: "msg: ns/a, ns/b; msg2: …".
func (l drainList) warnings() string {
	keys, pods := grouped(l, func(v podVerdict) string { return v.warning })
	msgs := make([]string, len(keys))
	for i, k := range keys {
		msgs[i] = k + ": " + strings.Join(pods[k], ", ")
	}
	return strings.Join(msgs, "; ")
}

// errors is kubectl's PodDeleteList.errors: one per message.
func (l drainList) errors() []error {
	keys, pods := grouped(l, func(v podVerdict) string { return v.fatal })
	var errs []error
	for _, k := range keys {
		errs = append(errs, fmt.Errorf("cannot delete %s: %s", k, strings.Join(pods[k], ", ")))
	}
	return errs
}

// podsForDeletion lists the node's pods (those --pod-selector matches) and
// runs kubectl's filters over each, in its order: pods deleted long enough
// ago skipped, DaemonSet pods, mirror pods, pods with emptyDir volumes,
// pods no controller declares. A filter that says no ends the pod's
// filtering; otherwise the last filter's warning is the one kept.
func (kc *kubectl) podsForDeletion(ctx context.Context, cl client.Interface, node string, f drainFlags) (drainList, []error) {
	pods, _, err := cl.List(ctx, api.Pods, "", metav1.ListOptions{FieldSelector: "spec.nodeName=" + node, LabelSelector: f.podSelector})
	if err != nil {
		return nil, []error{err}
	}
	filters := []func(context.Context, client.Interface, *corev1.Pod, drainFlags) podVerdict{
		skipDeletedFilter, daemonSetFilter, mirrorPodFilter, localStorageFilter, unreplicatedFilter,
	}
	var list drainList
	for _, o := range pods {
		pod := o.(*corev1.Pod)
		var v podVerdict
		for _, filter := range filters {
			if v = filter(ctx, cl, pod, f); !v.delete {
				break
			}
		}
		v.pod = *pod
		list = append(list, v)
	}
	if errs := list.errors(); len(errs) > 0 {
		return list, errs
	}
	return list, nil
}

func okay() podVerdict { return podVerdict{delete: true} }

func finished(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}

// skipped reports whether the pod was deleted more than
// --skip-wait-for-delete-timeout seconds ago.
func skipped(pod *corev1.Pod, seconds int) bool {
	return seconds > 0 && pod.DeletionTimestamp != nil && int(time.Since(pod.DeletionTimestamp.Time).Seconds()) > seconds
}

func skipDeletedFilter(_ context.Context, _ client.Interface, pod *corev1.Pod, f drainFlags) podVerdict {
	if skipped(pod, f.skipWaitSeconds) {
		return podVerdict{}
	}
	return okay()
}

// daemonSetFilter keeps DaemonSet pods, which their DaemonSet would put
// back at once: --ignore-daemonsets to go on without them. A pod whose
// DaemonSet cannot be found goes with --force. The lab serves no
// DaemonSets yet; kubectl asking one finds the API answering 404, so the
// message is the one kubectl prints against the lab.
func daemonSetFilter(ctx context.Context, cl client.Interface, pod *corev1.Pod, f drainFlags) podVerdict {
	ref := metav1.GetControllerOf(pod)
	if ref == nil || ref.Kind != "DaemonSet" || ref.APIVersion != "apps/v1" || finished(pod) {
		return okay()
	}
	var err error
	if res, ok := api.Lookup("daemonsets"); ok && res.Group == "apps" {
		_, err = cl.Get(ctx, res, pod.Namespace, ref.Name)
	} else {
		err = apierrors.NewGenericServerResponse(404, "get", schema.GroupResource{Group: "apps", Resource: "daemonsets"}, ref.Name, "", 0, true)
	}
	switch {
	case err != nil && apierrors.IsNotFound(err) && f.force:
		return podVerdict{delete: true, warning: err.Error()}
	case err != nil:
		return podVerdict{fatal: err.Error()}
	case !f.ignoreDaemonSets:
		return podVerdict{fatal: daemonSetFatal}
	}
	return podVerdict{warning: daemonSetWarning}
}

// mirrorPodFilter skips the API's mirrors of a kubelet's static pods.
func mirrorPodFilter(_ context.Context, _ client.Interface, pod *corev1.Pod, _ drainFlags) podVerdict {
	if _, ok := pod.Annotations[corev1.MirrorPodAnnotationKey]; ok {
		return podVerdict{}
	}
	return okay()
}

// localStorageFilter keeps running pods with emptyDir volumes, whose data
// goes with them: --delete-emptydir-data to delete them anyway.
func localStorageFilter(_ context.Context, _ client.Interface, pod *corev1.Pod, f drainFlags) podVerdict {
	emptyDir := false
	for _, v := range pod.Spec.Volumes {
		emptyDir = emptyDir || v.EmptyDir != nil
	}
	switch {
	case !emptyDir || finished(pod):
		return okay()
	case !f.deleteEmptyDir:
		return podVerdict{fatal: localStorageFatal}
	}
	return podVerdict{delete: true, warning: localStorageWarning}
}

// unreplicatedFilter keeps running pods no controller declares, which
// nothing would re-create elsewhere: --force to delete them anyway.
func unreplicatedFilter(_ context.Context, _ client.Interface, pod *corev1.Pod, f drainFlags) podVerdict {
	switch {
	case finished(pod), metav1.GetControllerOf(pod) != nil:
		return okay()
	case f.force:
		return podVerdict{delete: true, warning: unmanagedWarning}
	}
	return podVerdict{fatal: unmanagedFatal}
}
