package kubelet

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/podlab/podlab/runtime/kubelet/podspec"
)

// clientLookup gives podspec the ConfigMaps and Secrets a pod refers to,
// read from the API when a container or volume needs them (upstream's Get
// strategy for configMapAndSecretChangeDetectionStrategy); a missing one is
// the API's NotFound, which podspec words as the kubelet does. The node's
// allocatable is this kubelet's.
type clientLookup struct {
	ctx         context.Context
	client      kubernetes.Interface
	allocatable corev1.ResourceList
}

func (k *Kubelet) lookup(ctx context.Context) podspec.Lookup {
	return clientLookup{ctx: ctx, client: k.client, allocatable: k.allocatable()}
}

func (l clientLookup) NodeAllocatable() corev1.ResourceList { return l.allocatable }

func (l clientLookup) ConfigMap(ns, name string) (*corev1.ConfigMap, error) {
	return l.client.CoreV1().ConfigMaps(ns).Get(l.ctx, name, metav1.GetOptions{})
}

func (l clientLookup) Secret(ns, name string) (*corev1.Secret, error) {
	return l.client.CoreV1().Secrets(ns).Get(l.ctx, name, metav1.GetOptions{})
}

// Services lists a namespace's Services for the service environment
// variables (podspec.ServiceLookup).
func (l clientLookup) Services(ns string) ([]*corev1.Service, error) {
	list, err := l.client.CoreV1().Services(ns).List(l.ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := make([]*corev1.Service, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, &list.Items[i])
	}
	return out, nil
}
