package tables

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
)

func waiting(reason string) corev1.ContainerState {
	return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}
}

func terminated(code int32, reason string) corev1.ContainerState {
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason, StartedAt: ago(2 * time.Minute), FinishedAt: ago(time.Minute)}}
}

func running() corev1.ContainerState {
	return corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ago(time.Hour)}}
}

func lastTerminated(finished time.Duration) corev1.ContainerState {
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "Error", StartedAt: ago(finished + time.Minute), FinishedAt: ago(finished)}}
}

func status(phase corev1.PodPhase, apps ...corev1.ContainerStatus) corev1.PodStatus {
	return corev1.PodStatus{Phase: phase, ContainerStatuses: apps}
}

func cs(name string, state corev1.ContainerState, ready bool) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, State: state, Ready: ready}
}

// TestPodRows checks whole rows of the lifecycle a lesson walks through.
func TestPodRows(t *testing.T) {
	podMeta := func(name string, age time.Duration) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: "default", CreationTimestamp: ago(age)}
	}
	one := corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}}
	scheduled := one
	scheduled.NodeName = "node-1"
	ips := func(s corev1.PodStatus) corev1.PodStatus {
		s.PodIP, s.PodIPs = "10.244.0.5", []corev1.PodIP{{IP: "10.244.0.5"}}
		return s
	}
	crashing := cs("app", waiting("CrashLoopBackOff"), false)
	crashing.RestartCount, crashing.LastTerminationState = 12, lastTerminated(90*time.Second)

	cases := []struct {
		name string
		pod  *corev1.Pod
		want []any
	}{
		{"Pending, not scheduled", &corev1.Pod{ObjectMeta: podMeta("new", 5*time.Second), Spec: one, Status: corev1.PodStatus{Phase: corev1.PodPending}},
			[]any{"new", "0/1", "Pending", "0", "5s", "<none>", "<none>", "<none>", "<none>"}},
		{"ContainerCreating", &corev1.Pod{ObjectMeta: podMeta("web", 12*time.Second), Spec: scheduled, Status: status(corev1.PodPending, cs("app", waiting("ContainerCreating"), false))},
			[]any{"web", "0/1", "ContainerCreating", "0", "12s", "<none>", "node-1", "<none>", "<none>"}},
		{"Running", &corev1.Pod{ObjectMeta: podMeta("web", 3*time.Minute+2*time.Second), Spec: scheduled, Status: ips(status(corev1.PodRunning, cs("app", running(), true)))},
			[]any{"web", "1/1", "Running", "0", "3m2s", "10.244.0.5", "node-1", "<none>", "<none>"}},
		{"CrashLoopBackOff with restarts", &corev1.Pod{ObjectMeta: podMeta("crasher", 26*time.Hour), Spec: scheduled, Status: ips(status(corev1.PodRunning, crashing))},
			[]any{"crasher", "0/1", "CrashLoopBackOff", "12 (90s ago)", "26h", "10.244.0.5", "node-1", "<none>", "<none>"}},
		{"Completed", &corev1.Pod{ObjectMeta: podMeta("job", 2*24*time.Hour), Spec: scheduled, Status: status(corev1.PodSucceeded, cs("app", terminated(0, "Completed"), false))},
			[]any{"job", "0/1", "Completed", "0", "2d", "<none>", "node-1", "<none>", "<none>"}},
		{"Terminating", &corev1.Pod{ObjectMeta: func() metav1.ObjectMeta {
			m := podMeta("web", time.Hour)
			m.DeletionTimestamp = agoPtr(time.Second)
			return m
		}(),
			Spec: scheduled, Status: ips(status(corev1.PodRunning, cs("app", running(), true)))},
			[]any{"web", "1/1", "Terminating", "0", "60m", "10.244.0.5", "node-1", "<none>", "<none>"}},
		{"Init:0/2", &corev1.Pod{ObjectMeta: podMeta("init-demo", 7*time.Second),
			Spec:   corev1.PodSpec{NodeName: "node-1", InitContainers: []corev1.Container{{Name: "wait"}, {Name: "seed"}}, Containers: []corev1.Container{{Name: "app"}, {Name: "side"}}},
			Status: corev1.PodStatus{Phase: corev1.PodPending, InitContainerStatuses: []corev1.ContainerStatus{cs("wait", running(), false), cs("seed", waiting("PodInitializing"), false)}}},
			[]any{"init-demo", "0/2", "Init:0/2", "0", "7s", "<none>", "node-1", "<none>", "<none>"}},
		{"nominated", &corev1.Pod{ObjectMeta: podMeta("big", time.Minute), Spec: one, Status: corev1.PodStatus{Phase: corev1.PodPending, NominatedNodeName: "node-2"}},
			[]any{"big", "0/1", "Pending", "0", "60s", "<none>", "<none>", "node-2", "<none>"}},
	}
	for _, c := range cases {
		wantCells(t, c.name, cells(t, api.Pods, c.pod), c.want...)
	}
}

// A finished pod's row says so in its conditions, as upstream's do.
func TestPodRowConditions(t *testing.T) {
	for phase, want := range map[corev1.PodPhase]string{corev1.PodSucceeded: "Succeeded", corev1.PodFailed: "Failed", corev1.PodRunning: ""} {
		tbl, err := For(api.Pods, []api.Object{&corev1.Pod{Status: corev1.PodStatus{Phase: phase}}}, now)
		if err != nil {
			t.Fatal(err)
		}
		conds := tbl.Rows[0].Conditions
		switch {
		case want == "" && len(conds) != 0:
			t.Errorf("%s: conditions %v, want none", phase, conds)
		case want != "" && (len(conds) != 1 || conds[0].Type != metav1.RowCompleted || conds[0].Status != metav1.ConditionTrue || conds[0].Reason != want):
			t.Errorf("%s: conditions %v, want Completed=True because %s", phase, conds, want)
		}
	}
}

func TestPodStatusColumn(t *testing.T) {
	twoInits := corev1.PodSpec{InitContainers: []corev1.Container{{Name: "a"}, {Name: "b"}}, Containers: []corev1.Container{{Name: "app"}}}
	withInits := func(phase corev1.PodPhase, inits ...corev1.ContainerStatus) corev1.Pod {
		return corev1.Pod{Spec: twoInits, Status: corev1.PodStatus{Phase: phase, InitContainerStatuses: inits,
			ContainerStatuses: []corev1.ContainerStatus{cs("app", waiting("PodInitializing"), false)}}}
	}
	deleted := metav1.ObjectMeta{DeletionTimestamp: agoPtr(time.Second)}
	readyTrue := corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue}
	readyFalse := corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionFalse}
	signalled := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Signal: 9}}

	cases := []struct {
		name string
		pod  corev1.Pod
		want string
	}{
		{"phase", corev1.Pod{Status: status(corev1.PodPending)}, "Pending"},
		{"reason overrides phase", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted"}}, "Evicted"},
		{"scheduling gated", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending,
			Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "SchedulingGated"}}}}, "SchedulingGated"},
		{"Init:0/2", withInits(corev1.PodPending, cs("a", waiting("PodInitializing"), false), cs("b", waiting("PodInitializing"), false)), "Init:0/2"},
		{"Init:0/2 running", withInits(corev1.PodPending, cs("a", running(), false), cs("b", waiting("PodInitializing"), false)), "Init:0/2"},
		{"Init:1/2", withInits(corev1.PodPending, cs("a", terminated(0, "Completed"), false), cs("b", running(), false)), "Init:1/2"},
		{"Init:Error", withInits(corev1.PodPending, cs("a", terminated(1, "Error"), false)), "Init:Error"},
		{"Init:ExitCode", withInits(corev1.PodPending, cs("a", terminated(3, ""), false)), "Init:ExitCode:3"},
		{"Init:Signal", withInits(corev1.PodPending, cs("a", signalled, false)), "Init:Signal:9"},
		{"Init:CrashLoopBackOff", withInits(corev1.PodPending, cs("a", waiting("CrashLoopBackOff"), false)), "Init:CrashLoopBackOff"},
		{"PodInitializing", withInits(corev1.PodPending, cs("a", terminated(0, "Completed"), false), cs("b", terminated(0, "Completed"), false)), "PodInitializing"},
		{"ContainerCreating", corev1.Pod{Status: status(corev1.PodPending, cs("app", waiting("ContainerCreating"), false))}, "ContainerCreating"},
		{"ErrImageNeverPull", corev1.Pod{Status: status(corev1.PodPending, cs("app", waiting("ErrImageNeverPull"), false))}, "ErrImageNeverPull"},
		{"CrashLoopBackOff", corev1.Pod{Status: status(corev1.PodRunning, cs("app", waiting("CrashLoopBackOff"), false))}, "CrashLoopBackOff"},
		{"OOMKilled", corev1.Pod{Status: status(corev1.PodRunning, cs("app", terminated(137, "OOMKilled"), false))}, "OOMKilled"},
		{"Completed", corev1.Pod{Status: status(corev1.PodSucceeded, cs("app", terminated(0, "Completed"), false))}, "Completed"},
		{"Error", corev1.Pod{Status: status(corev1.PodFailed, cs("app", terminated(1, "Error"), false))}, "Error"},
		{"ExitCode", corev1.Pod{Status: status(corev1.PodFailed, cs("app", terminated(3, ""), false))}, "ExitCode:3"},
		{"Signal", corev1.Pod{Status: status(corev1.PodFailed, cs("app", signalled, false))}, "Signal:9"},
		{"Running", corev1.Pod{Status: status(corev1.PodRunning, cs("app", running(), true))}, "Running"},
		{"first container wins", corev1.Pod{Status: status(corev1.PodRunning, cs("a", waiting("CrashLoopBackOff"), false), cs("b", terminated(1, "Error"), false))}, "CrashLoopBackOff"},
		{"completed beside running is Running", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{readyTrue},
			ContainerStatuses: []corev1.ContainerStatus{cs("a", terminated(0, "Completed"), false), cs("b", running(), true)}}}, "Running"},
		{"NotReady", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{readyFalse},
			ContainerStatuses: []corev1.ContainerStatus{cs("a", terminated(0, "Completed"), false), cs("b", running(), true)}}}, "NotReady"},
		{"Terminating", corev1.Pod{ObjectMeta: deleted, Status: status(corev1.PodRunning, cs("app", running(), true))}, "Terminating"},
		{"deleted and finished keeps its reason", corev1.Pod{ObjectMeta: deleted, Status: status(corev1.PodSucceeded, cs("app", terminated(0, "Completed"), false))}, "Completed"},
		{"node lost", corev1.Pod{ObjectMeta: deleted, Status: corev1.PodStatus{Phase: corev1.PodRunning, Reason: "NodeLost"}}, "Unknown"},
	}
	for _, c := range cases {
		if got := PodStatus(&c.pod); got != c.want {
			t.Errorf("%s: STATUS %q, want %q", c.name, got, c.want)
		}
		if got := cells(t, api.Pods, &c.pod)[2]; got != c.want {
			t.Errorf("%s: the row's STATUS %q, want %q", c.name, got, c.want)
		}
	}
}

func TestPodReadyAndRestarts(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	withRestarts := func(c corev1.ContainerStatus, n int32, last time.Duration) corev1.ContainerStatus {
		c.RestartCount = n
		c.LastTerminationState = lastTerminated(last)
		return c
	}
	cases := []struct {
		name                    string
		pod                     corev1.Pod
		ready, status, restarts string
	}{
		{"no restarts", corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}, {Name: "b"}}},
			Status: status(corev1.PodRunning, cs("a", running(), true), cs("b", running(), false))}, "1/2", "Running", "0"},
		{"restarts with the latest finish", corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}, {Name: "b"}}},
			Status: status(corev1.PodRunning, withRestarts(cs("a", running(), true), 2, 10*time.Minute), withRestarts(cs("b", running(), true), 3, 5*time.Second))},
			"2/2", "Running", "5 (5s ago)"},
		{"restarts without a last state", corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: "a", State: running(), Ready: true, RestartCount: 4}}}},
			"1/1", "Running", "4"},
		{"init restarts while initializing", corev1.Pod{Spec: corev1.PodSpec{InitContainers: []corev1.Container{{Name: "i"}}, Containers: []corev1.Container{{Name: "a"}}},
			Status: corev1.PodStatus{Phase: corev1.PodPending,
				InitContainerStatuses: []corev1.ContainerStatus{withRestarts(cs("i", waiting("CrashLoopBackOff"), false), 3, 2*time.Hour)},
				ContainerStatuses:     []corev1.ContainerStatus{cs("a", waiting("PodInitializing"), false)}}},
			"0/1", "Init:CrashLoopBackOff", "3 (120m ago)"}, // HumanDuration keeps minutes below 3h
		{"finished init restarts no longer count", corev1.Pod{Spec: corev1.PodSpec{InitContainers: []corev1.Container{{Name: "i"}}, Containers: []corev1.Container{{Name: "a"}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning,
				InitContainerStatuses: []corev1.ContainerStatus{withRestarts(cs("i", terminated(0, "Completed"), false), 3, 2*time.Hour)},
				ContainerStatuses:     []corev1.ContainerStatus{cs("a", running(), true)}}},
			"1/1", "Running", "0"},
		{"sidecar counts in READY and RESTARTS", corev1.Pod{
			Spec: corev1.PodSpec{InitContainers: []corev1.Container{{Name: "log", RestartPolicy: &always}}, Containers: []corev1.Container{{Name: "a"}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning,
				Conditions: []corev1.PodCondition{{Type: corev1.PodInitialized, Status: corev1.ConditionTrue}},
				InitContainerStatuses: []corev1.ContainerStatus{func() corev1.ContainerStatus {
					s := withRestarts(cs("log", running(), true), 1, 3*time.Minute)
					s.Started = ptr(true)
					return s
				}()},
				ContainerStatuses: []corev1.ContainerStatus{cs("a", running(), true)}}},
			"2/2", "Running", "1 (3m ago)"},
		{"unstarted sidecar holds initialization", corev1.Pod{
			Spec: corev1.PodSpec{InitContainers: []corev1.Container{{Name: "log", RestartPolicy: &always}}, Containers: []corev1.Container{{Name: "a"}}},
			Status: corev1.PodStatus{Phase: corev1.PodPending,
				InitContainerStatuses: []corev1.ContainerStatus{{Name: "log", State: running(), Started: ptr(false)}},
				ContainerStatuses:     []corev1.ContainerStatus{cs("a", waiting("PodInitializing"), false)}}},
			"0/2", "Init:0/1", "0"},
	}
	for _, c := range cases {
		row := cells(t, api.Pods, &c.pod)
		if row[1] != c.ready || row[2] != c.status || row[3] != c.restarts {
			t.Errorf("%s: READY %q STATUS %q RESTARTS %q, want %q %q %q", c.name, row[1], row[2], row[3], c.ready, c.status, c.restarts)
		}
	}
}

func TestPodWideCells(t *testing.T) {
	pod := &corev1.Pod{
		Spec: corev1.PodSpec{ReadinessGates: []corev1.PodReadinessGate{{ConditionType: "example.com/a"}, {ConditionType: "example.com/b"}}},
		Status: corev1.PodStatus{PodIP: "10.0.0.9", PodIPs: []corev1.PodIP{{IP: "10.0.0.9"}, {IP: "fd00::9"}},
			Conditions: []corev1.PodCondition{{Type: "example.com/a", Status: corev1.ConditionTrue}, {Type: "example.com/b", Status: corev1.ConditionFalse}}},
	}
	wantCells(t, "wide", cells(t, api.Pods, pod)[5:], "10.0.0.9", "<none>", "<none>", "1/2")
}
