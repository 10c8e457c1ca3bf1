// Package labclock is the one clock every kubelet-like timer in podlab reads.
//
// Learners wait on real Kubernetes timings (a 10 s crash-loop backoff, a 30 s
// grace period); tests and demos need not. PODLAB_TIME_SCALE (e.g. 0.1)
// shrinks every timer proportionally: Scaled(10*time.Second) is one second at
// scale 0.1. Wall-clock timestamps (startedAt, event times) are never scaled,
// only the durations podlab waits for. It imports nothing from podlab.
package labclock

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

// EnvVar names the environment variable that sets the time scale.
const EnvVar = "PODLAB_TIME_SCALE"

// scale holds the current scale as a float64.
var scale atomic.Value // float64

func init() { scale.Store(fromEnv()) }

func fromEnv() float64 {
	s, err := ParseScale(os.Getenv(EnvVar))
	if err != nil {
		return 1
	}
	return s
}

// ParseScale validates a time-scale value; an empty string means 1.
func ParseScale(v string) (float64, error) {
	if v == "" {
		return 1, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || f > 100 {
		return 0, fmt.Errorf("%s=%q: want a number greater than 0 and at most 100 (e.g. 0.1)", EnvVar, v)
	}
	return f, nil
}

// Scale returns the current time scale (1 = real Kubernetes timings).
func Scale() float64 { return scale.Load().(float64) }

// SetScale changes the scale for this process (tests and the server's flag use it).
func SetScale(f float64) {
	if f <= 0 {
		f = 1
	}
	scale.Store(f)
}

// Scaled shortens (or stretches) a kubelet duration by the time scale.
func Scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * Scale())
}

// Seconds is Scaled for a whole number of Kubernetes seconds (grace periods, probe periods).
func Seconds(n int64) time.Duration { return Scaled(time.Duration(n) * time.Second) }

// Sleep waits for the scaled duration d or until ctx is done; it reports
// whether the full duration elapsed.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(Scaled(d))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// NewTimer starts a timer for the scaled duration d.
func NewTimer(d time.Duration) *time.Timer { return time.NewTimer(Scaled(d)) }

// Now is the wall clock; it exists so callers read time through one package.
func Now() time.Time { return time.Now() }
