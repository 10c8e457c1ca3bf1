package exercises

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/podlab/podlab/runtime/api"
)

// kinds counts which fields are set, for validation.
func (c Check) kinds() []string {
	var k []string
	add := func(set bool, name string) {
		if set {
			k = append(k, name)
		}
	}
	add(c.Exists != nil, "exists")
	add(c.Absent != nil, "absent")
	add(c.Pod != nil, "pod")
	add(c.Event != nil, "event")
	add(c.Exec != nil, "exec")
	add(c.Logs != nil, "logs")
	add(c.Field != nil, "field")
	add(c.HTTP != nil, "http")
	add(len(c.All) > 0, "all")
	add(len(c.Any) > 0, "any")
	add(c.Not != nil, "not")
	return k
}

// The values a pod check compares against: anything else can never match.
var (
	podPhases         = []string{"Pending", "Running", "Succeeded", "Failed", "Unknown"}
	containerStates   = []string{"waiting", "running", "terminated"}
	conditionStatuses = []string{"True", "False", "Unknown"}
)

// Validate reports the first problem in a check (and its children): a
// missing or doubled kind, a required field left out, or a value that can
// never be true (an unknown object kind, phase or container state, a
// regular expression that does not compile).
func (c Check) Validate() error {
	k := c.kinds()
	switch {
	case len(k) == 0:
		return fmt.Errorf("a check needs one of exists, absent, pod, event, exec, logs, field, http, all, any, not")
	case len(k) > 1:
		return fmt.Errorf("a check has exactly one kind, this one has %v", k)
	}
	if c.For != "" {
		if d, err := time.ParseDuration(c.For); err != nil || d <= 0 {
			return fmt.Errorf("for: %q is not a duration (e.g. 10s)", c.For)
		}
	}
	for _, sub := range append(append([]Check{}, c.All...), c.Any...) {
		if err := sub.Validate(); err != nil {
			return err
		}
	}
	if c.Not != nil {
		return c.Not.Validate()
	}
	switch {
	case c.Exists != nil:
		return ValidateRef("exists", *c.Exists)
	case c.Absent != nil:
		return ValidateRef("absent", *c.Absent)
	case c.Pod != nil:
		return validatePod(*c.Pod)
	case c.Event != nil:
		if c.Event.Reason == "" {
			return fmt.Errorf("event: reason is required")
		}
		return validateRegexp("event.message", c.Event.Message)
	case c.Exec != nil:
		if c.Exec.Pod == "" || len(c.Exec.Command) == 0 {
			return fmt.Errorf("exec: pod and command are required")
		}
		return validateRegexp("exec.output", c.Exec.Output)
	case c.Logs != nil:
		if c.Logs.Pod == "" || c.Logs.Match == "" {
			return fmt.Errorf("logs: pod and match are required")
		}
		return validateRegexp("logs.match", c.Logs.Match)
	case c.Field != nil:
		if c.Field.Kind == "" || c.Field.Name == "" || c.Field.Path == "" {
			return fmt.Errorf("field: kind, name and path are required")
		}
		return validateKind("field.kind", c.Field.Kind)
	case c.HTTP != nil:
		if c.HTTP.From == "" || c.HTTP.URL == "" {
			return fmt.Errorf("http: from and url are required")
		}
		return validateRegexp("http.body", c.HTTP.Body)
	}
	return nil
}

// ValidateRef reports an object reference without a kind or name, or with
// a kind the lab does not serve; where names it in the message ("exists",
// "cleanup.delete[0]").
func ValidateRef(where string, ref ObjectRef) error {
	if ref.Kind == "" || ref.Name == "" {
		return fmt.Errorf("%s: kind and name are required", where)
	}
	return validateKind(where+".kind", ref.Kind)
}

func validateKind(where, kind string) error {
	if _, ok := api.Lookup(kind); ok {
		return nil
	}
	known := make([]string, len(api.All))
	for i, r := range api.All {
		known[i] = r.Kind
	}
	return fmt.Errorf("%s: unknown kind %q (known: %s)", where, kind, strings.Join(known, ", "))
}

func validatePod(pc PodCheck) error {
	if pc.Name == "" && pc.Selector == "" {
		return fmt.Errorf("pod: name or selector is required")
	}
	if pc.Selector != "" {
		if _, err := labels.Parse(pc.Selector); err != nil {
			return fmt.Errorf("pod.selector: %v", err)
		}
	}
	if err := oneOf("pod.phase", pc.Phase, podPhases); err != nil {
		return err
	}
	if cc := pc.Condition; cc != nil {
		if cc.Type == "" || cc.Status == "" {
			return fmt.Errorf("pod.condition: type and status are required")
		}
		if err := oneOf("pod.condition.status", cc.Status, conditionStatuses); err != nil {
			return err
		}
	}
	if cc := pc.Container; cc != nil {
		if cc.Name == "" {
			return fmt.Errorf("pod.container: name is required")
		}
		if err := oneOf("pod.container.state", cc.State, containerStates); err != nil {
			return err
		}
	}
	return nil
}

// oneOf accepts an empty value (not checked) or one of the valid ones.
func oneOf(where, v string, valid []string) error {
	for _, ok := range valid {
		if v == "" || v == ok {
			return nil
		}
	}
	return fmt.Errorf("%s: %q can never match (valid: %s)", where, v, strings.Join(valid, ", "))
}

func validateRegexp(where, expr string) error {
	if expr == "" {
		return nil
	}
	if _, err := regexp.Compile(expr); err != nil {
		return fmt.Errorf("%s: %v", where, err)
	}
	return nil
}
