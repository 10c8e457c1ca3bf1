// Package exercises holds the objectives of an exercise — declarative checks
// against the lab's state — and evaluates them through the API: objects and
// their phase, conditions and container states, restart counts, events,
// logs, the output of a command run inside a pod's container, fields, and
// all/any/not combinations that may have to stay true for a while. Checks
// judge outcomes, not how the learner got there. Nothing runs on the host.
// It imports runtime/client and runtime/api.
package exercises

// Check is one declarative condition on the lab. Exactly one field is set.
type Check struct {
	// Exists: an object of a kind with a name exists.
	Exists *ObjectRef `json:"exists,omitempty" yaml:"exists,omitempty"`
	// Absent: no such object exists.
	Absent *ObjectRef `json:"absent,omitempty" yaml:"absent,omitempty"`
	// Pod: a pod matches every condition given.
	Pod *PodCheck `json:"pod,omitempty" yaml:"pod,omitempty"`
	// Event: an event with this reason (and message pattern) was recorded.
	Event *EventCheck `json:"event,omitempty" yaml:"event,omitempty"`
	// Exec: a command run inside a pod's container prints what is expected.
	Exec *ExecCheck `json:"exec,omitempty" yaml:"exec,omitempty"`
	// Logs: a container's logs match a pattern.
	Logs *LogsCheck `json:"logs,omitempty" yaml:"logs,omitempty"`
	// Field: a field of an object equals a value.
	Field *FieldCheck `json:"field,omitempty" yaml:"field,omitempty"`
	// HTTP: a request made from inside a pod (to a pod IP, a name, later a
	// Service) answers as expected.
	HTTP *HTTPCheck `json:"http,omitempty" yaml:"http,omitempty"`

	All []Check `json:"all,omitempty" yaml:"all,omitempty"`
	Any []Check `json:"any,omitempty" yaml:"any,omitempty"`
	Not *Check  `json:"not,omitempty" yaml:"not,omitempty"`

	// For: the check must hold continuously this long (e.g. "10s").
	For string `json:"for,omitempty" yaml:"for,omitempty"`
}

// ObjectRef names an object; namespace defaults to "default".
type ObjectRef struct {
	Kind      string `json:"kind" yaml:"kind"`
	Name      string `json:"name" yaml:"name"`
	Namespace string `json:"namespace,omitempty" yaml:"namespace,omitempty"`
}

// PodCheck describes a pod's state.
type PodCheck struct {
	Name      string `json:"name,omitempty" yaml:"name,omitempty"`
	Namespace string `json:"namespace,omitempty" yaml:"namespace,omitempty"`
	// Selector picks pods by labels ("app=web"); with it, at least one pod must match.
	Selector  string            `json:"selector,omitempty" yaml:"selector,omitempty"`
	Phase     string            `json:"phase,omitempty" yaml:"phase,omitempty"`
	Ready     *bool             `json:"ready,omitempty" yaml:"ready,omitempty"`
	Condition *ConditionCheck   `json:"condition,omitempty" yaml:"condition,omitempty"`
	Container *ContainerCheck   `json:"container,omitempty" yaml:"container,omitempty"`
	NodeLabel map[string]string `json:"nodeLabel,omitempty" yaml:"nodeLabel,omitempty"`
}

// ConditionCheck is a pod condition's type and status (and optional reason).
type ConditionCheck struct {
	Type   string `json:"type" yaml:"type"`
	Status string `json:"status" yaml:"status"`
	Reason string `json:"reason,omitempty" yaml:"reason,omitempty"`
}

// ContainerCheck describes one container's status.
type ContainerCheck struct {
	Name string `json:"name" yaml:"name"`
	// State is running, waiting or terminated.
	State  string `json:"state,omitempty" yaml:"state,omitempty"`
	Reason string `json:"reason,omitempty" yaml:"reason,omitempty"`
	// ExitCode is the terminated (or last terminated) exit code.
	ExitCode        *int32 `json:"exitCode,omitempty" yaml:"exitCode,omitempty"`
	MinRestarts     *int32 `json:"minRestarts,omitempty" yaml:"minRestarts,omitempty"`
	MaxRestarts     *int32 `json:"maxRestarts,omitempty" yaml:"maxRestarts,omitempty"`
	LastStateReason string `json:"lastStateReason,omitempty" yaml:"lastStateReason,omitempty"`
}

// EventCheck matches a recorded event.
type EventCheck struct {
	Reason string `json:"reason" yaml:"reason"`
	// Message is a regular expression the message must match.
	Message   string `json:"message,omitempty" yaml:"message,omitempty"`
	Object    string `json:"object,omitempty" yaml:"object,omitempty"` // the involved object's name
	Namespace string `json:"namespace,omitempty" yaml:"namespace,omitempty"`
}

// ExecCheck runs a command in a running container.
type ExecCheck struct {
	Pod       string   `json:"pod" yaml:"pod"`
	Namespace string   `json:"namespace,omitempty" yaml:"namespace,omitempty"`
	Container string   `json:"container,omitempty" yaml:"container,omitempty"`
	Command   []string `json:"command" yaml:"command"`
	// Output is a regular expression the combined output must match.
	Output   string `json:"output,omitempty" yaml:"output,omitempty"`
	ExitCode *int   `json:"exitCode,omitempty" yaml:"exitCode,omitempty"`
}

// LogsCheck matches a container's logs.
type LogsCheck struct {
	Pod       string `json:"pod" yaml:"pod"`
	Namespace string `json:"namespace,omitempty" yaml:"namespace,omitempty"`
	Container string `json:"container,omitempty" yaml:"container,omitempty"`
	Match     string `json:"match" yaml:"match"`
	Previous  bool   `json:"previous,omitempty" yaml:"previous,omitempty"`
}

// FieldCheck compares a field (a dotted path into the object's JSON, with
// [n] for list items) to a value.
type FieldCheck struct {
	Kind      string `json:"kind" yaml:"kind"`
	Name      string `json:"name" yaml:"name"`
	Namespace string `json:"namespace,omitempty" yaml:"namespace,omitempty"`
	Path      string `json:"path" yaml:"path"`
	Equals    string `json:"equals" yaml:"equals"`
}

// HTTPCheck requests a URL from inside a pod's container (with its wget).
type HTTPCheck struct {
	From      string `json:"from" yaml:"from"` // the pod the request is made from
	Namespace string `json:"namespace,omitempty" yaml:"namespace,omitempty"`
	Container string `json:"container,omitempty" yaml:"container,omitempty"`
	URL       string `json:"url" yaml:"url"`
	// Body is a regular expression the response body must match.
	Body string `json:"body,omitempty" yaml:"body,omitempty"`
}
