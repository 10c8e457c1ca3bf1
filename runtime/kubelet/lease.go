package kubelet

import (
	"context"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/component-helpers/apimachinery/lease"
	"k8s.io/utils/clock"

	"github.com/podlab/podlab/runtime/labclock"
)

// Upstream's node lease (pkg/kubelet/nodelease): a Lease named after the
// node in kube-node-lease, held for nodeLeaseDurationSeconds and renewed at
// a quarter of it (10 s, scaled by labclock; the duration itself is the
// number of Kubernetes seconds a reader allows, so it stays 40).
const (
	nodeLeaseDurationSeconds       = 40
	nodeLeaseRenewIntervalFraction = 0.25
)

func leaseRenewInterval() time.Duration {
	return labclock.Scaled(time.Duration(nodeLeaseRenewIntervalFraction * float64(nodeLeaseDurationSeconds*time.Second)))
}

// runNodeLease renews the node's Lease until ctx ends, with upstream's own
// lease controller (k8s.io/component-helpers), as the kubelet does.
func (k *Kubelet) runNodeLease(ctx context.Context) {
	lease.NewController(clock.RealClock{}, k.client, k.cfg.NodeName, nodeLeaseDurationSeconds, nil,
		leaseRenewInterval(), k.cfg.NodeName, corev1.NamespaceNodeLease, k.setNodeOwner(ctx)).Run(ctx)
}

// setNodeOwner makes the Node the owner of its Lease, so the lease goes
// with the node (upstream's SetNodeOwnerFunc): the Node's UID is read until
// it can be, on every renewal that finds no owner yet.
func (k *Kubelet) setNodeOwner(ctx context.Context) lease.ProcessLeaseFunc {
	return func(l *coordinationv1.Lease) error {
		if len(l.OwnerReferences) > 0 {
			return nil
		}
		node, err := k.client.CoreV1().Nodes().Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		l.OwnerReferences = []metav1.OwnerReference{{
			APIVersion: corev1.SchemeGroupVersion.Version,
			Kind:       "Node",
			Name:       node.Name,
			UID:        node.UID,
		}}
		return nil
	}
}
