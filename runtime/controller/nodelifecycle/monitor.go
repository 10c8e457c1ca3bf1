package nodelifecycle

import (
	"context"
	"fmt"
	"log"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	nodetopology "k8s.io/component-helpers/node/topology"

	"github.com/podlab/podlab/runtime/labclock"
)

// nodeEvictionPeriod is how often upstream's doNoExecuteTaintingPass runs
// (scheduler.NodeEvictionPeriod) to taint the nodes its rate limiters let
// through. The lab runs the pass after every health pass and then exactly
// when the next queued node is due, never idly; minTaintingPeriod keeps a
// small time scale from turning that into a busy loop.
const (
	nodeEvictionPeriod = 100 * time.Millisecond
	minTaintingPeriod  = 10 * time.Millisecond
)

// excludeDisruptionLabel keeps a node out of its zone's disruption count
// (upstream's labelNodeDisruptionExclusion).
const excludeDisruptionLabel = "node.kubernetes.io/exclude-disruption"

// monitorLoop runs the health pass every nodeMonitorPeriod (scaled) and the
// NoExecute tainting pass after it and whenever a queued node is due, in
// one goroutine: the two share the zones' state.
func (c *Controller) monitorLoop(ctx context.Context) {
	monitor := time.NewTimer(0) // the first pass at once, as wait.Until's
	defer monitor.Stop()
	taint := time.NewTimer(time.Hour)
	taint.Stop()
	defer taint.Stop()
	arm := func() {
		if due, ok := c.nextTaintDue(); ok {
			taint.Reset(max(due.Sub(c.now()), max(labclock.Scaled(nodeEvictionPeriod), minTaintingPeriod)))
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-monitor.C:
			if err := c.monitorNodeHealth(ctx); err != nil && ctx.Err() == nil {
				log.Printf("%s: monitoring node health: %v", Name, err)
			}
			c.noExecuteTaintingPass(ctx)
			arm()
			monitor.Reset(labclock.Scaled(nodeMonitorPeriod))
		case <-taint.C:
			c.noExecuteTaintingPass(ctx)
			arm()
		}
	}
}

// monitorNodeHealth is one pass of upstream's monitorNodeHealth over every
// node of the cache: new and removed nodes noted, each node's health
// updated, its NoExecute taint decided, its pods marked not ready when it
// just stopped being Ready, and the zones' disruption states recomputed.
func (c *Controller) monitorNodeHealth(ctx context.Context) error {
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return err
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	added, deleted, newZones := c.classifyNodes(nodes)
	for _, n := range newZones {
		c.addZone(n)
	}
	for _, n := range added {
		c.event(n, corev1.EventTypeNormal, "RegisteredNode", fmt.Sprintf("Node %s event: Registered Node %s in Controller", n.Name, n.Name))
		c.known[n.Name] = n
		c.addZone(n)
		if err := c.markNodeAsReachable(ctx, n); err != nil {
			log.Printf("%s: node %s: removing NoExecute taints: %v", Name, n.Name, err)
		}
	}
	for _, n := range deleted {
		c.event(n, corev1.EventTypeNormal, "RemovingNode", fmt.Sprintf("Node %s event: Removing Node %s from Controller", n.Name, n.Name))
		delete(c.known, n.Name)
		delete(c.retry, n.Name)
		c.setHealth(n.Name, nil)
	}

	zoneConditions := map[string][]*corev1.NodeCondition{}
	for _, cached := range nodes {
		node, observed, current, ok := c.updateWithRetry(ctx, cached)
		if !ok {
			continue
		}
		if _, excluded := node.Labels[excludeDisruptionLabel]; !excluded {
			zone := nodetopology.GetZoneKey(node)
			zoneConditions[zone] = append(zoneConditions[zone], current)
		}
		if current == nil {
			continue
		}
		c.processTaintBasedEviction(ctx, node, &observed)
		retry := c.retry[node.Name]
		if current.Status != corev1.ConditionTrue && observed.Status == corev1.ConditionTrue {
			// Reported once, when the node leaves Ready.
			c.event(node, corev1.EventTypeNormal, "NodeNotReady", fmt.Sprintf("Node %s status is now: NodeNotReady", node.Name))
			retry = true
		} else if observed.Status == corev1.ConditionTrue {
			retry = false
		}
		if retry {
			if err := c.markPodsNotReady(ctx, c.podsOn(node.Name), node.Name); err != nil {
				log.Printf("%s: marking the pods of node %s not ready, will retry: %v", Name, node.Name, err)
				c.retry[node.Name] = true
				continue
			}
		}
		delete(c.retry, node.Name)
	}
	c.handleDisruption(ctx, zoneConditions, nodes)
	return nil
}

// updateWithRetry updates the node's health, reading it afresh after a
// failed write, nodeHealthUpdateRetry times at most.
func (c *Controller) updateWithRetry(ctx context.Context, cached *corev1.Node) (*corev1.Node, corev1.NodeCondition, *corev1.NodeCondition, bool) {
	node := cached.DeepCopy()
	for i := 0; ; i++ {
		observed, current, err := c.updateNodeHealth(ctx, node)
		if err == nil {
			return node, observed, current, true
		}
		if i+1 >= nodeHealthUpdateRetry || ctx.Err() != nil {
			log.Printf("%s: updating the health of node %s: %v; its pods are left alone this time", Name, node.Name, err)
			return nil, observed, nil, false
		}
		time.Sleep(retrySleepTime)
		fresh, gerr := c.client.CoreV1().Nodes().Get(ctx, node.Name, metav1.GetOptions{})
		if gerr != nil {
			log.Printf("%s: reading node %s to retry its health update: %v", Name, node.Name, gerr)
			return nil, observed, nil, false
		}
		node = fresh
	}
}

// classifyNodes sorts the cache's nodes into those not seen before, those
// gone, and those seen whose zone has no state yet.
func (c *Controller) classifyNodes(nodes []*corev1.Node) (added, deleted, newZones []*corev1.Node) {
	seen := map[string]bool{}
	for _, n := range nodes {
		seen[n.Name] = true
		if _, ok := c.known[n.Name]; !ok {
			added = append(added, n)
		} else if _, ok := c.zoneStates[nodetopology.GetZoneKey(n)]; !ok {
			newZones = append(newZones, n)
		}
	}
	for name, n := range c.known {
		if !seen[name] {
			deleted = append(deleted, n)
		}
	}
	sort.Slice(deleted, func(i, j int) bool { return deleted[i].Name < deleted[j].Name })
	return added, deleted, newZones
}

// podsOn lists the cached pods bound to node.
func (c *Controller) podsOn(node string) []*corev1.Pod {
	all, err := c.pods.List(labels.Everything())
	if err != nil {
		return nil
	}
	var out []*corev1.Pod
	for _, p := range all {
		if p.Spec.NodeName == node {
			out = append(out, p)
		}
	}
	return out
}
