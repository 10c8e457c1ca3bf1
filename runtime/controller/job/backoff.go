package job

import (
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/labclock"
)

// Upstream's pod failure backoff (DefaultJobPodFailureBackOff and
// MaxJobPodFailureBackOff): 10 s after the first failure since the last
// success, doubling with each further one, at most 6 min; scaled by
// runtime/labclock.
const (
	defaultBackoff = 10 * time.Second
	maxBackoff     = 6 * time.Minute
)

// backoffStore is upstream's backoffStore: per job, the failures since
// the last success and when the last of them ended.
type backoffStore struct {
	mu sync.Mutex
	m  map[string]backoffRecord
}

type backoffRecord struct {
	failuresAfterLastSuccess int
	lastFailure              time.Time
}

func newBackoffStore() *backoffStore { return &backoffStore{m: map[string]backoffRecord{}} }

// update is upstream's newBackoffRecord: new failures only add to the
// count; a new success resets it to the failures that ended after it.
func (s *backoffStore) update(key string, succeeded, failed []*corev1.Pod, now time.Time) {
	if len(succeeded) == 0 && len(failed) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.m[key]
	lastOf := func(pods []*corev1.Pod) time.Time {
		var t time.Time
		for _, p := range pods {
			if f := finishedAt(p, now); f.After(t) {
				t = f
			}
		}
		return t
	}
	if len(succeeded) == 0 {
		r.failuresAfterLastSuccess += len(failed)
		r.lastFailure = lastOf(failed)
		s.m[key] = r
		return
	}
	lastSuccess := lastOf(succeeded)
	r = backoffRecord{}
	for _, p := range failed {
		if f := finishedAt(p, now); f.After(lastSuccess) {
			r.failuresAfterLastSuccess++
			if f.After(r.lastFailure) {
				r.lastFailure = f
			}
		}
	}
	s.m[key] = r
}

// remaining is how long the next pod must still wait
// (upstream's getRemainingTimeForFailuresCount).
func (s *backoffStore) remaining(key string, now time.Time) time.Duration {
	s.mu.Lock()
	r := s.m[key]
	s.mu.Unlock()
	if r.failuresAfterLastSuccess == 0 {
		return 0
	}
	d := labclock.Scaled(defaultBackoff)
	for i := 1; i < r.failuresAfterLastSuccess; i++ {
		d *= 2
		if d >= labclock.Scaled(maxBackoff) {
			d = labclock.Scaled(maxBackoff)
			break
		}
	}
	if elapsed := now.Sub(r.lastFailure); elapsed < d {
		return d - elapsed
	}
	return 0
}

func (s *backoffStore) forget(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
}

// finishedAt is upstream's getFinishedTime: the latest container finish,
// else the deletion time, else now.
func finishedAt(p *corev1.Pod, now time.Time) time.Time {
	var t time.Time
	for _, cs := range append(append([]corev1.ContainerStatus(nil), p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
		if term := cs.State.Terminated; term != nil && term.FinishedAt.After(t) {
			t = term.FinishedAt.Time
		}
	}
	if t.IsZero() && p.DeletionTimestamp != nil {
		t = p.DeletionTimestamp.Time
	}
	if t.IsZero() {
		t = now
	}
	return t
}
