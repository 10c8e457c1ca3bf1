package kubectl

import (
	"context"
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

// logRequest is one container's log to read, named as kubectl's object
// reference names it: the pod and the container's field path.
type logRequest struct {
	namespace, pod string
	container      string // also the field path's {name}
	opts           *corev1.PodLogOptions
}

// logsTarget is what the logs verb reads from: one object, or the pods a
// selector listed.
type logsTarget struct {
	object api.Object    // a pod, a workload or a Service
	pods   []*corev1.Pod // with -l: the pods listed, in the server's order
	list   bool          // pods came from -l
}

// logRequests is kubectl's LogsForObject (allPods false) and
// AllPodLogsForObject (allPods true): a pod's default or named container
// (every container with allContainers: init, app, then ephemeral ones); a
// list's pods each; any other object's pods by its selector, the first
// by ByLogging ("Found N pods, using pod/NAME" on w when more match) or
// all of them with allPods. kubectl keeps them in a map, so their order
// is its map's; here it is the list's.
func logRequests(ctx context.Context, cl client.Interface, t logsTarget, opts *corev1.PodLogOptions, timeout time.Duration, allContainers, allPods bool, w io.Writer) ([]logRequest, error) {
	if t.list {
		return podsLogRequests(t.pods, opts, allContainers, allPods, w)
	}
	if pod, ok := t.object.(*corev1.Pod); ok {
		return podLogRequests(pod, opts, allContainers, allPods, w)
	}
	sel, err := selectorFor(t.object)
	if err != nil {
		return nil, fmt.Errorf("cannot get the logs from %T: %v", t.object, err)
	}
	pods, err := selectedPods(ctx, cl, t.object.GetNamespace(), sel, timeout, loggingLess)
	if err != nil {
		return nil, err
	}
	if len(pods) > 1 && allPods {
		return podsLogRequests(pods, opts, allContainers, allPods, w)
	}
	if len(pods) > 1 {
		fmt.Fprintf(w, "Found %v pods, using pod/%v\n", len(pods), pods[0].Name)
	}
	return podLogRequests(pods[0], opts, allContainers, allPods, w)
}

func podsLogRequests(pods []*corev1.Pod, opts *corev1.PodLogOptions, allContainers, allPods bool, w io.Writer) ([]logRequest, error) {
	var out []logRequest
	for _, p := range pods {
		reqs, err := podLogRequests(p, opts, allContainers, allPods, w)
		if err != nil {
			return nil, err
		}
		out = append(out, reqs...)
	}
	return out, nil
}

// podLogRequests is LogsForObject for one pod. Without a container named,
// kubectl takes the kubectl.kubernetes.io/default-container annotation's
// (warning when it names none), else the first app container, saying so
// when the pod has others (except with --all-pods); a named container the
// pod lacks is refused before any request.
func podLogRequests(pod *corev1.Pod, opts *corev1.PodLogOptions, allContainers, allPods bool, w io.Writer) ([]logRequest, error) {
	if allContainers {
		var out []logRequest
		for _, c := range containerNamesInLogOrder(pod) {
			o := opts.DeepCopy()
			o.Container = c
			reqs, err := podLogRequests(pod, o, false, false, w)
			if err != nil {
				return nil, err
			}
			out = append(out, reqs...)
		}
		return out, nil
	}
	o := opts.DeepCopy()
	if name := pod.Annotations[defaultContainerAnnotation]; name != "" && o.Container == "" {
		if hasContainer(pod, name) {
			o.Container = name
		} else {
			fmt.Fprintf(w, "Default container name %q not found in pod %s\n", name, pod.Name)
		}
	}
	if o.Container == "" {
		if len(pod.Spec.Containers) == 0 {
			return nil, fmt.Errorf("pod %s/%s does not have any containers", pod.Namespace, pod.Name)
		}
		o.Container = pod.Spec.Containers[0].Name
		if !allPods && (len(pod.Spec.Containers) > 1 || len(pod.Spec.InitContainers) > 0 || len(pod.Spec.EphemeralContainers) > 0) {
			fmt.Fprintf(w, "Defaulted container %q out of: %s\n", o.Container, allContainerNames(pod))
		}
	}
	if !hasContainer(pod, o.Container) {
		return nil, fmt.Errorf("container %s is not valid for pod %s out of: %s", o.Container, pod.Name, allContainerNames(pod))
	}
	return []logRequest{{namespace: pod.Namespace, pod: pod.Name, container: o.Container, opts: o}}, nil
}

// containerNamesInLogOrder is --all-containers' order: init, app, ephemeral.
func containerNamesInLogOrder(pod *corev1.Pod) []string {
	var names []string
	for _, c := range pod.Spec.InitContainers {
		names = append(names, c.Name)
	}
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		names = append(names, c.Name)
	}
	return names
}
