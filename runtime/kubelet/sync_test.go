package kubelet

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/labclock"
)

func TestHostNamespacesNeedTheLabsOptIn(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*corev1.PodSpec)
		want string
	}{
		{"hostNetwork", func(s *corev1.PodSpec) { s.HostNetwork = true }, "network (hostNetwork)"},
		{"hostPID", func(s *corev1.PodSpec) { s.HostPID = true }, "PID (hostPID)"},
		{"hostIPC", func(s *corev1.PodSpec) { s.HostIPC = true }, "IPC (hostIPC)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pod := testPod("host")
			tc.set(&pod.Spec)
			h := newHarness(t, pod)
			h.run()
			p := h.waitPod("host", "held back", func(p *corev1.Pod) bool {
				cs := containerStatus(p, "app")
				return cs != nil && cs.State.Waiting != nil && cs.State.Waiting.Reason == "CreateContainerConfigError"
			})
			msg := containerStatus(p, "app").State.Waiting.Message
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, "podlab up --allow-privileged") || p.Status.Phase != corev1.PodPending {
				t.Fatalf("phase %s, waiting message %q", p.Status.Phase, msg)
			}
			if !h.events.has("Failed: Error: " + msg) {
				t.Fatalf("events:\n%s", h.events)
			}
			time.Sleep(labclock.Scaled(2 * backoffInitial)) // past a retry
			for _, op := range h.rt.Ops() {
				if strings.HasPrefix(op, "sandbox") {
					t.Fatalf("a sandbox in the host's namespaces was created without the opt-in: %q", h.rt.Ops())
				}
			}
		})
	}
	t.Run("allowed", func(t *testing.T) {
		pod := testPod("host")
		pod.Spec.HostNetwork = true
		h := newHarness(t, pod)
		h.k.cfg.AllowPrivileged = true
		h.run()
		h.waitPod("host", "Running", runningAndReady)
	})
}

func TestPrivilegedNeedsTheLabsOptIn(t *testing.T) {
	pod := testPod("priv")
	yes := true
	pod.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: &yes}
	h := newHarness(t, pod)
	h.run()
	h.waitPod("priv", "held back", func(p *corev1.Pod) bool {
		cs := containerStatus(p, "app")
		return cs != nil && cs.State.Waiting != nil && cs.State.Waiting.Reason == "CreateContainerConfigError" &&
			cs.State.Waiting.Message == errPrivileged.Error()
	})
}

func TestConfigMapsAreReadThroughTheAPI(t *testing.T) {
	pod := testPod("cfg")
	pod.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "MODE", ValueFrom: &corev1.EnvVarSource{
		ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}, Key: "mode"}}}}
	h := newHarness(t, pod)
	h.run()
	h.waitPod("cfg", "held back for its ConfigMap", func(p *corev1.Pod) bool {
		cs := containerStatus(p, "app")
		return cs != nil && cs.State.Waiting != nil && cs.State.Waiting.Reason == "CreateContainerConfigError" &&
			cs.State.Waiting.Message == `configmap "settings" not found`
	})
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings", Namespace: "default"}, Data: map[string]string{"mode": "dev"}}
	if _, err := h.client.CoreV1().ConfigMaps("default").Create(context.Background(), cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.waitPod("cfg", "Running", runningAndReady)
	c := h.running("uid-cfg", "app")
	if env := h.rt.Config(c.ID).Env; len(env) != 1 || env[0] != "MODE=dev" {
		t.Fatalf("env = %q", env)
	}
}

func TestCrashLoopBackOffAfterRestarts(t *testing.T) {
	h := newHarness(t, testPod("crash"))
	h.run()
	for i := 0; i < 3; i++ {
		eventually(t, "a running instance", func() bool { return h.running("uid-crash", "app") != nil })
		h.rt.Exit(h.running("uid-crash", "app").ID, 1)
	}
	p := h.waitPod("crash", "in CrashLoopBackOff", func(p *corev1.Pod) bool {
		cs := containerStatus(p, "app")
		return cs != nil && cs.State.Waiting != nil && cs.State.Waiting.Reason == "CrashLoopBackOff" && cs.RestartCount >= 2
	})
	cs := containerStatus(p, "app")
	if p.Status.Phase != corev1.PodRunning || cs.LastTerminationState.Terminated == nil || cs.LastTerminationState.Terminated.ExitCode != 1 {
		t.Fatalf("status %+v", p.Status)
	}
	if !h.events.has("BackOff: Back-off restarting failed container app in pod crash_default(uid-crash)") {
		t.Fatalf("events:\n%s", h.events)
	}
}
