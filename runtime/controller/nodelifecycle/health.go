package nodelifecycle

import (
	"context"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/labclock"
)

// kube-controller-manager's defaults in v1.37 (its NodeLifecycleController
// and KubeCloudShared configuration), in Kubernetes time: labclock scales
// each where it is waited for.
const (
	// nodeMonitorPeriod (--node-monitor-period) is how often node health
	// is checked.
	nodeMonitorPeriod = 5 * time.Second
	// nodeMonitorGracePeriod (--node-monitor-grace-period) is how long a
	// node may post no heartbeat before it is Unknown: 50 s since v1.32
	// (kubernetes#126287), 40 s before.
	nodeMonitorGracePeriod = 50 * time.Second
	// nodeStartupGracePeriod (--node-startup-grace-period) is the grace of
	// a node that never posted a Ready condition, from its creation.
	nodeStartupGracePeriod = 60 * time.Second
	// nodeHealthUpdateRetry and retrySleepTime: upstream retries a failed
	// health update five times, 20 ms apart, reading the node afresh.
	nodeHealthUpdateRetry = 5
	retrySleepTime        = 20 * time.Millisecond
)

// Upstream's reasons and messages for conditions the controller sets.
const (
	reasonUnknown      = "NodeStatusUnknown"
	messageUnknown     = "Kubelet stopped posting node status."
	reasonNeverUpdated = "NodeStatusNeverUpdated"
	messageNeverUpdate = "Kubelet never posted node status."
)

// unknownConditions are the conditions set Unknown when a node goes silent;
// NetworkUnavailable is the control plane's, left alone (as upstream).
var unknownConditions = []corev1.NodeConditionType{corev1.NodeReady, corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure}

// nodeHealth is what the controller last saw of a node, with the local
// times it saw them (upstream's nodeHealthData): probeTimestamp is when a
// heartbeat last moved, by this controller's clock, so clocks skewed between
// the kubelet and the controller do not matter.
type nodeHealth struct {
	probeTimestamp           time.Time
	readyTransitionTimestamp time.Time
	status                   *corev1.NodeStatus
	lease                    *coordinationv1.Lease
}

func (h *nodeHealth) copy() *nodeHealth {
	if h == nil {
		return nil
	}
	return &nodeHealth{probeTimestamp: h.probeTimestamp, readyTransitionTimestamp: h.readyTransitionTimestamp,
		status: h.status.DeepCopy(), lease: h.lease.DeepCopy()}
}

func (c *Controller) healthOf(name string) *nodeHealth {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.health[name].copy()
}

func (c *Controller) setHealth(name string, h *nodeHealth) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h == nil {
		delete(c.health, name)
		return
	}
	c.health[name] = h
}

func readyCondition(st *corev1.NodeStatus) *corev1.NodeCondition {
	return nodeCondition(st, corev1.NodeReady)
}

func nodeCondition(st *corev1.NodeStatus, t corev1.NodeConditionType) *corev1.NodeCondition {
	if st == nil {
		return nil
	}
	for i := range st.Conditions {
		if st.Conditions[i].Type == t {
			return &st.Conditions[i]
		}
	}
	return nil
}

// renewedAfter reports whether lease b was renewed after lease a.
func renewedAfter(b, a *coordinationv1.Lease) bool {
	if b.Spec.RenewTime == nil {
		return false
	}
	return a == nil || a.Spec.RenewTime == nil || a.Spec.RenewTime.Before(b.Spec.RenewTime)
}

// updateNodeHealth is upstream's tryUpdateNodeHealth on node (a copy the
// caller owns): it notes whether the node's heartbeats (its Ready
// condition's lastHeartbeatTime, its Lease's renewTime) moved since the last
// look, and once they have not for the grace period marks the node's
// conditions Unknown through nodes/status. It returns the Ready condition as
// observed and as it is now (nil when the node has none).
func (c *Controller) updateNodeHealth(ctx context.Context, node *corev1.Node) (corev1.NodeCondition, *corev1.NodeCondition, error) {
	h := c.healthOf(node.Name)
	defer func() { c.setHealth(node.Name, h) }()
	now := c.now()

	var observed corev1.NodeCondition
	var grace time.Duration
	current := readyCondition(&node.Status)
	if current == nil {
		// Never posted: pretend a Ready Unknown as old as the node, and
		// give it the startup grace.
		observed = corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionUnknown,
			LastHeartbeatTime: node.CreationTimestamp, LastTransitionTime: node.CreationTimestamp}
		grace = nodeStartupGracePeriod
		if h != nil {
			h.status = &node.Status
		} else {
			h = &nodeHealth{status: &node.Status, probeTimestamp: node.CreationTimestamp.Time, readyTransitionTimestamp: node.CreationTimestamp.Time}
		}
	} else {
		observed = *current
		grace = nodeMonitorGracePeriod
	}

	var saved *corev1.NodeCondition
	var savedLease *coordinationv1.Lease
	if h != nil {
		saved = readyCondition(h.status)
		savedLease = h.lease
	}
	switch {
	case h == nil:
		// First look at the node (the controller just started): its
		// heartbeats count from now.
		h = &nodeHealth{status: &node.Status, probeTimestamp: now, readyTransitionTimestamp: now}
	case saved == nil && current != nil, saved != nil && current == nil:
		// A Ready condition appeared (or, wrongly, vanished): start over.
		h = &nodeHealth{status: &node.Status, probeTimestamp: now, readyTransitionTimestamp: now, lease: savedLease}
	case saved != nil && current != nil && !saved.LastHeartbeatTime.Equal(&current.LastHeartbeatTime):
		transition := h.readyTransitionTimestamp
		if !saved.LastTransitionTime.Equal(&current.LastTransitionTime) {
			transition = now
		}
		h = &nodeHealth{status: &node.Status, probeTimestamp: now, readyTransitionTimestamp: transition, lease: savedLease}
	}
	// A renewed lease is a heartbeat too, and the usual one: the kubelet
	// writes its node status only every 5 minutes when nothing changes.
	lease, _ := c.leases.Leases(corev1.NamespaceNodeLease).Get(node.Name)
	if lease != nil && renewedAfter(lease, savedLease) {
		h.lease = lease
		h.probeTimestamp = now
	}

	if !now.After(h.probeTimestamp.Add(labclock.Scaled(grace))) {
		return observed, current, nil
	}
	stamp := metav1.NewTime(now)
	for _, t := range unknownConditions {
		cond := nodeCondition(&node.Status, t)
		if cond == nil {
			node.Status.Conditions = append(node.Status.Conditions, corev1.NodeCondition{
				Type: t, Status: corev1.ConditionUnknown, Reason: reasonNeverUpdated, Message: messageNeverUpdate,
				LastHeartbeatTime: node.CreationTimestamp, LastTransitionTime: stamp,
			})
		} else if cond.Status != corev1.ConditionUnknown {
			cond.Status, cond.Reason, cond.Message, cond.LastTransitionTime = corev1.ConditionUnknown, reasonUnknown, messageUnknown, stamp
		}
	}
	current = readyCondition(&node.Status)
	if apiequality.Semantic.DeepEqual(current, &observed) {
		return observed, current, nil // Unknown already: nothing to write
	}
	if _, err := c.client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		return observed, current, err
	}
	h = &nodeHealth{status: &node.Status, probeTimestamp: h.probeTimestamp, readyTransitionTimestamp: now, lease: h.lease}
	return observed, current, nil
}
