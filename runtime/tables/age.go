package tables

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// Age is how kubectl's printers show a timestamp: the short human duration
// from t to now ("5s", "3m2s", "2d"), "<unknown>" for a zero time and
// "<invalid>" for a time after now.
func Age(t, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t))
}

func age(t metav1.Time, now time.Time) string { return Age(t.Time, now) }

func microAge(t metav1.MicroTime, now time.Time) string { return Age(t.Time, now) }
