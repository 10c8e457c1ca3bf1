package lab

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/internal/kubetest"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/events"
	"github.com/podlab/podlab/runtime/kubelet"
	"github.com/podlab/podlab/runtime/kubelet/cri"
	"github.com/podlab/podlab/runtime/kubelet/cri/fakeruntime"
	"github.com/podlab/podlab/runtime/lab/cluster"
	"github.com/podlab/podlab/runtime/labclock"
	"github.com/podlab/podlab/runtime/labhome"
)

// A lab's nodes each register through their own kubelet — the control
// plane with its role's label and taint — and renew their own lease; a
// stopped kubelet's lease stands still and its pods' streams are refused,
// while the others go on, until it is started again.
func TestNodeAgentsStopAndStart(t *testing.T) {
	labclock.SetScale(0.01) // a lease renewal every 100 ms
	defer labclock.SetScale(1)
	srv := kubetest.Start(t, kubetest.Options{})
	cs := srv.Client
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := events.NewBroadcaster(cs)
	defer b.Shutdown()
	agents, err := newNodeAgents(cluster.Default(2), kubelet.Config{
		Client: cs, Home: labhome.Home{Dir: t.TempDir()}, Version: "v1.37.2", RuntimeVersion: "docker://fake",
	}, func(string) cri.ContainerRuntime { return fakeruntime.New() },
		func(node string) kubelet.EventRecorder { return b.Recorder("kubelet", node) })
	if err != nil {
		t.Fatal(err)
	}
	if err := agents.Register(ctx); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 4)
	agents.Run(ctx, errc)

	cp, err := cs.CoreV1().Nodes().Get(ctx, "control-plane", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cp.Labels[cluster.LabelControlPlane]; !ok || len(cp.Spec.Taints) != 1 || cp.Spec.Taints[0] != cluster.ControlPlaneTaint {
		t.Fatalf("control-plane labels %v taints %v", cp.Labels, cp.Spec.Taints)
	}
	if w, _ := cs.CoreV1().Nodes().Get(ctx, "node-1", metav1.GetOptions{}); len(w.Spec.Taints) != 0 {
		t.Fatalf("worker taints %v", w.Spec.Taints)
	}

	renewed := func(node string) time.Time {
		l, err := cs.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, node, metav1.GetOptions{})
		if err != nil || l.Spec.RenewTime == nil {
			return time.Time{}
		}
		return l.Spec.RenewTime.Time
	}
	advances := func(node string, since time.Time) bool {
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if renewed(node).After(since) {
				return true
			}
			time.Sleep(20 * time.Millisecond)
		}
		return false
	}
	for _, node := range []string{"control-plane", "node-1", "node-2"} {
		if !advances(node, time.Time{}) {
			t.Fatalf("no lease for %s", node)
		}
	}

	ch, err := agents.Stop(ctx, "node-1")
	if err != nil || !ch.Changed || ch.Node.Kubelet != client.KubeletStopped {
		t.Fatalf("stop: %+v %v", ch, err)
	}
	if ch, _ := agents.Stop(ctx, "node-1"); ch.Changed {
		t.Error("stopping a stopped kubelet changed something")
	}
	stoppedAt := renewed("node-1")
	time.Sleep(500 * time.Millisecond) // five renewal periods
	if got := renewed("node-1"); !got.Equal(stoppedAt) {
		t.Errorf("node-1's lease was renewed at %s after its kubelet stopped", got)
	}
	if !advances("node-2", stoppedAt) {
		t.Error("node-2's lease stopped with node-1's kubelet")
	}
	for _, st := range agents.Statuses() {
		if want := map[bool]string{true: client.KubeletStopped, false: client.KubeletRunning}[st.Name == "node-1"]; st.Kubelet != want {
			t.Errorf("status %+v, want kubelet %s", st, want)
		}
	}
	onNode1 := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: corev1.PodSpec{NodeName: "node-1"}}
	if _, err := agents.Logs(ctx, onNode1, &corev1.PodLogOptions{Container: "app"}); !apierrors.IsServiceUnavailable(err) {
		t.Errorf("logs of a pod on a stopped node: %v", err)
	}
	elsewhere := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: corev1.PodSpec{NodeName: "node-9"}}
	if err := agents.CheckRunning(ctx, elsewhere, "app"); !apierrors.IsBadRequest(err) {
		t.Errorf("a pod on no node of the lab: %v", err)
	}
	if _, err := agents.Start(ctx, "node-9"); !apierrors.IsNotFound(err) {
		t.Errorf("starting an unknown node: %v", err)
	}

	ch, err = agents.Start(ctx, "node-1")
	if err != nil || !ch.Changed || ch.Node.Kubelet != client.KubeletRunning {
		t.Fatalf("start: %+v %v", ch, err)
	}
	if ch, _ := agents.Start(ctx, "node-1"); ch.Changed {
		t.Error("starting a running kubelet changed something")
	}
	if !advances("node-1", stoppedAt) {
		t.Error("node-1's lease is not renewed after its kubelet started again")
	}
	select {
	case err := <-errc:
		t.Fatalf("a kubelet reported %v", err)
	default:
	}
}
