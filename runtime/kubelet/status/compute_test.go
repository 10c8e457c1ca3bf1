package status

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/kubelet/cri"
)

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func running(attempt int) *cri.ContainerInfo {
	return &cri.ContainerInfo{ID: "r", State: cri.StateRunning, Attempt: attempt, StartedAt: now.Add(-time.Minute)}
}

func exited(code, attempt int) *cri.ContainerInfo {
	return &cri.ContainerInfo{ID: "e", State: cri.StateExited, ExitCode: code, Attempt: attempt, StartedAt: now.Add(-time.Minute), FinishedAt: now.Add(-time.Second)}
}

func podWith(policy corev1.RestartPolicy, inits, apps int) *corev1.Pod {
	p := &corev1.Pod{Spec: corev1.PodSpec{RestartPolicy: policy}}
	for i := 0; i < inits; i++ {
		p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: "init" + string(rune('a'+i)), Image: "busybox"})
	}
	for i := 0; i < apps; i++ {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "app" + string(rune('a'+i)), Image: "busybox"})
	}
	return p
}

func obs(p *corev1.Pod, init, apps []*cri.ContainerInfo, waiting map[string]string) Observation {
	o := Observation{Pod: p, Sandbox: &cri.ContainerInfo{State: cri.StateRunning, IP: "10.0.0.5"}, HostIP: "10.0.0.1", Now: now}
	mk := func(spec *corev1.Container, cur *cri.ContainerInfo) Container {
		c := Container{Spec: spec, Current: cur}
		if r, ok := waiting[spec.Name]; ok {
			c.Waiting = &corev1.ContainerStateWaiting{Reason: r}
		}
		if cur != nil && cur.State == cri.StateRunning {
			c.Ready, c.Started = true, true
		}
		return c
	}
	for i := range p.Spec.InitContainers {
		o.Init = append(o.Init, mk(&p.Spec.InitContainers[i], init[i]))
	}
	for i := range p.Spec.Containers {
		o.Apps = append(o.Apps, mk(&p.Spec.Containers[i], apps[i]))
	}
	return o
}

func findCond(st corev1.PodStatus, t corev1.PodConditionType) corev1.PodCondition {
	for _, c := range st.Conditions {
		if c.Type == t {
			return c
		}
	}
	return corev1.PodCondition{}
}

func TestPhaseRules(t *testing.T) {
	cases := []struct {
		name    string
		pod     *corev1.Pod
		init    []*cri.ContainerInfo
		apps    []*cri.ContainerInfo
		waiting map[string]string
		want    corev1.PodPhase
	}{
		{"all running", podWith(corev1.RestartPolicyAlways, 0, 2), nil, []*cri.ContainerInfo{running(0), running(0)}, nil, corev1.PodRunning},
		{"creating", podWith(corev1.RestartPolicyAlways, 0, 1), nil, []*cri.ContainerInfo{nil}, map[string]string{"appa": "ContainerCreating"}, corev1.PodPending},
		{"init running", podWith(corev1.RestartPolicyAlways, 1, 1), []*cri.ContainerInfo{running(0)}, []*cri.ContainerInfo{nil}, map[string]string{"appa": "PodInitializing"}, corev1.PodPending},
		{"init failed, Never", podWith(corev1.RestartPolicyNever, 1, 1), []*cri.ContainerInfo{exited(1, 0)}, []*cri.ContainerInfo{nil}, map[string]string{"appa": "PodInitializing"}, corev1.PodFailed},
		{"init failed, Always retries", podWith(corev1.RestartPolicyAlways, 1, 1), []*cri.ContainerInfo{exited(1, 0)}, []*cri.ContainerInfo{nil}, map[string]string{"inita": "CrashLoopBackOff", "appa": "PodInitializing"}, corev1.PodPending},
		{"crash loop stays Running", podWith(corev1.RestartPolicyAlways, 0, 1), nil, []*cri.ContainerInfo{exited(1, 3)}, map[string]string{"appa": "CrashLoopBackOff"}, corev1.PodRunning},
		{"all succeeded, OnFailure", podWith(corev1.RestartPolicyOnFailure, 0, 2), nil, []*cri.ContainerInfo{exited(0, 0), exited(0, 0)}, nil, corev1.PodSucceeded},
		{"one failed, Never", podWith(corev1.RestartPolicyNever, 0, 2), nil, []*cri.ContainerInfo{exited(0, 0), exited(2, 0)}, nil, corev1.PodFailed},
		{"one failed, OnFailure restarts", podWith(corev1.RestartPolicyOnFailure, 0, 2), nil, []*cri.ContainerInfo{exited(0, 0), exited(2, 0)}, nil, corev1.PodRunning},
		{"exited, Always restarts", podWith(corev1.RestartPolicyAlways, 0, 1), nil, []*cri.ContainerInfo{exited(0, 0)}, nil, corev1.PodRunning},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := Compute(obs(c.pod, c.init, c.apps, c.waiting))
			if st.Phase != c.want {
				t.Fatalf("phase = %s, want %s", st.Phase, c.want)
			}
		})
	}
}

func TestCrashLoopStatusKeepsLastState(t *testing.T) {
	p := podWith(corev1.RestartPolicyAlways, 0, 1)
	o := obs(p, nil, []*cri.ContainerInfo{exited(1, 4)}, nil)
	o.Apps[0].Waiting = &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 40s restarting failed container=appa pod=x_default(u)"}
	cs := Compute(o).ContainerStatuses[0]
	if cs.State.Waiting == nil || cs.State.Waiting.Reason != "CrashLoopBackOff" || cs.RestartCount != 4 {
		t.Fatalf("state = %+v restarts %d", cs.State, cs.RestartCount)
	}
	if lt := cs.LastTerminationState.Terminated; lt == nil || lt.ExitCode != 1 || lt.Reason != "Error" {
		t.Fatalf("lastState = %+v", cs.LastTerminationState)
	}
}

func TestTerminatedReasons(t *testing.T) {
	oom := exited(137, 0)
	oom.OOMKilled = true
	cannot := exited(128, 0)
	cannot.Error = "exec: \"nope\": executable file not found in $PATH"
	for _, c := range []struct {
		info *cri.ContainerInfo
		want string
	}{{exited(0, 0), "Completed"}, {exited(1, 0), "Error"}, {oom, "OOMKilled"}, {cannot, "ContainerCannotRun"}} {
		if got := Terminated(c.info).Reason; got != c.want {
			t.Errorf("exit %d oom %t: reason %s, want %s", c.info.ExitCode, c.info.OOMKilled, got, c.want)
		}
	}
}

func TestConditions(t *testing.T) {
	p := podWith(corev1.RestartPolicyAlways, 2, 2)
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(now.Add(-time.Hour))}}
	st := Compute(obs(p, []*cri.ContainerInfo{exited(0, 0), running(0)}, []*cri.ContainerInfo{nil, nil}, nil))
	init := findCond(st, corev1.PodInitialized)
	if init.Status != corev1.ConditionFalse || init.Reason != "ContainersNotInitialized" || init.Message != "containers with incomplete status: [initb]" {
		t.Fatalf("Initialized = %+v", init)
	}
	ready := findCond(st, corev1.PodReady)
	if ready.Status != corev1.ConditionFalse || ready.Reason != "ContainersNotReady" || ready.Message != "containers with unready status: [appa appb]" {
		t.Fatalf("Ready = %+v", ready)
	}
	if s := findCond(st, corev1.PodScheduled); s.Status != corev1.ConditionTrue || !s.LastTransitionTime.Time.Equal(now.Add(-time.Hour)) {
		t.Fatalf("PodScheduled not kept: %+v", s)
	}
	order := []corev1.PodConditionType{corev1.PodReadyToStartContainers, corev1.PodInitialized, corev1.PodReady, corev1.ContainersReady, corev1.PodScheduled}
	for i, c := range st.Conditions {
		if c.Type != order[i] {
			t.Fatalf("condition %d is %s, want %s", i, c.Type, order[i])
		}
	}
	// An unchanged condition keeps its transition time.
	p.Status = st
	later := obs(p, []*cri.ContainerInfo{exited(0, 0), running(0)}, []*cri.ContainerInfo{nil, nil}, nil)
	later.Now = now.Add(time.Minute)
	st2 := Compute(later)
	if got := findCond(st2, corev1.PodInitialized).LastTransitionTime; !got.Equal(&init.LastTransitionTime) {
		t.Fatal("Initialized transition time moved although its status did not change")
	}
	if st2.PodIP != "10.0.0.5" || st2.HostIP != "10.0.0.1" {
		t.Fatalf("IPs = %s / %s", st2.PodIP, st2.HostIP)
	}
}

func TestTerminalPhaseIsSticky(t *testing.T) {
	p := podWith(corev1.RestartPolicyNever, 0, 1)
	p.Status.Phase = corev1.PodSucceeded
	st := Compute(obs(p, nil, []*cri.ContainerInfo{running(0)}, nil))
	if st.Phase != corev1.PodSucceeded {
		t.Fatalf("phase went from Succeeded to %s", st.Phase)
	}
	if r := findCond(st, corev1.PodReady); r.Reason != "PodCompleted" {
		t.Fatalf("Ready of a completed pod = %+v", r)
	}
}

func TestDeletedPodEndsInATerminalPhase(t *testing.T) {
	for _, tc := range []struct {
		name string
		apps []*cri.ContainerInfo
		want corev1.PodPhase
	}{
		{"killed by SIGTERM", []*cri.ContainerInfo{exited(143, 0), exited(0, 0)}, corev1.PodFailed},
		{"all quit cleanly", []*cri.ContainerInfo{exited(0, 0), exited(0, 0)}, corev1.PodSucceeded},
	} {
		o := obs(podWith(corev1.RestartPolicyAlways, 0, 2), nil, tc.apps, nil)
		if st := Compute(o); st.Phase != corev1.PodRunning {
			t.Fatalf("%s: a running pod whose Always containers exited is %s, want Running (restarting)", tc.name, st.Phase)
		}
		o.Terminal = true
		if st := Compute(o); st.Phase != tc.want {
			t.Fatalf("%s: terminal phase %s, want %s", tc.name, st.Phase, tc.want)
		}
	}
}
