package nodelifecycle

import (
	"context"
	"log"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	nodetopology "k8s.io/component-helpers/node/topology"
)

// taintWriteAttempts bounds the conflicts a taint write retries through
// (upstream's AddOrUpdateTaintOnNode tries five times).
const taintWriteAttempts = 5

// processTaintBasedEviction decides the node's NoExecute taint from its
// Ready condition as observed at the start of the pass (upstream's
// processTaintBaseEviction): a node already carrying the opposite taint has
// it swapped at once; one not yet tainted is queued for its zone's rate
// limiter; a Ready node loses both taints.
func (c *Controller) processTaintBasedEviction(ctx context.Context, node *corev1.Node, observed *corev1.NodeCondition) {
	var want, opposite corev1.Taint
	switch observed.Status {
	case corev1.ConditionFalse:
		want, opposite = notReadyNoExecute, unreachableNoExecute
	case corev1.ConditionUnknown:
		want, opposite = unreachableNoExecute, notReadyNoExecute
	default:
		if err := c.markNodeAsReachable(ctx, node); err != nil {
			log.Printf("%s: node %s: removing NoExecute taints, will retry: %v", Name, node.Name, err)
		}
		return
	}
	if hasTaint(node.Spec.Taints, opposite) {
		if err := c.swapTaints(ctx, node, &want, opposite); err != nil {
			log.Printf("%s: node %s: swapping %s for %s, will retry: %v", Name, node.Name, opposite.Key, want.Key, err)
		}
		return
	}
	q := c.tainterOf(node)
	if !hasTaint(node.Spec.Taints, want) {
		// Not tainted (any more): queue it afresh.
		q.remove(node.Name)
	}
	q.add(node.Name, node.UID, c.now())
}

// markNodeAsReachable removes both NoExecute taints (writing only when the
// node has one) and drops the node from its zone's queue.
func (c *Controller) markNodeAsReachable(ctx context.Context, node *corev1.Node) error {
	err := c.swapTaints(ctx, node, nil, unreachableNoExecute, notReadyNoExecute)
	c.tainterOf(node).remove(node.Name)
	return err
}

func (c *Controller) tainterOf(node *corev1.Node) *taintQueue {
	c.addZone(node)
	return c.tainterQueue(nodetopology.GetZoneKey(node))
}

// noExecuteTaintingPass taints the queued nodes their zones' limiters let
// through (upstream's doNoExecuteTaintingPass): unreachable for a node
// whose Ready condition is Unknown, not-ready for False, the other removed;
// a node Ready again leaves the queue untainted.
func (c *Controller) noExecuteTaintingPass(ctx context.Context) {
	for _, q := range c.tainters {
		q.try(c.now(), func(name string) (bool, time.Duration) {
			node, err := c.nodes.Get(name)
			if apierrors.IsNotFound(err) {
				return true, 0
			} else if err != nil {
				return false, 50 * time.Millisecond
			}
			ready := readyCondition(&node.Status)
			if ready == nil {
				return false, 50 * time.Millisecond
			}
			var want, opposite corev1.Taint
			switch ready.Status {
			case corev1.ConditionFalse:
				want, opposite = notReadyNoExecute, unreachableNoExecute
			case corev1.ConditionUnknown:
				want, opposite = unreachableNoExecute, notReadyNoExecute
			default:
				return true, 0 // Ready again: nothing to taint
			}
			if err := c.swapTaints(ctx, node, &want, opposite); err != nil {
				log.Printf("%s: tainting node %s %s: %v", Name, name, want.Key, err)
				return false, 0
			}
			return true, 0
		})
	}
}

// nextTaintDue is when the first queued node of a zone whose limiter lets
// nodes through is next due; false when none is.
func (c *Controller) nextTaintDue() (time.Time, bool) {
	var next time.Time
	found := false
	for _, q := range c.tainters {
		if len(q.items) == 0 || q.limiter.qps <= 0 {
			continue
		}
		due := q.items[0].processAt
		if q.limiter.next.After(due) {
			due = q.limiter.next
		}
		if !found || due.Before(next) {
			next, found = due, true
		}
	}
	return next, found
}

// swapTaints adds add (unless nil) to the node's taints and removes those of
// remove's keys and effects, writing only when that changes them. As
// upstream's AddOrUpdateTaintOnNode and RemoveTaintOffNode, the cached node
// only says whether to bother; the change is made to the node as the API
// has it now, read afresh after a conflict.
func (c *Controller) swapTaints(ctx context.Context, node *corev1.Node, add *corev1.Taint, remove ...corev1.Taint) error {
	if taintsEqual(node.Spec.Taints, swappedTaints(node.Spec.Taints, add, remove, c.now())) {
		return nil
	}
	for i := 0; ; i++ {
		cur, err := c.client.CoreV1().Nodes().Get(ctx, node.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		want := swappedTaints(cur.Spec.Taints, add, remove, c.now())
		if taintsEqual(cur.Spec.Taints, want) {
			return nil
		}
		cur.Spec.Taints = want
		_, err = c.client.CoreV1().Nodes().Update(ctx, cur, metav1.UpdateOptions{})
		if err == nil || !apierrors.IsConflict(err) || i+1 >= taintWriteAttempts {
			return err
		}
	}
}

// taintQueue is a zone's queue of nodes waiting for their NoExecute taint
// behind its rate limiter (upstream's RateLimitedTimedQueue over a token
// bucket of burst 1).
type taintQueue struct {
	limiter limiter
	items   []taintItem
}

type taintItem struct {
	name      string
	uid       types.UID
	processAt time.Time
}

// add queues a node unless it is queued already; it reports whether it was added.
func (q *taintQueue) add(name string, uid types.UID, now time.Time) bool {
	for _, it := range q.items {
		if it.name == name {
			return false
		}
	}
	q.items = append(q.items, taintItem{name: name, uid: uid, processAt: now})
	return true
}

// remove drops a node from the queue; it reports whether it was there.
func (q *taintQueue) remove(name string) bool {
	for i, it := range q.items {
		if it.name == name {
			q.items = append(q.items[:i], q.items[i+1:]...)
			return true
		}
	}
	return false
}

// try hands queued nodes to fn in order while the limiter allows, as
// upstream's Try: fn returns true when done with the node, else a wait
// before it is due again (it then goes to the back of the queue).
func (q *taintQueue) try(now time.Time, fn func(name string) (bool, time.Duration)) {
	for len(q.items) > 0 {
		it := q.items[0]
		if now.Before(it.processAt) || !q.limiter.accept(now) {
			return
		}
		q.items = q.items[1:]
		if done, wait := fn(it.name); !done {
			it.processAt = now.Add(wait + 1)
			q.items = append(q.items, it)
			return
		}
	}
}
