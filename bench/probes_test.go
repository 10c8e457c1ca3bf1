package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podlab/podlab/internal/testenv"
	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/engine"
	"github.com/podlab/podlab/runtime/kubelet/cri"
	"github.com/podlab/podlab/runtime/kubelet/prober"
)

// probeTarget runs a sandbox and a web container straight on the engine.
func probeTarget(b *testing.B) (*engine.Engine, prober.Target) {
	b.Helper()
	testenv.Docker(b)
	id := make([]byte, 4)
	rand.Read(id)
	ctx := context.Background()
	e, err := engine.New(ctx, engine.Config{LabID: hex.EncodeToString(id), BoxBinary: testenv.PodlabBinary(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.RemoveLab(context.Background()); e.Close() })
	if err := e.EnsureImages(ctx); err != nil {
		b.Fatal(err)
	}
	web, _ := e.StandIn("registry.k8s.io/e2e-test-images/agnhost")
	pod := cri.PodRef{UID: "bench-" + hex.EncodeToString(id), Name: "probe", Namespace: "default", Node: "node-1"}
	sb, err := e.RunSandbox(ctx, cri.SandboxConfig{Pod: pod, Hostname: "probe"})
	if err != nil {
		b.Fatal(err)
	}
	cid, err := e.CreateContainer(ctx, cri.ContainerConfig{Pod: pod, Kind: cri.KindApp, Container: "web", SandboxID: sb.ID, Image: web})
	if err != nil {
		b.Fatal(err)
	}
	e.StartContainer(ctx, cid)
	time.Sleep(300 * time.Millisecond)
	c := &corev1.Container{Name: "web", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}
	return e, prober.Target{Pod: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "probe"}}, Container: c, ContainerID: cid, SandboxID: sb.ID, PodIP: sb.IP}
}

// BenchmarkProbeExec is one exec probe (`true` in the container).
func BenchmarkProbeExec(b *testing.B) {
	e, t := probeTarget(b)
	p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}, TimeoutSeconds: 1}
	for b.Loop() {
		if res, out := prober.Run(context.Background(), e, p, t); res != prober.Success {
			b.Fatalf("probe failed: %s", out)
		}
	}
}

// BenchmarkProbeHTTP is one httpGet probe, run from the pod's network
// namespace by the probe applet in the pause container.
func BenchmarkProbeHTTP(b *testing.B) {
	e, t := probeTarget(b)
	p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}}, TimeoutSeconds: 1}
	for b.Loop() {
		if res, out := prober.Run(context.Background(), e, p, t); res != prober.Success {
			b.Fatalf("probe failed: %s", out)
		}
	}
}

// BenchmarkLivenessRestartTiming measures when a failing liveness probe
// restarts its container against when the kubelet's rules say it should:
// the first probe right at start (no initial delay), then one every 2 s,
// a kill at the third failure, i.e. 4 s after the container started.
func BenchmarkLivenessRestartTiming(b *testing.B) {
	cl, _, _ := benchLab(b)
	docker := testenv.Docker(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	const expected = 4 * time.Second
	var errSum time.Duration
	var n int
	for i := 0; b.Loop(); i++ {
		name := "lt" + strconv.Itoa(i)
		grace := int64(1)
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
			Spec: corev1.PodSpec{TerminationGracePeriodSeconds: &grace, Containers: []corev1.Container{{
				Name: "app", Image: "busybox:1.35", ImagePullPolicy: corev1.PullIfNotPresent,
				Command: []string{"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"},
				LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"false"}}},
					PeriodSeconds: 2, FailureThreshold: 3},
			}}},
		}
		if _, _, err := cl.Create(ctx, api.Pods, pod, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		var last *corev1.ContainerStateTerminated
		for last == nil && ctx.Err() == nil {
			o, err := cl.Get(ctx, api.Pods, "default", name)
			if err != nil {
				b.Fatal(err)
			}
			for _, s := range o.(*corev1.Pod).Status.ContainerStatuses {
				if s.RestartCount >= 1 && s.LastTerminationState.Terminated != nil {
					last = s.LastTerminationState.Terminated
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		// The API's times have whole seconds; the engine's have nanoseconds.
		info, err := docker.ContainerInspect(ctx, strings.TrimPrefix(last.ContainerID, "docker://"))
		if err != nil {
			b.Fatal(err)
		}
		started, _ := time.Parse(time.RFC3339Nano, info.State.StartedAt)
		finished, _ := time.Parse(time.RFC3339Nano, info.State.FinishedAt)
		actual := finished.Sub(started)
		d := actual - expected
		if d < 0 {
			d = -d
		}
		errSum += d
		n++
		zero := int64(0)
		cl.Delete(ctx, api.Pods, "default", name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
	}
	b.ReportMetric(float64(expected.Milliseconds()), "expected-ms")
	b.ReportMetric(float64((errSum / time.Duration(n)).Milliseconds()), "mean-abs-error-ms")
}

// BenchmarkControlPlaneCPU20ProbedPods reports the CPU the control plane,
// and the engine (dockerd and containerd, which run the probe execs), use
// with 20 pods each probed over HTTP every 2 s.
func BenchmarkControlPlaneCPU20ProbedPods(b *testing.B) {
	cl, home, _ := benchLab(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var names []string
	for i := 0; i < 20; i++ {
		name := fmt.Sprintf("cpu%02d", i)
		names = append(names, name)
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "web", Image: "registry.k8s.io/e2e-test-images/agnhost:2.40", Args: []string{"netexec"},
				LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080)}},
					PeriodSeconds: 2},
			}}},
		}
		if _, _, err := cl.Create(ctx, api.Pods, pod, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	waitRunning(ctx, b, cl, names...)
	pidText, _ := os.ReadFile(filepath.Join(home, "server.pid"))
	cp := strings.TrimSpace(string(pidText))
	engine := pids("dockerd", "containerd")
	window := 10 * time.Second
	var cpPct, enginePct float64
	for b.Loop() {
		cp0, e0 := cpuTicks(cp), sumTicks(engine)
		time.Sleep(window)
		cp1, e1 := cpuTicks(cp), sumTicks(engine)
		hz := 100.0 // USER_HZ
		cpPct = float64(cp1-cp0) / hz / window.Seconds() * 100
		enginePct = float64(e1-e0) / hz / window.Seconds() * 100
	}
	b.ReportMetric(cpPct, "cp-cpu-%")
	b.ReportMetric(enginePct, "engine-cpu-%")
	b.ReportMetric(0, "ns/op")
}

func cpuTicks(pid string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndex(s, ")")+1:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return ut + st
}

func sumTicks(pids []string) int64 {
	var n int64
	for _, p := range pids {
		n += cpuTicks(p)
	}
	return n
}

func pids(names ...string) []string {
	var out []string
	for _, n := range names {
		b, _ := exec.Command("pidof", n).Output()
		out = append(out, strings.Fields(string(b))...)
	}
	return out
}
