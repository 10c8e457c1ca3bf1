package kubelet

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/kubelet/cri"
	"github.com/podlab/podlab/runtime/kubelet/cri/fakeruntime"
	"github.com/podlab/podlab/runtime/labclock"
	"github.com/podlab/podlab/runtime/labhome"
)

// testScale runs the kubelet's timers 100 times faster: a 10 s resync is
// 100 ms, a 30 s grace period 300 ms.
const testScale = 0.01

const testNode = "node-1"

// eventLog is a Recorder that keeps "Reason: message" lines.
type eventLog struct {
	mu     sync.Mutex
	events []string
}

func (e *eventLog) Event(_ api.Object, _, _, reason, message string) {
	e.mu.Lock()
	e.events = append(e.events, reason+": "+message)
	e.mu.Unlock()
}

func (e *eventLog) has(line string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, l := range e.events {
		if l == line {
			return true
		}
	}
	return false
}

func (e *eventLog) String() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Join(e.events, "\n")
}

// harness is a kubelet on the fake engine and client-go's fake clientset.
type harness struct {
	t      *testing.T
	client *fake.Clientset
	rt     *fakeruntime.Runtime
	events *eventLog
	k      *Kubelet
}

func newHarness(t *testing.T, objects ...runtime.Object) *harness {
	t.Helper()
	return newHarnessWith(t, nil, objects...)
}

// newHarnessWith is newHarness with the kubelet's configuration changed by configure.
func newHarnessWith(t *testing.T, configure func(*Config), objects ...runtime.Object) *harness {
	t.Helper()
	labclock.SetScale(testScale)
	t.Cleanup(func() { labclock.SetScale(1) })
	h := &harness{t: t, client: fake.NewClientset(objects...), rt: fakeruntime.New(), events: &eventLog{}}
	cfg := Config{
		NodeName: testNode, Client: h.client, Runtime: h.rt, Recorder: h.events,
		Home: labhome.Home{Dir: t.TempDir()}, Version: "v1.34.0", RuntimeVersion: "docker://fake",
	}
	if configure != nil {
		configure(&cfg)
	}
	k, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.k = k
	return h
}

// run starts the kubelet until the test ends.
func (h *harness) run() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.k.Run(ctx) }()
	h.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			h.t.Errorf("Run: %v", err)
		}
	})
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) pod(name string) *corev1.Pod {
	// Through the tracker, so that the test's reads are no client actions.
	o, err := h.client.Tracker().Get(corev1.SchemeGroupVersion.WithResource("pods"), "default", name)
	if err != nil {
		return nil
	}
	return o.(*corev1.Pod)
}

func (h *harness) waitPod(name, what string, cond func(*corev1.Pod) bool) *corev1.Pod {
	h.t.Helper()
	var p *corev1.Pod
	eventually(h.t, fmt.Sprintf("pod %s %s", name, what), func() bool {
		p = h.pod(name)
		return p != nil && cond(p)
	})
	return p
}

// writes lists the write actions on a resource (create, update, patch,
// delete), as "verb resource[/subresource] name".
func (h *harness) writes(resource string) []string {
	var out []string
	for _, a := range h.client.Actions() {
		if a.GetResource().Resource != resource {
			continue
		}
		verb := a.GetVerb()
		if verb != "create" && verb != "update" && verb != "patch" && verb != "delete" {
			continue
		}
		res := resource
		if a.GetSubresource() != "" {
			res += "/" + a.GetSubresource()
		}
		name := ""
		switch x := a.(type) {
		case k8stesting.UpdateAction:
			name = objectName(x.GetObject())
		case k8stesting.CreateAction:
			name = objectName(x.GetObject())
		case k8stesting.DeleteAction:
			name = x.GetName()
		case k8stesting.PatchAction:
			name = x.GetName()
		}
		out = append(out, verb+" "+res+" "+name)
	}
	return out
}

func objectName(o any) string {
	if m, ok := o.(metav1.Object); ok {
		return m.GetName()
	}
	return ""
}

// containers of a pod on the fake engine, by spec name.
func (h *harness) containers(uid types.UID, name string) []cri.ContainerInfo {
	all, _ := h.rt.ListPodContainers(context.Background(), string(uid))
	var out []cri.ContainerInfo
	for _, c := range all {
		if c.Container == name {
			out = append(out, c)
		}
	}
	return out
}

func (h *harness) running(uid types.UID, name string) *cri.ContainerInfo {
	for _, c := range h.containers(uid, name) {
		if c.State == cri.StateRunning {
			return &c
		}
	}
	return nil
}

func testPod(name string) *corev1.Pod {
	grace := int64(30)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name), ResourceVersion: "1"},
		Spec: corev1.PodSpec{
			NodeName:                      testNode,
			RestartPolicy:                 corev1.RestartPolicyAlways,
			TerminationGracePeriodSeconds: &grace,
			Containers:                    []corev1.Container{{Name: "app", Image: "busybox", ImagePullPolicy: corev1.PullIfNotPresent}},
		},
		Status: corev1.PodStatus{Phase: corev1.PodPending, QOSClass: corev1.PodQOSBestEffort,
			Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}}},
	}
}

func condition(p *corev1.Pod, t corev1.PodConditionType) corev1.ConditionStatus {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c.Status
		}
	}
	return ""
}

func runningAndReady(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodRunning && condition(p, corev1.PodReady) == corev1.ConditionTrue
}

func containerStatus(p *corev1.Pod, name string) *corev1.ContainerStatus {
	for i := range p.Status.ContainerStatuses {
		if p.Status.ContainerStatuses[i].Name == name {
			return &p.Status.ContainerStatuses[i]
		}
	}
	return nil
}
