package kubelet_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"

	"github.com/podlab/podlab/internal/kubetest"
	"github.com/podlab/podlab/internal/testenv"
	"github.com/podlab/podlab/runtime/engine"
	"github.com/podlab/podlab/runtime/events"
	"github.com/podlab/podlab/runtime/kubelet"
	"github.com/podlab/podlab/runtime/labclock"
	"github.com/podlab/podlab/runtime/labhome"
)

var (
	boxOnce sync.Once
	boxPath string
	boxErr  error
)

// boxBinary builds the static podlab-box that podlab's images (pause, the
// probe applet) are made from, once per test process.
func boxBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("PODLAB_BOX_BINARY"); bin != "" {
		return bin
	}
	boxOnce.Do(func() {
		dir, err := os.MkdirTemp("", "podlab-kubelet-test-")
		if err != nil {
			boxErr = err
			return
		}
		boxPath = filepath.Join(dir, "podlab-box")
		cmd := exec.Command("go", "build", "-o", boxPath, "github.com/podlab/podlab/runtime/images/box/podlab-box")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			boxErr = errors.New(string(out))
		}
	})
	if boxErr != nil {
		t.Fatalf("building podlab-box: %v", boxErr)
	}
	return boxPath
}

// engineLab is a kubelet on the real engine against the real API server.
type engineLab struct {
	t      *testing.T
	eng    *engine.Engine
	srv    *kubetest.Server
	client kubernetes.Interface
	home   labhome.Home
	pio    *laterPodIO
	events *events.Broadcaster
}

func newEngineLab(t *testing.T) *engineLab {
	testenv.Docker(t) // skipped without Docker, except in CI where it fails
	labclock.SetScale(0.1)
	t.Cleanup(func() { labclock.SetScale(1) })
	ctx := context.Background()
	id := make([]byte, 4)
	rand.Read(id)
	eng, err := engine.New(ctx, engine.Config{LabID: "kl" + hex.EncodeToString(id), BoxBinary: boxBinary(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.RemoveLab(context.Background()); eng.Close() })
	if err := eng.EnsureImages(ctx); err != nil {
		t.Fatal(err)
	}
	l := &engineLab{t: t, eng: eng, home: labhome.Home{Dir: t.TempDir()}, pio: &laterPodIO{}}
	l.srv = kubetest.Start(t, kubetest.Options{PodIO: l.pio})
	l.client = l.srv.Client
	l.events = events.NewBroadcaster(l.client)
	t.Cleanup(l.events.Shutdown)
	return l
}

// startKubelet runs a kubelet until stop is called (a control-plane
// restart stops one and starts another on the same engine).
func (l *engineLab) startKubelet() (stop func()) {
	k, err := kubelet.New(kubelet.Config{
		NodeName: "node-1", Client: l.client, Runtime: l.eng.Node("node-1"), Recorder: l.events.Recorder("kubelet", "node-1"),
		Home: l.home, Version: "v1.34.0", RuntimeVersion: "docker://test",
	})
	if err != nil {
		l.t.Fatal(err)
	}
	l.pio.mu.Lock()
	l.pio.k = k
	l.pio.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				l.t.Errorf("Run: %v", err)
			}
		})
	}
	l.t.Cleanup(stop)
	return stop
}

func (l *engineLab) createBound(pod *corev1.Pod) {
	l.t.Helper()
	ctx := context.Background()
	if _, err := l.client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		l.t.Fatal(err)
	}
	if err := l.client.CoreV1().Pods("default").Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: pod.Name},
		Target: corev1.ObjectReference{Kind: "Node", Name: "node-1"}}, metav1.CreateOptions{}); err != nil {
		l.t.Fatal(err)
	}
}

func (l *engineLab) waitPod(name, what string, cond func(*corev1.Pod) bool) *corev1.Pod {
	l.t.Helper()
	var pod *corev1.Pod
	defer func() {
		if l.t.Failed() && pod != nil {
			l.t.Logf("last status of %s: %+v", name, pod.Status)
			if evs, err := l.client.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{}); err == nil {
				for _, e := range evs.Items {
					l.t.Logf("event %s %s: %s (x%d)", e.InvolvedObject.Name, e.Reason, e.Message, e.Count)
				}
			}
		}
	}()
	waitFor(l.t, name+" "+what, 90*time.Second, func() (bool, error) {
		p, err := l.client.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		pod = p
		return cond(p), nil
	})
	return pod
}

func (l *engineLab) exec(name string, cmd ...string) (string, error) {
	req := l.client.CoreV1().RESTClient().Post().Resource("pods").Namespace("default").Name(name).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Command: cmd, Stdout: true, Stderr: true}, scheme.ParameterCodec)
	ex, err := remotecommand.NewSPDYExecutor(rest.CopyConfig(l.srv.Config), "POST", req.URL())
	if err != nil {
		return "", err
	}
	var out strings.Builder
	err = ex.StreamWithContext(context.Background(), remotecommand.StreamOptions{Stdout: &out, Stderr: &out})
	return out.String(), err
}

func appStatus(p *corev1.Pod) *corev1.ContainerStatus {
	if len(p.Status.ContainerStatuses) == 0 {
		return nil
	}
	return &p.Status.ContainerStatuses[0]
}

func readyPod(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodRunning && podCondition(p, corev1.PodReady) == corev1.ConditionTrue
}

// TestKubeletOnTheEngine runs a pod on Docker through the API: it starts,
// turns Ready through its readiness probe, serves logs and exec, survives a
// control-plane restart without being restarted (the new kubelet adopts its
// containers), and a graceful delete ends with the pod and its containers gone.
func TestKubeletOnTheEngine(t *testing.T) {
	l := newEngineLab(t)
	stop := l.startKubelet()
	grace := int64(5)
	l.createBound(&corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.PodSpec{TerminationGracePeriodSeconds: &grace, Containers: []corev1.Container{{
			Name: "app", Image: "busybox:1.35", ImagePullPolicy: corev1.PullIfNotPresent,
			Command: []string{"sh", "-c", "echo hello from web; mkdir -p /tmp; touch /tmp/ready; exec sleep 3600"},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"cat", "/tmp/ready"}}},
				PeriodSeconds: 1, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 1},
		}}},
	})
	p := l.waitPod("web", "Running and Ready", readyPod)
	firstID := appStatus(p).ContainerID

	ctx := context.Background()
	rc, err := l.client.CoreV1().Pods("default").GetLogs("web", &corev1.PodLogOptions{}).Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	logs, _ := io.ReadAll(rc)
	rc.Close()
	if string(logs) != "hello from web\n" {
		t.Fatalf("logs %q", logs)
	}
	if out, err := l.exec("web", "hostname"); err != nil || out != "web\n" {
		t.Fatalf("exec hostname: %q %v", out, err)
	}
	var exit utilexec.ExitError
	if _, err := l.exec("web", "sh", "-c", "exit 3"); !errors.As(err, &exit) || exit.ExitStatus() != 3 {
		t.Fatalf("exec exit 3: %v", err)
	}

	// A control-plane restart: the next kubelet adopts the running containers.
	stop()
	l.startKubelet()
	time.Sleep(labclock.Scaled(30 * time.Second)) // three resyncs
	after := l.waitPod("web", "still Ready", readyPod)
	if cs := appStatus(after); cs.ContainerID != firstID || cs.RestartCount != 0 {
		t.Fatalf("after the restart the container is %s (restarts %d), want %s adopted", cs.ContainerID, cs.RestartCount, firstID)
	}

	if err := l.client.CoreV1().Pods("default").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "web gone", 60*time.Second, func() (bool, error) {
		_, err := l.client.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
		return apierrors.IsNotFound(err), err
	})
	if left, _ := l.eng.ListPodContainers(ctx, string(p.UID)); len(left) != 0 {
		t.Fatalf("containers left on the engine: %+v", left)
	}
}

// TestLivenessRestartOnTheEngine: a liveness probe that starts failing gets
// the container restarted by the pod worker, with upstream's events.
func TestLivenessRestartOnTheEngine(t *testing.T) {
	l := newEngineLab(t)
	l.startKubelet()
	l.createBound(&corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "live", Namespace: "default"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "app", Image: "busybox:1.35", ImagePullPolicy: corev1.PullIfNotPresent,
			Command: []string{"sh", "-c", "mkdir -p /tmp; touch /tmp/healthy; sleep 2; rm /tmp/healthy; exec sleep 3600"},
			LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"cat", "/tmp/healthy"}}},
				PeriodSeconds: 1, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 1},
		}}},
	})
	p := l.waitPod("live", "restarted by its liveness probe", func(p *corev1.Pod) bool {
		cs := appStatus(p)
		return cs != nil && cs.RestartCount >= 1
	})
	if last := appStatus(p).LastTerminationState.Terminated; last == nil || (last.ExitCode != 137 && last.ExitCode != 143) {
		t.Fatalf("lastState %+v", appStatus(p).LastTerminationState)
	}
	waitFor(t, "the liveness events", 30*time.Second, func() (bool, error) {
		evs, err := l.client.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		var unhealthy, killing bool
		for _, e := range evs.Items {
			unhealthy = unhealthy || e.Reason == "Unhealthy" && strings.HasPrefix(e.Message, "Liveness probe failed: cat: can't open '/tmp/healthy'")
			killing = killing || e.Reason == "Killing" && e.Message == "Container app failed liveness probe, will be restarted"
		}
		return unhealthy && killing, nil
	})
}
