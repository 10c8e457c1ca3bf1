package reconcile

import "github.com/podlab/podlab/runtime/api"

// Recorder is what a controller records its events through (runtime/events'
// Recorder implements it; tests may pass their own).
type Recorder interface {
	Event(obj api.Object, fieldPath, eventType, reason, message string)
}
