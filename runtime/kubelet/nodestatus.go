package kubelet

import (
	"context"
	"encoding/json"
	"log"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/labclock"
)

// Upstream's node status timings (kubelet config defaults), scaled by
// labclock: the status is computed every nodeStatusUpdateFrequency but
// written only when it changed or nodeStatusReportFrequency has passed since
// the last write — the Lease is the heartbeat, the Node's Ready condition
// only a slow one.
const (
	nodeStatusUpdateFrequency = 10 * time.Second
	nodeStatusReportFrequency = 5 * time.Minute
	// nodeStatusUpdateRetry is upstream's number of immediate attempts.
	nodeStatusUpdateRetry = 5
	// Upstream's registration backoff: 100 ms doubling up to 7 s.
	registerBackoffInitial = 100 * time.Millisecond
	registerBackoffMax     = 7 * time.Second
)

// nodeStatusState remembers when the node's status was last written, and
// whether the node was last seen unschedulable.
type nodeStatusState struct {
	mu                sync.Mutex
	lastReport        time.Time
	lastUnschedulable bool
}

// unschedulableChanged records the node's spec.unschedulable and says
// whether it differs from the last one seen.
func (s *nodeStatusState) unschedulableChanged(now bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := s.lastUnschedulable != now
	s.lastUnschedulable = now
	return changed
}

func (s *nodeStatusState) reported(at time.Time) {
	s.mu.Lock()
	s.lastReport = at
	s.mu.Unlock()
}

func (s *nodeStatusState) reportDue(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !now.Before(s.lastReport.Add(labclock.Scaled(nodeStatusReportFrequency)))
}

// registerWithAPIServer registers the node, retrying with upstream's
// backoff until it succeeds or ctx ends.
func (k *Kubelet) registerWithAPIServer(ctx context.Context) error {
	step := registerBackoffInitial
	for {
		err := k.tryRegister(ctx)
		if err == nil {
			return nil
		}
		log.Printf("kubelet: unable to register node %s with the API server: %v", k.cfg.NodeName, err)
		if !labclock.Sleep(ctx, step) {
			return ctx.Err()
		}
		if step *= 2; step > registerBackoffMax {
			step = registerBackoffMax
		}
	}
}

// tryRegister creates the Node, with the configured labels and taints;
// when it exists already (the node agent restarted) only its default
// labels are reconciled and its status written through nodes/status, which
// leaves the spec — taints, unschedulable, the learner's to change — alone
// (upstream's tryRegisterWithAPIServer).
func (k *Kubelet) tryRegister(ctx context.Context) error {
	now := time.Now()
	node := k.initialNode(now)
	nodes := k.client.CoreV1().Nodes()
	_, err := nodes.Create(ctx, node, metav1.CreateOptions{})
	if err == nil {
		k.recordNodeStatusEvents(conditionChanges(nil, node.Status.Conditions))
		k.nodeRegistered(node, now)
		return nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	existing, err := nodes.Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if existing.Labels == nil {
		existing.Labels = map[string]string{}
	}
	for key, v := range k.defaultLabels() {
		existing.Labels[key] = v
	}
	before := existing.Status.DeepCopy()
	k.setNodeStatus(existing, now)
	if _, err := nodes.UpdateStatus(ctx, existing, metav1.UpdateOptions{}); err != nil {
		return err
	}
	k.recordNodeStatusEvents(conditionChanges(before.Conditions, existing.Status.Conditions))
	k.recordSchedulableChange(existing)
	k.nodeRegistered(existing, now)
	return nil
}

func (k *Kubelet) nodeRegistered(_ *corev1.Node, at time.Time) {
	k.node.reported(at)
}

// runNodeStatus recomputes the node's status every nodeStatusUpdateFrequency.
func (k *Kubelet) runNodeStatus(ctx context.Context) {
	t := labclock.NewTimer(nodeStatusUpdateFrequency)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		k.updateNodeStatus(ctx)
		t.Reset(labclock.Scaled(nodeStatusUpdateFrequency))
	}
}

func (k *Kubelet) updateNodeStatus(ctx context.Context) {
	for i := 0; i < nodeStatusUpdateRetry; i++ {
		err := k.tryUpdateNodeStatus(ctx)
		if err == nil || ctx.Err() != nil {
			return
		}
		log.Printf("kubelet: error updating the status of node %s, will retry: %v", k.cfg.NodeName, err)
	}
}

// tryUpdateNodeStatus writes the node's status through nodes/status when it
// changed (heartbeat times aside) or the report is due, as upstream's
// tryUpdateNodeStatus does. A deleted Node is not recreated: upstream's
// kubelet registers once, and a Node deleted later stays deleted until the
// kubelet restarts.
func (k *Kubelet) tryUpdateNodeStatus(ctx context.Context) error {
	node, err := k.client.CoreV1().Nodes().Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	k.recordSchedulableChange(node)
	original := node.Status.DeepCopy()
	now := time.Now()
	k.setNodeStatus(node, now)
	if !k.node.reportDue(now) && !nodeStatusChanged(original, &node.Status) {
		return nil
	}
	if _, err := k.client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		return err
	}
	k.recordNodeStatusEvents(conditionChanges(original.Conditions, node.Status.Conditions))
	k.node.reported(now)
	return nil
}

// nodeStatusChanged compares two node statuses ignoring the conditions'
// heartbeat times (upstream's nodeStatusHasChanged), as the API stores them.
func nodeStatusChanged(a, b *corev1.NodeStatus) bool {
	strip := func(s *corev1.NodeStatus) string {
		c := s.DeepCopy()
		for i := range c.Conditions {
			c.Conditions[i].LastHeartbeatTime = metav1.Time{}
		}
		j, _ := json.Marshal(c)
		return string(j)
	}
	return strip(a) != strip(b)
}
