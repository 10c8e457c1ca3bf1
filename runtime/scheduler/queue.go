package scheduler

import (
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
)

// pending follows upstream's scheduling queue (pkg/scheduler/backend/queue)
// for the pods that failed: a pod no node fits is put aside, off the work
// queue, until a cluster event could make it fit (a node added or changed,
// a bound pod gone, added or relabelled), or until it has waited
// maxUnschedulable. When it goes back it waits out its backoff, counted
// from its last failure, so a fix shortly after a failure is picked up at
// once and a pod that keeps failing is not tried in a tight loop.
type pending struct {
	queue workqueue.TypedRateLimitingInterface[string]
	now   func() time.Time

	initialBackoff, maxBackoff, maxUnschedulable time.Duration

	mu   sync.Mutex
	pods map[string]*failure
	// events counts the cluster events seen; an attempt that started before
	// one of them must not be put aside, or it would miss it (upstream's
	// moveRequestCycle).
	events uint64
}

// failure is what pending knows of a pod that did not fit.
type failure struct {
	uid      types.UID
	count    int       // failed attempts in a row
	failedAt time.Time // the last one, where the backoff counts from
	reasons  Diagnosis // what rejected it on each node
	aside    bool      // waiting for a cluster event
	// wrote is the PodScheduled condition last written, on the version
	// basedOn of the pod: until the informer shows a newer one, the
	// cached pod does not show the write, and must not prompt it again.
	wrote   corev1.PodCondition
	basedOn string
}

func newPending(q workqueue.TypedRateLimitingInterface[string], initialBackoff, maxBackoff, maxUnschedulable time.Duration) *pending {
	return &pending{
		queue: q, now: time.Now, pods: map[string]*failure{},
		initialBackoff: initialBackoff, maxBackoff: maxBackoff, maxUnschedulable: maxUnschedulable,
	}
}

// cycle marks the start of an attempt.
func (p *pending) cycle() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.events
}

// failed records that the pod of key fits no node for the reasons in diag,
// in an attempt that started at cycle.
func (p *pending) failed(key string, uid types.UID, diag Diagnosis, cycle uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.pods[key]
	if f == nil || f.uid != uid {
		f = &failure{uid: uid}
		p.pods[key] = f
	}
	f.count++
	f.failedAt = p.now()
	f.reasons = diag
	if p.events != cycle {
		// The cluster changed while the pod was being tried: try again
		// after the backoff rather than wait for an event already gone.
		f.aside = false
		p.queue.AddAfter(key, p.backoffLeft(f))
		return
	}
	f.aside = true
}

// written reports whether cond was written last on the version of pod the
// cache still shows.
func (p *pending) written(key string, pod *corev1.Pod, cond corev1.PodCondition) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.pods[key]
	return f != nil && f.uid == pod.UID && f.basedOn == pod.ResourceVersion &&
		f.wrote.Status == cond.Status && f.wrote.Reason == cond.Reason &&
		f.wrote.Message == cond.Message && f.wrote.ObservedGeneration == cond.ObservedGeneration
}

// wrote records that cond was written on this version of pod.
func (p *pending) wrote(key string, pod *corev1.Pod, cond corev1.PodCondition) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f := p.pods[key]; f != nil && f.uid == pod.UID {
		f.wrote, f.basedOn = cond, pod.ResourceVersion
	}
}

// forget drops what is known of a pod that was bound or went away.
func (p *pending) forget(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.pods, key)
}

// clusterEvent happened: put back every pod it could help.
func (p *pending) clusterEvent(ev clusterEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events++
	for key, f := range p.pods {
		if f.aside && ev.mayHelp(f.reasons) {
			f.aside = false
			p.queue.AddAfter(key, p.backoffLeft(f))
		}
	}
}

// podChanged: the pending pod of key itself changed (its spec or labels),
// so it is worth another try after its backoff; a pod never tried is
// queued at once.
func (p *pending) podChanged(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.pods[key]
	if f == nil {
		p.queue.Add(key)
		return
	}
	f.aside = false
	p.queue.AddAfter(key, p.backoffLeft(f))
}

// flush puts back the pods that have waited maxUnschedulable for an event
// (upstream's flushUnschedulablePodsLeftover).
func (p *pending) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	for key, f := range p.pods {
		if f.aside && now.Sub(f.failedAt) >= p.maxUnschedulable {
			f.aside = false
			p.queue.Add(key)
		}
	}
}

// waiting reports how many pods are put aside (for tests).
func (p *pending) waiting() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, f := range p.pods {
		if f.aside {
			n++
		}
	}
	return n
}

// backoffLeft is what remains of f's backoff: initialBackoff doubled for
// each failure after the first, at most maxBackoff, from the last failure.
func (p *pending) backoffLeft(f *failure) time.Duration {
	d := p.initialBackoff
	for i := 1; i < f.count && d < p.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, p.maxBackoff)
	return max(d-p.now().Sub(f.failedAt), 0)
}

// clusterEvent is a change of the cluster that may let a pod fit.
type clusterEvent int

const (
	nodeAdded clusterEvent = iota
	nodeChanged
	assignedPodAdded
	assignedPodRelabelled
	assignedPodGone // deleted, or finished: its room is free
	namespaceRelabelled
)

// mayHelp is a coarse form of upstream's queueing hints: a node event may
// help any pod; a new bound pod one that wanted a pod to be near or was
// held back by spreading (another domain may fill up); a relabelled one a
// pod held back by (anti-)affinity or spreading; a bound pod gone one
// short of room or ports, repelled by anti-affinity or held back by
// spreading; relabelled namespaces a pod held back by (anti-)affinity.
func (ev clusterEvent) mayHelp(reasons Diagnosis) bool {
	affinity := reasons[reasonPodAffinity] > 0 || reasons[reasonPodAntiAffinity] > 0 || reasons[reasonExistingAntiAffin] > 0
	spread := reasons[reasonSpread] > 0
	switch ev {
	case nodeAdded, nodeChanged:
		return true
	case assignedPodAdded:
		return reasons[reasonPodAffinity] > 0 || spread
	case assignedPodRelabelled:
		return affinity || spread
	case namespaceRelabelled:
		return affinity
	case assignedPodGone:
		if spread || reasons[reasonPodAntiAffinity] > 0 || reasons[reasonExistingAntiAffin] > 0 || reasons[reasonNodePorts] > 0 {
			return true
		}
		for r := range reasons {
			if r == reasonTooManyPods || strings.HasPrefix(r, insufficient) {
				return true
			}
		}
	}
	return false
}
