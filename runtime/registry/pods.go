package registry

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/podlab/podlab/runtime/api"
)

// podStrategy follows upstream's pkg/registry/core/pod/strategy.go.
type podStrategy struct{ strategy }

// PrepareForCreate: a new pod starts Pending with its QoS class and
// generation 1; whatever status the client sent is dropped.
func (podStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	pod := obj.(*corev1.Pod)
	pod.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: api.QOSClass(pod)}
	pod.Generation = 1
}

// PrepareForUpdate: the main resource never writes status, and a change of
// spec bumps the generation (upstream's updatePodGeneration).
func (podStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	newPod, oldPod := obj.(*corev1.Pod), old.(*corev1.Pod)
	newPod.Status = oldPod.Status
	newPod.Generation = oldPod.Generation
	if !apiequality.Semantic.DeepEqual(newPod.Spec, oldPod.Spec) {
		newPod.Generation++
	}
}

func (s podStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return statusResetFields(s.res)
}

// CheckGracefulDelete sets the grace period of a pod's deletion as upstream:
// the request's, else the pod's terminationGracePeriodSeconds; zero for a
// pod never scheduled or already finished (nothing runs that could stop
// gracefully), one for a negative request.
func (podStrategy) CheckGracefulDelete(_ context.Context, obj runtime.Object, options *metav1.DeleteOptions) bool {
	if options == nil {
		return false
	}
	pod := obj.(*corev1.Pod)
	var period int64
	if options.GracePeriodSeconds != nil {
		period = *options.GracePeriodSeconds
	} else if pod.Spec.TerminationGracePeriodSeconds != nil {
		period = *pod.Spec.TerminationGracePeriodSeconds
	}
	if pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		period = 0
	}
	if period < 0 {
		period = 1
	}
	options.GracePeriodSeconds = &period
	return true
}

// podStatusStrategy is the kubelet's road: pods/status writes status only.
type podStatusStrategy struct{ podStrategy }

func (podStatusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	newPod, oldPod := obj.(*corev1.Pod), old.(*corev1.Pod)
	newPod.Spec = oldPod.Spec
	newPod.Generation = oldPod.Generation
	// Owner references and the QoS class are not the kubelet's to change.
	newPod.OwnerReferences = oldPod.OwnerReferences
	newPod.Status.QOSClass = oldPod.Status.QOSClass
}

// ValidateUpdate: the generic registry checks the metadata; the status is
// the kubelet's own.
func (podStatusStrategy) ValidateUpdate(context.Context, runtime.Object, runtime.Object) field.ErrorList {
	return nil
}

func (s podStatusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return specResetFields(s.res)
}

// newPods returns the storage of pods and of their subresources.
func newPods(cfg Config) (map[string]rest.Storage, error) {
	s := podStrategy{newStrategy(api.Pods)}
	store, err := newStore(cfg, api.Pods, s, nil)
	if err != nil {
		return nil, err
	}
	store.ReturnDeletedObject = true
	status := statusStore(store, podStatusStrategy{s})
	eviction, err := newEvictionREST(cfg, store, podStatusStrategy{s})
	if err != nil {
		return nil, err
	}
	storages := map[string]rest.Storage{
		"pods":          &resourceREST{Store: store, res: api.Pods},
		"pods/status":   &statusREST{status},
		"pods/binding":  &bindingREST{store: store},
		"pods/eviction": eviction,
	}
	io := cfg.PodIO
	if io == nil {
		io = noNode{}
	}
	storages["pods/log"] = &logREST{pods: store, io: io}
	storages["pods/exec"] = &execREST{pods: store, io: io}
	storages["pods/attach"] = &attachREST{pods: store, io: io}
	storages["pods/portforward"] = &portForwardREST{pods: store, io: io}
	return storages, nil
}
