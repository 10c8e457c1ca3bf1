package printers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func status(phase corev1.PodPhase, apps ...corev1.ContainerStatus) corev1.PodStatus {
	return corev1.PodStatus{Phase: phase, ContainerStatuses: apps}
}

func cs(name string, state corev1.ContainerState, ready bool) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, State: state, Ready: ready}
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
			Status: status(corev1.PodRunning, withRestarts(cs("a", running(), true), 2, 10*time.Minute), withRestarts(cs("b", running(), true), 3, 45*time.Second))},
			"2/2", "Running", "5 (45s ago)"},
		{"restarts without a last state", corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: "a", State: running(), Ready: true, RestartCount: 4}}}},
			"1/1", "Running", "4"},
		{"init restarts while initializing", corev1.Pod{Spec: corev1.PodSpec{InitContainers: []corev1.Container{{Name: "i"}}, Containers: []corev1.Container{{Name: "a"}}},
			Status: corev1.PodStatus{Phase: corev1.PodPending,
				InitContainerStatuses: []corev1.ContainerStatus{withRestarts(cs("i", waiting("CrashLoopBackOff"), false), 3, 2*time.Hour)},
				ContainerStatuses:     []corev1.ContainerStatus{cs("a", waiting("PodInitializing"), false)}}},
			"0/1", "Init:CrashLoopBackOff", "3 (120m ago)"}, // HumanDuration keeps minutes below 3h,
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
		row := PodRow(&c.pod, TableOptions{Now: now})
		if row[1] != c.ready || row[2] != c.status || row[3] != c.restarts {
			t.Errorf("%s: READY %q STATUS %q RESTARTS %q, want %q %q %q", c.name, row[1], row[2], row[3], c.ready, c.status, c.restarts)
		}
	}
}

func TestPodWideColumns(t *testing.T) {
	pod := corev1.Pod{
		Spec: corev1.PodSpec{ReadinessGates: []corev1.PodReadinessGate{{ConditionType: "example.com/a"}, {ConditionType: "example.com/b"}}},
		Status: corev1.PodStatus{PodIP: "10.0.0.9", PodIPs: []corev1.PodIP{{IP: "10.0.0.9"}, {IP: "fd00::9"}},
			Conditions: []corev1.PodCondition{{Type: "example.com/a", Status: corev1.ConditionTrue}, {Type: "example.com/b", Status: corev1.ConditionFalse}}},
	}
	row := PodRow(&pod, TableOptions{Now: now, Wide: true})
	if got := row[5:]; got[0] != "10.0.0.9" || got[1] != "<none>" || got[2] != "<none>" || got[3] != "1/2" {
		t.Errorf("wide cells = %q, want IP, <none>, <none>, 1/2", got)
	}
}
