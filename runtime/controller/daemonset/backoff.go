package daemonset

import (
	"time"

	"k8s.io/client-go/util/flowcontrol"

	"github.com/podlab/podlab/runtime/labclock"
)

// failedBackoff is upstream's failedPodsBackoff (1 s doubling to 15 min,
// per daemon set and node), on the lab's clock.
type failedBackoff struct{ b *flowcontrol.Backoff }

func newFailedBackoff() *failedBackoff {
	return &failedBackoff{b: flowcontrol.NewBackOff(labclock.Scaled(time.Second), labclock.Scaled(15*time.Minute))}
}

// wait reports whether the node's failed pod must still wait before it is
// deleted, and the delay to look again (upstream requeues after the whole
// current backoff); when it need not, the next failure waits longer.
func (f *failedBackoff) wait(id string, now time.Time) (time.Duration, bool) {
	if f.b.IsInBackOffSinceUpdate(id, now) {
		return f.b.Get(id), true
	}
	f.b.Next(id, now)
	return 0, false
}
