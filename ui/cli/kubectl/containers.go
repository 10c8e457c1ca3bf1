package kubectl

import (
	"fmt"
	"io"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// defaultContainerAnnotation names the container kubectl picks when -c is omitted.
const defaultContainerAnnotation = "kubectl.kubernetes.io/default-container"

// defaultContainer is kubectl's choice when -c is omitted (podcmd's
// FindOrDefaultContainerByName): the annotated default container if it
// exists, else the first app container, with a notice on w when the pod
// has others. Logs also warns about an annotation naming no container.
func defaultContainer(pod *corev1.Pod, w io.Writer, warnBadAnnotation bool) (string, error) {
	if len(pod.Spec.Containers) == 0 {
		return "", fmt.Errorf("pod %s/%s does not have any containers", pod.Namespace, pod.Name)
	}
	if name := pod.Annotations[defaultContainerAnnotation]; name != "" {
		if hasContainer(pod, name) {
			return name, nil
		}
		if warnBadAnnotation {
			fmt.Fprintf(w, "Default container name %q not found in pod %s\n", name, pod.Name)
		}
	}
	name := pod.Spec.Containers[0].Name
	if len(pod.Spec.Containers) > 1 || len(pod.Spec.InitContainers) > 0 || len(pod.Spec.EphemeralContainers) > 0 {
		fmt.Fprintf(w, "Defaulted container %q out of: %s\n", name, allContainerNames(pod))
	}
	return name, nil
}

func hasContainer(pod *corev1.Pod, name string) bool {
	for _, c := range pod.Spec.Containers {
		if c.Name == name {
			return true
		}
	}
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			return true
		}
	}
	for _, c := range pod.Spec.EphemeralContainers {
		if c.Name == name {
			return true
		}
	}
	return false
}

// allContainerNames lists a pod's containers as kubectl's notice does:
// app containers, then "(ephem)" and "(init)" ones.
func allContainerNames(pod *corev1.Pod) string {
	var names []string
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		names = append(names, c.Name+" (ephem)")
	}
	for _, c := range pod.Spec.InitContainers {
		names = append(names, c.Name+" (init)")
	}
	return strings.Join(names, ", ")
}

// completedPhase tells whether a pod has finished: kubectl refuses to exec
// or attach into it before asking the server.
func completedPhase(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}
