package replicaset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/podlab/podlab/runtime/api"
)

// set is one ReplicaSet or ReplicationController seen as a ReplicaSet (the
// way upstream's replication manager converts them); obj is the object
// itself, which events name and status writes start from.
type set struct {
	*appsv1.ReplicaSet
	obj api.Object
}

// kind is what differs between the two resources the controller keeps.
type kind struct {
	name     string // queue and log name
	gvk      schema.GroupVersionKind
	informer cache.SharedIndexInformer
	// convert reads a cached object as a set (nil if it is not one).
	convert func(obj any) *set
	// live reads the set from the API, past the cache (adoption's recheck).
	live func(ctx context.Context, ns, name string) (*set, error)
	// writeStatus stores status on the set through its status subresource.
	writeStatus func(ctx context.Context, s *set, status appsv1.ReplicaSetStatus) error
	// hasTerminating: whether the status counts terminatingReplicas
	// (ReplicaSets do since v1.33; ReplicationControllers have no field).
	hasTerminating bool
}

func replicaSets(client kubernetes.Interface, factory informers.SharedInformerFactory) kind {
	conv := func(obj any) *set {
		rs, ok := obj.(*appsv1.ReplicaSet)
		if !ok {
			return nil
		}
		return &set{ReplicaSet: rs, obj: rs}
	}
	return kind{
		name:     "replicaset",
		gvk:      appsv1.SchemeGroupVersion.WithKind("ReplicaSet"),
		informer: factory.Apps().V1().ReplicaSets().Informer(),
		convert:  conv,
		live: func(ctx context.Context, ns, name string) (*set, error) {
			rs, err := client.AppsV1().ReplicaSets(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return nil, err
			}
			return conv(rs), nil
		},
		writeStatus: func(ctx context.Context, s *set, status appsv1.ReplicaSetStatus) error {
			rs := s.obj.(*appsv1.ReplicaSet).DeepCopy()
			rs.Status = status
			_, err := client.AppsV1().ReplicaSets(rs.Namespace).UpdateStatus(ctx, rs, metav1.UpdateOptions{})
			return err
		},
		hasTerminating: true,
	}
}

func replicationControllers(client kubernetes.Interface, factory informers.SharedInformerFactory) kind {
	return kind{
		name:     "replicationcontroller",
		gvk:      corev1.SchemeGroupVersion.WithKind("ReplicationController"),
		informer: factory.Core().V1().ReplicationControllers().Informer(),
		convert: func(obj any) *set {
			rc, ok := obj.(*corev1.ReplicationController)
			if !ok {
				return nil
			}
			return fromRC(rc)
		},
		live: func(ctx context.Context, ns, name string) (*set, error) {
			rc, err := client.CoreV1().ReplicationControllers(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return nil, err
			}
			return fromRC(rc), nil
		},
		writeStatus: func(ctx context.Context, s *set, status appsv1.ReplicaSetStatus) error {
			rc := s.obj.(*corev1.ReplicationController).DeepCopy()
			rc.Status = corev1.ReplicationControllerStatus{
				Replicas: status.Replicas, FullyLabeledReplicas: status.FullyLabeledReplicas,
				ReadyReplicas: status.ReadyReplicas, AvailableReplicas: status.AvailableReplicas,
				ObservedGeneration: status.ObservedGeneration,
			}
			for _, c := range status.Conditions {
				rc.Status.Conditions = append(rc.Status.Conditions, corev1.ReplicationControllerCondition{
					Type: corev1.ReplicationControllerConditionType(c.Type), Status: c.Status,
					LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message,
				})
			}
			_, err := client.CoreV1().ReplicationControllers(rc.Namespace).UpdateStatus(ctx, rc, metav1.UpdateOptions{})
			return err
		},
	}
}

// fromRC converts a ReplicationController as upstream's replication
// manager does: its map selector becomes matchLabels.
func fromRC(rc *corev1.ReplicationController) *set {
	rs := &appsv1.ReplicaSet{
		ObjectMeta: rc.ObjectMeta,
		Spec: appsv1.ReplicaSetSpec{
			Replicas:        rc.Spec.Replicas,
			MinReadySeconds: rc.Spec.MinReadySeconds,
			Selector:        &metav1.LabelSelector{MatchLabels: rc.Spec.Selector},
		},
		Status: appsv1.ReplicaSetStatus{
			Replicas: rc.Status.Replicas, FullyLabeledReplicas: rc.Status.FullyLabeledReplicas,
			ReadyReplicas: rc.Status.ReadyReplicas, AvailableReplicas: rc.Status.AvailableReplicas,
			ObservedGeneration: rc.Status.ObservedGeneration,
		},
	}
	if rc.Spec.Template != nil {
		rs.Spec.Template = *rc.Spec.Template
	}
	for _, c := range rc.Status.Conditions {
		rs.Status.Conditions = append(rs.Status.Conditions, appsv1.ReplicaSetCondition{
			Type: appsv1.ReplicaSetConditionType(c.Type), Status: c.Status,
			LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message,
		})
	}
	return &set{ReplicaSet: rs, obj: rc}
}
