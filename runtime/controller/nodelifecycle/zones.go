package nodelifecycle

import (
	"context"
	"log"
	"time"

	corev1 "k8s.io/api/core/v1"
	nodetopology "k8s.io/component-helpers/node/topology"

	"github.com/podlab/podlab/runtime/labclock"
)

// kube-controller-manager's v1.37 defaults for how fast nodes are tainted.
const (
	// nodeEvictionRate (--node-eviction-rate): nodes tainted a second in a
	// healthy zone.
	nodeEvictionRate = 0.1
	// secondaryNodeEvictionRate (--secondary-node-eviction-rate): in a
	// partially disrupted zone of a large cluster.
	secondaryNodeEvictionRate = 0.01
	// largeClusterSizeThreshold (--large-cluster-size-threshold): smaller
	// clusters stop tainting a partially disrupted zone altogether.
	largeClusterSizeThreshold = 50
	// unhealthyZoneThreshold (--unhealthy-zone-threshold): the share of
	// not-Ready nodes (at least 3) that makes a zone partially disrupted.
	unhealthyZoneThreshold = 0.55
)

// zoneState is a zone's disruption state (upstream's ZoneState).
type zoneState string

const (
	stateInitial           zoneState = "Initial"
	stateNormal            zoneState = "Normal"
	stateFullDisruption    zoneState = "FullDisruption"
	statePartialDisruption zoneState = "PartialDisruption"
)

// limiter is a token bucket of burst 1 (upstream's
// flowcontrol.NewTokenBucketRateLimiter(qps, 1)): one accept at once, then
// one every 1/qps seconds, scaled by labclock; qps 0 accepts nothing.
type limiter struct {
	qps  float64
	next time.Time
}

func (l *limiter) interval() time.Duration {
	return labclock.Scaled(time.Duration(float64(time.Second) / l.qps))
}

func (l *limiter) accept(now time.Time) bool {
	if l.qps <= 0 || now.Before(l.next) {
		return false
	}
	l.next = now.Add(l.interval())
	return true
}

// swap changes the rate (upstream's SwapLimiter): a bucket that was empty
// stays empty for one interval of the new rate.
func (l *limiter) swap(qps float64, now time.Time) {
	if l.qps == qps {
		return
	}
	waiting := l.qps > 0 && now.Before(l.next)
	l.qps, l.next = qps, time.Time{}
	if qps > 0 && waiting {
		l.next = now.Add(l.interval())
	}
}

// addZone gives a zone seen for the first time its state and its taint
// queue at the healthy rate (upstream's addPodEvictorForNewZone).
func (c *Controller) addZone(node *corev1.Node) {
	zone := nodetopology.GetZoneKey(node)
	if _, ok := c.zoneStates[zone]; ok {
		return
	}
	c.zoneStates[zone] = stateInitial
	c.tainterQueue(zone)
}

// computeZoneState counts a zone's not-Ready nodes (those without a Ready
// condition included) and names its state (upstream's ComputeZoneState).
func computeZoneState(conditions []*corev1.NodeCondition) (int, zoneState) {
	ready, notReady := 0, 0
	for _, c := range conditions {
		if c != nil && c.Status == corev1.ConditionTrue {
			ready++
		} else {
			notReady++
		}
	}
	switch {
	case ready == 0 && notReady > 0:
		return notReady, stateFullDisruption
	case notReady > 2 && float64(notReady)/float64(notReady+ready) >= unhealthyZoneThreshold:
		return notReady, statePartialDisruption
	default:
		return notReady, stateNormal
	}
}

// handleDisruption moves the zones to their new states (upstream's
// handleDisruption). When every zone is fully disrupted the controller
// blames itself, not the nodes: it removes every NoExecute taint and stops
// tainting; when that ends, every node's heartbeats count afresh.
func (c *Controller) handleDisruption(ctx context.Context, zoneConditions map[string][]*corev1.NodeCondition, nodes []*corev1.Node) {
	now := c.now()
	newStates := map[string]zoneState{}
	allAreFull := true
	for zone, conds := range zoneConditions {
		_, state := computeZoneState(conds)
		if state != stateFullDisruption {
			allAreFull = false
		}
		newStates[zone] = state
		if _, ok := c.zoneStates[zone]; !ok {
			c.zoneStates[zone] = stateInitial
		}
	}
	allWereFull := true
	for zone, state := range c.zoneStates {
		if _, ok := zoneConditions[zone]; !ok {
			delete(c.zoneStates, zone)
			continue
		}
		if state != stateFullDisruption {
			allWereFull = false
		}
	}
	if allAreFull && allWereFull {
		return
	}
	switch {
	case allAreFull:
		log.Printf("%s: all nodes are not Ready: entering master disruption mode, no NoExecute taints", Name)
		for _, n := range nodes {
			if err := c.markNodeAsReachable(ctx, n); err != nil {
				log.Printf("%s: node %s: removing NoExecute taints: %v", Name, n.Name, err)
			}
		}
		for zone := range c.zoneStates {
			c.tainterQueue(zone).limiter.swap(0, now)
			c.zoneStates[zone] = stateFullDisruption
		}
	case allWereFull:
		log.Printf("%s: some nodes are Ready again: leaving master disruption mode", Name)
		c.mu.Lock()
		for _, n := range nodes {
			if h := c.health[n.Name]; h != nil {
				h.probeTimestamp, h.readyTransitionTimestamp = now, now
			}
		}
		c.mu.Unlock()
		for zone := range c.zoneStates {
			c.setLimiter(zone, len(zoneConditions[zone]), newStates[zone], now)
			c.zoneStates[zone] = newStates[zone]
		}
	default:
		for zone, state := range c.zoneStates {
			if next := newStates[zone]; next != state {
				if state != stateInitial {
					log.Printf("%s: zone %q is now %s", Name, zone, next)
				}
				c.setLimiter(zone, len(zoneConditions[zone]), next, now)
				c.zoneStates[zone] = next
			}
		}
	}
}

func (c *Controller) tainterQueue(zone string) *taintQueue {
	q, ok := c.tainters[zone]
	if !ok {
		q = &taintQueue{limiter: limiter{qps: nodeEvictionRate}}
		c.tainters[zone] = q
	}
	return q
}

// setLimiter sets a zone's tainting rate for its state (upstream's
// setLimiterInZone with HealthyQPSFunc and ReducedQPSFunc).
func (c *Controller) setLimiter(zone string, size int, state zoneState, now time.Time) {
	q := c.tainterQueue(zone)
	switch state {
	case stateNormal, stateFullDisruption:
		q.limiter.swap(nodeEvictionRate, now)
	case statePartialDisruption:
		if size > largeClusterSizeThreshold {
			q.limiter.swap(secondaryNodeEvictionRate, now)
		} else {
			q.limiter.swap(0, now)
		}
	}
}
