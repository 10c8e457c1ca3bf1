package kubelet

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
)

// podWorker serialises the syncs of one pod, like the kubelet's pod workers:
// it wakes on a pod change, an engine event, a backoff expiry or a resync.
type podWorker struct {
	k   *Kubelet
	uid types.UID // fixed for the worker's life

	mu sync.Mutex
	// pod is the newest version of the pod the kubelet knows the API holds:
	// from the informer, or returned by the kubelet's own status write.
	pod     *corev1.Pod
	deleted bool // the pod is gone from the API: stop everything
	// removed says the kubelet itself deleted the terminated pod.
	removed bool
	// status is the status last computed (what logs consult first, as
	// upstream consults its status manager before the API's copy).
	status *corev1.PodStatus
	// waiting holds why the kubelet keeps a container back, by container name.
	waiting map[string]*corev1.ContainerStateWaiting
	// images remembers, per image reference, what this pod runs for it
	// (the image itself or podlab's stand-in) once resolved.
	images map[string]string
	wakeAt time.Time
	// sandboxRetryAt holds off a new sandbox after a failed creation.
	sandboxRetryAt time.Time

	kick chan struct{}
}

func newPodWorker(k *Kubelet, p *corev1.Pod) *podWorker {
	return &podWorker{k: k, uid: p.UID, pod: p, waiting: map[string]*corev1.ContainerStateWaiting{}, images: map[string]string{}, kick: make(chan struct{}, 1)}
}

// update takes the newest pod from the informer. A change of its status
// alone (most often the kubelet's own write coming back) needs no sync, as
// upstream's pod config reconciles rather than updates such a pod; the
// resync still looks at it.
func (w *podWorker) update(p *corev1.Pod) {
	w.mu.Lock()
	statusOnly := w.pod != nil && sameExceptStatus(w.pod, p)
	w.pod = p.DeepCopy()
	w.mu.Unlock()
	if !statusOnly {
		w.trigger()
	}
}

// sameExceptStatus says whether two versions of a pod differ in their
// status (and resourceVersion) only.
func sameExceptStatus(a, b *corev1.Pod) bool {
	x, y := a.DeepCopy(), b.DeepCopy()
	for _, p := range []*corev1.Pod{x, y} {
		p.Status = corev1.PodStatus{}
		p.ResourceVersion = ""
		p.ManagedFields = nil
	}
	return equality.Semantic.DeepEqual(x, y)
}

// apiUpdated records the pod the API returned for the kubelet's own write.
func (w *podWorker) apiUpdated(p *corev1.Pod) {
	w.mu.Lock()
	if p.UID == w.uid {
		w.pod = p.DeepCopy()
	}
	w.mu.Unlock()
}

// apiPod is a copy of the newest pod the API is known to hold.
func (w *podWorker) apiPod() *corev1.Pod {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pod.DeepCopy()
}

func (w *podWorker) setStatus(st corev1.PodStatus) {
	w.mu.Lock()
	w.status = st.DeepCopy()
	w.mu.Unlock()
}

func (w *podWorker) lastStatus() *corev1.PodStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status.DeepCopy()
}

func (w *podWorker) markDeleted() {
	w.mu.Lock()
	w.deleted = true
	w.mu.Unlock()
	w.trigger()
}

func (w *podWorker) trigger() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// wakeIn asks for a sync after d (the earliest request wins).
func (w *podWorker) wakeIn(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	at := time.Now().Add(d)
	if w.wakeAt.IsZero() || at.Before(w.wakeAt) {
		w.wakeAt = at
	}
}

func (w *podWorker) sandboxFailed(backoff time.Duration) {
	w.mu.Lock()
	w.sandboxRetryAt = time.Now().Add(backoff)
	w.mu.Unlock()
	w.wakeIn(backoff)
}

func (w *podWorker) sandboxRetryIn() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return time.Until(w.sandboxRetryAt)
}

func (w *podWorker) snapshot() (*corev1.Pod, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pod.DeepCopy(), w.deleted
}

// deleting says whether the newest pod is being deleted (or gone).
func (w *podWorker) deleting() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.deleted || w.pod.DeletionTimestamp != nil
}

func (w *podWorker) run(ctx context.Context) {
	defer func() {
		w.mu.Lock()
		removed := w.removed
		w.mu.Unlock()
		w.k.workerDone(w.uid, removed)
	}()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.kick:
		case <-timer.C:
		}
		w.mu.Lock()
		w.wakeAt = time.Time{}
		w.mu.Unlock()
		if done := w.k.syncPod(ctx, w); done {
			return
		}
		w.mu.Lock()
		next := time.Hour
		if !w.wakeAt.IsZero() {
			next = time.Until(w.wakeAt)
			if next < 0 {
				next = 0
			}
		}
		w.mu.Unlock()
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(next)
	}
}
