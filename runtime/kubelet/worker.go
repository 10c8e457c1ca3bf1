package kubelet

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// podWorker serialises the syncs of one pod, like the kubelet's pod workers:
// it wakes on a pod change, an engine event, a backoff expiry or a resync.
type podWorker struct {
	k   *Kubelet
	uid types.UID // fixed for the worker's life

	mu      sync.Mutex
	pod     *corev1.Pod
	deleted bool // the pod is gone from the store: stop everything
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

func (w *podWorker) update(p *corev1.Pod) {
	w.mu.Lock()
	w.pod = p.DeepCopy()
	w.mu.Unlock()
	w.trigger()
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

// podSnapshot is the worker's pod (for identity: UID and spec).
func (w *podWorker) podSnapshot() *corev1.Pod {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pod
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
	defer w.k.workerDone(w.uid)
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
