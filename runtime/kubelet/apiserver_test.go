package kubelet_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"

	"github.com/podlab/podlab/internal/kubetest"
	"github.com/podlab/podlab/runtime/events"
	"github.com/podlab/podlab/runtime/kubelet"
	"github.com/podlab/podlab/runtime/kubelet/cri"
	"github.com/podlab/podlab/runtime/kubelet/cri/fakeruntime"
	"github.com/podlab/podlab/runtime/labclock"
	"github.com/podlab/podlab/runtime/labhome"
	"github.com/podlab/podlab/runtime/registry"
	"github.com/podlab/podlab/runtime/streaming"
)

var _ registry.PodIO = (*kubelet.Kubelet)(nil)

// laterPodIO lets the API server start before the kubelet that serves its
// pod streams exists (the kubelet needs the server's client).
type laterPodIO struct {
	mu sync.Mutex
	k  *kubelet.Kubelet
}

func (l *laterPodIO) get() *kubelet.Kubelet {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.k
}

func (l *laterPodIO) Logs(ctx context.Context, pod *corev1.Pod, opts *corev1.PodLogOptions) (io.ReadCloser, error) {
	return l.get().Logs(ctx, pod, opts)
}
func (l *laterPodIO) CheckRunning(ctx context.Context, pod *corev1.Pod, container string) error {
	return l.get().CheckRunning(ctx, pod, container)
}
func (l *laterPodIO) Exec(ctx context.Context, pod *corev1.Pod, container string, cmd []string, s streaming.Streams) error {
	return l.get().Exec(ctx, pod, container, cmd, s)
}
func (l *laterPodIO) Attach(ctx context.Context, pod *corev1.Pod, container string, s streaming.Streams) error {
	return l.get().Attach(ctx, pod, container, s)
}
func (l *laterPodIO) PortForward(ctx context.Context, pod *corev1.Pod, port int32, conn io.ReadWriter) error {
	return l.get().PortForward(ctx, pod, port, conn)
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for {
		ok, err := cond()
		if ok {
			return
		}
		if err != nil {
			last = err
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s (last error: %v)", what, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func podCondition(p *corev1.Pod, t corev1.PodConditionType) corev1.ConditionStatus {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c.Status
		}
	}
	return ""
}

// TestKubeletOnTheAPIServer runs the kubelet, on the fake engine, against
// the lab's real API server: registration and lease, a pod bound through
// pods/binding whose status flows back, no writes while it idles, its log
// through pods/log, and a kubectl-style graceful delete that ends with the
// pod gone.
func TestKubeletOnTheAPIServer(t *testing.T) {
	labclock.SetScale(0.01)
	defer labclock.SetScale(1)
	pio := &laterPodIO{}
	srv := kubetest.Start(t, kubetest.Options{PodIO: pio})
	client := srv.Client
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// The node exists already (the kubelet restarted): registration keeps
	// its spec — the learner's taint — and reconciles its default labels.
	if _, err := client.CoreV1().Nodes().Create(ctx, &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "node-1", Labels: map[string]string{"kubernetes.io/hostname": "stale", "tier": "lab"}},
		Spec:       corev1.NodeSpec{Taints: []corev1.Taint{{Key: "dedicated", Value: "lab", Effect: corev1.TaintEffectPreferNoSchedule}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rt := fakeruntime.New()
	rt.IgnoreStop("app") // its grace period must run out
	b := events.NewBroadcaster(client)
	defer b.Shutdown()
	k, err := kubelet.New(kubelet.Config{
		NodeName: "node-1", Client: client, Runtime: rt, Recorder: b.Recorder("kubelet", "node-1"),
		Home: labhome.Home{Dir: t.TempDir()}, Version: "v1.34.0", RuntimeVersion: "docker://fake",
	})
	if err != nil {
		t.Fatal(err)
	}
	pio.mu.Lock()
	pio.k = k
	pio.mu.Unlock()
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	waitFor(t, "the node registered and its lease", 20*time.Second, func() (bool, error) {
		n, err := client.CoreV1().Nodes().Get(ctx, "node-1", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		l, err := client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, "node-1", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return len(l.OwnerReferences) == 1 && l.OwnerReferences[0].UID == n.UID, nil
	})
	node, err := client.CoreV1().Nodes().Get(ctx, "node-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if node.Labels["kubernetes.io/hostname"] != "node-1" || node.Labels["tier"] != "lab" || len(node.Spec.Taints) != 1 {
		t.Fatalf("registered node: labels %v, taints %v", node.Labels, node.Spec.Taints)
	}
	if len(node.Status.Conditions) == 0 || node.Status.NodeInfo.KubeletVersion != "v1.34.0" {
		t.Fatalf("registered node status %+v", node.Status)
	}

	grace := int64(5)
	newPod := func(name string) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
			Spec: corev1.PodSpec{TerminationGracePeriodSeconds: &grace,
				Containers: []corev1.Container{{Name: "app", Image: "busybox", Command: []string{"sleep", "3600"}}}},
		}
	}
	bind := func(name, node string) {
		t.Helper()
		err := client.CoreV1().Pods("default").Bind(ctx, &corev1.Binding{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Target:     corev1.ObjectReference{Kind: "Node", Name: node},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("binding %s to %s: %v", name, node, err)
		}
	}
	for _, name := range []string{"web", "elsewhere"} {
		if _, err := client.CoreV1().Pods("default").Create(ctx, newPod(name), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	bind("web", "node-1")
	bind("elsewhere", "node-2")

	var pod *corev1.Pod
	waitFor(t, "web Running and Ready", 20*time.Second, func() (bool, error) {
		p, err := client.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		pod = p
		return p.Status.Phase == corev1.PodRunning && podCondition(p, corev1.PodReady) == corev1.ConditionTrue, nil
	})
	if podCondition(pod, corev1.PodScheduled) != corev1.ConditionTrue || len(pod.Status.ContainerStatuses) != 1 || pod.Status.PodIP == "" {
		t.Fatalf("status %+v", pod.Status)
	}

	// An idle running pod causes no writes (its resourceVersion stays),
	// across several resyncs and node status updates.
	time.Sleep(300 * time.Millisecond)
	idle, err := client.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	later, err := client.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if later.ResourceVersion != idle.ResourceVersion {
		t.Fatalf("the idle pod was written: resourceVersion %s -> %s\nbefore: %+v\nafter: %+v", idle.ResourceVersion, later.ResourceVersion, idle.Status, later.Status)
	}

	// A pod bound to another node is none of this kubelet's business.
	other, err := client.CoreV1().Pods("default").Get(ctx, "elsewhere", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(other.Status.ContainerStatuses) != 0 {
		t.Fatalf("the kubelet reported on another node's pod: %+v", other.Status)
	}
	if cs, _ := rt.ListPodContainers(ctx, string(other.UID)); len(cs) != 0 {
		t.Fatalf("the kubelet ran another node's pod: %+v", cs)
	}

	// pods/log reaches the kubelet.
	all, _ := rt.ListPodContainers(ctx, string(pod.UID))
	for _, c := range all {
		if c.Kind == cri.KindApp {
			rt.WriteLog(c.ID, "hello from app")
		}
	}
	logs, err := client.CoreV1().Pods("default").GetLogs("web", &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil || string(logs) != "hello from app\n" {
		t.Fatalf("logs %q: %v", logs, err)
	}
	// Stream, as kubectl logs reads (it decodes the error's Status).
	_, err = client.CoreV1().Pods("default").GetLogs("web", &corev1.PodLogOptions{Previous: true}).Stream(ctx)
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), `previous terminated container "app" in pod "web" not found`) {
		t.Fatalf("logs --previous: %v", err)
	}

	// pods/exec reaches the kubelet, and a command's exit code the client.
	rt.ExecFunc = func(_ cri.ContainerInfo, o cri.ExecOptions) (int, error) {
		io.WriteString(o.Stdout, strings.Join(o.Cmd, " "))
		return 3, nil
	}
	req := client.CoreV1().RESTClient().Post().Resource("pods").Namespace("default").Name("web").SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Container: "app", Command: []string{"sh", "-c", "exit 3"}, Stdout: true, Stderr: true}, scheme.ParameterCodec)
	exec, err := remotecommand.NewSPDYExecutor(srv.Config, "POST", req.URL())
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	err = exec.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &out, Stderr: io.Discard})
	var exit utilexec.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 3 || out.String() != "sh -c exit 3" {
		t.Fatalf("exec: %v (%q)", err, out.String())
	}

	// kubectl delete: the API server marks the pod with its grace period;
	// the kubelet stops the container (SIGKILL once the grace period ran
	// out) and deletes the pod for good.
	if err := client.CoreV1().Pods("default").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	marked, err := client.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
	if err == nil && (marked.DeletionTimestamp == nil || marked.DeletionGracePeriodSeconds == nil || *marked.DeletionGracePeriodSeconds != grace) {
		t.Fatalf("the API server did not mark the pod for graceful deletion: %+v", marked.ObjectMeta)
	}
	waitFor(t, "web gone", 20*time.Second, func() (bool, error) {
		_, err := client.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
		return apierrors.IsNotFound(err), err
	})
	ops := strings.Join(rt.Ops(), ",")
	if !strings.Contains(ops, "signal app ,signal app SIGKILL") {
		t.Fatalf("engine ops %s: want the stop signal, then SIGKILL", ops)
	}
	if left, _ := rt.ListPodContainers(ctx, string(pod.UID)); len(left) != 0 {
		t.Fatalf("containers left: %+v", left)
	}
	waitFor(t, "the kubelet's events", 10*time.Second, func() (bool, error) {
		evs, err := client.CoreV1().Events("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		seen := map[string]bool{}
		for _, e := range evs.Items {
			if e.Source.Component == "kubelet" {
				seen[e.Reason] = true
			}
		}
		return seen["Started"] && seen["Killing"], nil
	})
}
