package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/internal/clientbin"
	"github.com/podlab/podlab/runtime/api"
)

// BenchmarkControlPlaneCPU10PendingPods reports the control plane's CPU
// while 10 pods wait for a node no node matches: a pod the scheduler
// cannot place must cost nothing between the cluster changes that could
// place it (the hot loop of issue 8 rewrote each ~400 times a second).
func BenchmarkControlPlaneCPU10PendingPods(b *testing.B) {
	cl, home, _ := benchLab(b)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for i := 0; i < 10; i++ {
		pod := sleeper(fmt.Sprintf("pending%02d", i))
		pod.Spec.NodeSelector = map[string]string{"disk": "none-has-it"}
		if _, _, err := cl.Create(ctx, api.Pods, pod, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	time.Sleep(2 * time.Second) // the first attempts and their events
	pidText, _ := os.ReadFile(filepath.Join(home, "server.pid"))
	cp := strings.TrimSpace(string(pidText))
	window := 10 * time.Second
	var pct float64
	var writes int64
	for b.Loop() {
		rv0 := listRV(ctx, b, cl)
		t0 := cpuTicks(cp)
		time.Sleep(window)
		pct = float64(cpuTicks(cp)-t0) / 100 / window.Seconds() * 100
		writes = listRV(ctx, b, cl) - rv0
	}
	b.ReportMetric(pct, "cp-cpu-%")
	b.ReportMetric(float64(writes), "writes/10s")
	b.ReportMetric(0, "ns/op")
}

// listRV is the store's resourceVersion as a list of pods reports it.
func listRV(ctx context.Context, b *testing.B, cl interface {
	List(context.Context, api.Resource, string, metav1.ListOptions) ([]api.Object, string, error)
}) int64 {
	_, rv, err := cl.List(ctx, api.Pods, "", metav1.ListOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	fmt.Sscan(rv, &n)
	return n
}

// BenchmarkGetPods times `get pods` with 20 pods in the lab, by the real
// kubectl (TLS, discovery cache, server-side table) and by podlab's own
// CLI (the unix socket, its own table), as a learner runs them.
func BenchmarkGetPods(b *testing.B) {
	cl, home, bin := benchLab(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var names []string
	for i := 0; i < 20; i++ {
		name := fmt.Sprintf("get%02d", i)
		names = append(names, name)
		pod := sleeper(name)
		pod.Spec.NodeSelector = map[string]string{"disk": "none-has-it"} // no containers needed
		if _, _, err := cl.Create(ctx, api.Pods, pod, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	env := append(os.Environ(), "PODLAB_HOME="+home, "KUBECONFIG="+filepath.Join(home, "kubeconfig"), "HOME="+b.TempDir())
	kubectl := clientbin.Kubectl(b)
	for _, c := range []struct{ name, bin string }{{"kubectl", kubectl}, {"podlab", bin}} {
		b.Run(c.name, func(b *testing.B) {
			get := func() {
				cmd := exec.Command(c.bin, "get", "pods")
				cmd.Env = env
				out, err := cmd.CombinedOutput()
				if err != nil || strings.Count(string(out), "\n") != len(names)+1 {
					b.Fatalf("%s get pods: %v\n%s", c.name, err, out)
				}
			}
			get() // kubectl fills its discovery cache once, as on a learner's machine
			for b.Loop() {
				get()
			}
		})
	}
}
