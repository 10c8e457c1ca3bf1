package exercises

import (
	"strings"
	"testing"
)

// Validate refuses checks that could never hold, not only malformed ones.
func TestValidateRefusesChecksThatNeverHold(t *testing.T) {
	pod := func(pc PodCheck) Check { pc.Name = "web"; return Check{Pod: &pc} }
	cases := []struct {
		check Check
		want  string // "" for valid
	}{
		{pod(PodCheck{Phase: "Running", Container: &ContainerCheck{Name: "a", State: "terminated"}}), ""},
		{Check{Field: &FieldCheck{Kind: "pods", Name: "web", Path: "status.phase", Equals: "Running"}}, ""},
		{Check{Logs: &LogsCheck{Pod: "web", Match: `started \(busy`}}, ""},
		{Check{Logs: &LogsCheck{Pod: "web", Match: "started (busy"}}, "logs.match: error parsing regexp: missing closing ): `started (busy`"},
		{Check{Exec: &ExecCheck{Pod: "web", Command: []string{"ps"}, Output: "a[b"}}, "exec.output: error parsing regexp"},
		{Check{Event: &EventCheck{Reason: "Started", Message: "(x"}}, "event.message: error parsing regexp"},
		{Check{HTTP: &HTTPCheck{From: "web", URL: "http://127.0.0.1", Body: "+"}}, "http.body: error parsing regexp"},
		{Check{Field: &FieldCheck{Kind: "Pdo", Name: "web", Path: "x"}}, `field.kind: unknown kind "Pdo" (known: Pod, Node, Namespace, Event, ConfigMap, Secret, Service, Endpoints, ReplicationController, Deployment, ReplicaSet, DaemonSet, StatefulSet, ControllerRevision, Job, CronJob, EndpointSlice, Lease, PodDisruptionBudget)`},
		{Check{Exists: &ObjectRef{Kind: "Pdo", Name: "web"}}, `exists.kind: unknown kind "Pdo"`},
		{Check{Not: &Check{Absent: &ObjectRef{Kind: "Pdo", Name: "web"}}}, `absent.kind: unknown kind "Pdo"`},
		{Check{Absent: &ObjectRef{Kind: "Pod"}}, "absent: kind and name are required"},
		{pod(PodCheck{Container: &ContainerCheck{Name: "a", State: "runing"}}), `pod.container.state: "runing" can never match (valid: waiting, running, terminated)`},
		{pod(PodCheck{Phase: "running"}), `pod.phase: "running" can never match`},
		{pod(PodCheck{Condition: &ConditionCheck{Type: "Ready", Status: "true"}}), `pod.condition.status: "true" can never match (valid: True, False, Unknown)`},
		{Check{Pod: &PodCheck{Selector: "app in (web"}}, "pod.selector:"},
		{Check{All: []Check{{Exists: &ObjectRef{Kind: "Pod", Name: "web"}}, {Logs: &LogsCheck{Pod: "web", Match: "("}}}}, "logs.match:"},
	}
	for _, c := range cases {
		err := c.check.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v, want valid", c.check, err)
		case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want)):
			t.Errorf("%+v: %v, want %q", c.check, err, c.want)
		}
	}
}
