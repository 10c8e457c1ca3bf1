package kubectl

import (
	"context"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/ui/cli/printers"
)

// describeRelated fetches what kubectl's describer for o reads beside it:
// a node's pods and lease, a Service's EndpointSlices, a Deployment's
// ReplicaSets, the pods a controller's selector matches. nil when the
// kind's page needs nothing more.
func describeRelated(ctx context.Context, cl client.Interface, o api.Object) (*printers.Related, error) {
	rel := &printers.Related{}
	switch obj := o.(type) {
	case *corev1.Node:
		pods, err := listPods(ctx, cl, "", metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("spec.nodeName", obj.Name).String()})
		if err != nil {
			return nil, err
		}
		rel.Pods = pods
		// kubectl shows the node's heartbeat; a node without one shows <unset>.
		switch lease, err := cl.Get(ctx, api.Leases, corev1.NamespaceNodeLease, obj.Name); {
		case err == nil:
			rel.Lease = lease.(*coordinationv1.Lease)
		case !apierrors.IsNotFound(err):
			return nil, err
		}
	case *corev1.Service:
		// kubectl's ServiceDescriber lists slices by the service-name label
		// and ignores an error (the page then shows <none>).
		list, _, err := cl.List(ctx, api.EndpointSlices, obj.Namespace, metav1.ListOptions{
			LabelSelector: labels.Set{discoveryv1.LabelServiceName: obj.Name}.String()})
		if err == nil {
			for _, s := range list {
				rel.EndpointSlices = append(rel.EndpointSlices, *s.(*discoveryv1.EndpointSlice))
			}
		}
	case *appsv1.Deployment:
		// kubectl ignores an error here too (no ReplicaSet lines then).
		if old, cur, err := deploymentReplicaSets(ctx, cl, obj); err == nil {
			rel.OldReplicaSets, rel.NewReplicaSet = old, cur
		}
	case *appsv1.ReplicaSet:
		return controllerPods(ctx, cl, obj.Namespace, obj.Spec.Selector)
	case *appsv1.DaemonSet:
		return controllerPods(ctx, cl, obj.Namespace, obj.Spec.Selector)
	case *appsv1.StatefulSet:
		return controllerPods(ctx, cl, obj.Namespace, obj.Spec.Selector)
	case *corev1.ReplicationController:
		pods, err := listPods(ctx, cl, obj.Namespace, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(obj.Spec.Selector).String()})
		if err != nil {
			return nil, err
		}
		rel.Pods = pods
	default:
		return nil, nil
	}
	return rel, nil
}

// controllerPods lists the pods a controller's selector matches, as
// kubectl's getPodStatusForController does before counting those it owns.
func controllerPods(ctx context.Context, cl client.Interface, ns string, sel *metav1.LabelSelector) (*printers.Related, error) {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return nil, err
	}
	pods, err := listPods(ctx, cl, ns, metav1.ListOptions{LabelSelector: s.String()})
	if err != nil {
		return nil, err
	}
	return &printers.Related{Pods: pods}, nil
}

func listPods(ctx context.Context, cl client.Interface, ns string, opts metav1.ListOptions) ([]corev1.Pod, error) {
	list, _, err := cl.List(ctx, api.Pods, ns, opts)
	if err != nil {
		return nil, err
	}
	pods := make([]corev1.Pod, 0, len(list))
	for _, p := range list {
		pods = append(pods, *p.(*corev1.Pod))
	}
	return pods, nil
}

// deploymentReplicaSets is kubectl's deploymentutil.GetAllReplicaSets:
// the ReplicaSets the deployment controls, the new one being the oldest
// whose template equals the deployment's but for the pod-template-hash
// label, the others old, in list order.
func deploymentReplicaSets(ctx context.Context, cl client.Interface, d *appsv1.Deployment) ([]appsv1.ReplicaSet, *appsv1.ReplicaSet, error) {
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, nil, err
	}
	list, _, err := cl.List(ctx, api.ReplicaSets, d.Namespace, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, nil, err
	}
	var owned []appsv1.ReplicaSet
	for _, o := range list {
		rs := o.(*appsv1.ReplicaSet)
		if metav1.IsControlledBy(rs, d) {
			owned = append(owned, *rs)
		}
	}
	byAge := append([]appsv1.ReplicaSet(nil), owned...)
	sort.SliceStable(byAge, func(i, j int) bool {
		a, b := byAge[i].CreationTimestamp, byAge[j].CreationTimestamp
		if a.Equal(&b) {
			return byAge[i].Name < byAge[j].Name
		}
		return a.Before(&b)
	})
	var cur *appsv1.ReplicaSet
	for i := range byAge {
		if equalIgnoreHash(&byAge[i].Spec.Template, &d.Spec.Template) {
			cur = &byAge[i]
			break
		}
	}
	var old []appsv1.ReplicaSet
	for _, rs := range owned {
		if cur == nil || rs.UID != cur.UID {
			old = append(old, rs)
		}
	}
	return old, cur, nil
}
