package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	dockerclient "github.com/docker/docker/client"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/internal/testenv"
	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

// benchLab starts a lab with its own home and returns a client of it.
func benchLab(b *testing.B) (*client.Client, string, string) {
	b.Helper()
	testenv.Docker(b)
	bin := testenv.PodlabBinary(b)
	home := b.TempDir()
	run := func(args ...string) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "PODLAB_HOME="+home)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("podlab %v: %v\n%s", args, err, out)
		}
	}
	run("up")
	b.Cleanup(func() { run("reset", "--yes") })
	return client.New(filepath.Join(home, "podlab.sock")), home, bin
}

func sleeper(name string) *corev1.Pod {
	grace := int64(0)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.PodSpec{TerminationGracePeriodSeconds: &grace, Containers: []corev1.Container{{
			Name: "app", Image: "busybox:1.35", ImagePullPolicy: corev1.PullIfNotPresent, Command: []string{"sleep", "3600"},
		}}},
	}
}

// waitRunning waits until every named pod is Running and Ready.
func waitRunning(ctx context.Context, b *testing.B, cl *client.Client, names ...string) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	for ctx.Err() == nil {
		objs, _, err := cl.List(ctx, api.Pods, "default", metav1.ListOptions{})
		if err != nil {
			b.Fatal(err)
		}
		ready := 0
		for _, o := range objs {
			p := o.(*corev1.Pod)
			if want[p.Name] && p.Status.Phase == corev1.PodRunning {
				for _, c := range p.Status.Conditions {
					if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
						ready++
					}
				}
			}
		}
		if ready == len(names) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.Fatal("pods did not become Running in time")
}

// BenchmarkApplyToRunning measures create → Running and Ready for a
// one-container pod (pause sandbox plus the app container).
func BenchmarkApplyToRunning(b *testing.B) {
	cl, _, _ := benchLab(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	// A first pod warms the engine and podlab's images.
	cl.Create(ctx, api.Pods, sleeper("warm"), metav1.CreateOptions{})
	waitRunning(ctx, b, cl, "warm")
	for i := 0; b.Loop(); i++ {
		name := "p" + strconv.Itoa(i)
		if _, _, err := cl.Create(ctx, api.Pods, sleeper(name), metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		waitRunning(ctx, b, cl, name)
		b.StopTimer()
		zero := int64(0)
		cl.Delete(ctx, api.Pods, "default", name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
		b.StartTimer()
	}
}

// BenchmarkDockerRunSameContainers does by hand what podlab does for that
// pod — a pause container and an app container joining its namespaces —
// with plain Docker calls, as the floor podlab is measured against.
func BenchmarkDockerRunSameContainers(b *testing.B) {
	d := testenv.Docker(b)
	ctx := context.Background()
	labels := map[string]string{"podlab.dev/bench": "docker-run"}
	var ids []string
	defer func() {
		for _, id := range ids {
			d.ContainerRemove(ctx, id, container.RemoveOptions{Force: true})
		}
	}()
	start := func(cfg *container.Config, hc *container.HostConfig) string {
		c, err := d.ContainerCreate(ctx, cfg, hc, nil, nil, "")
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, c.ID)
		if err := d.ContainerStart(ctx, c.ID, container.StartOptions{}); err != nil {
			b.Fatal(err)
		}
		return c.ID
	}
	for b.Loop() {
		pause := start(&container.Config{Image: "busybox:1.35", Cmd: []string{"sleep", "3600"}, Labels: labels}, &container.HostConfig{IpcMode: "shareable"})
		ns := "container:" + pause
		app := start(&container.Config{Image: "busybox:1.35", Cmd: []string{"sleep", "3600"}, Labels: labels},
			&container.HostConfig{NetworkMode: container.NetworkMode(ns), IpcMode: container.IpcMode(ns)})
		waitDockerRunning(ctx, b, d, app)
		b.StopTimer()
		for _, id := range []string{app, pause} {
			d.ContainerRemove(ctx, id, container.RemoveOptions{Force: true})
		}
		ids = ids[:0]
		b.StartTimer()
	}
}

func waitDockerRunning(ctx context.Context, b *testing.B, d *dockerclient.Client, id string) {
	for {
		info, err := d.ContainerInspect(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		if info.State.Running {
			return
		}
	}
}

// BenchmarkControlPlaneMemory20Pods reports the control plane's resident
// memory (and the whole lab's container count) with 20 running pods.
func BenchmarkControlPlaneMemory20Pods(b *testing.B) {
	cl, home, _ := benchLab(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var names []string
	for i := 0; i < 20; i++ {
		name := fmt.Sprintf("m%02d", i)
		names = append(names, name)
		if _, _, err := cl.Create(ctx, api.Pods, sleeper(name), metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	waitRunning(ctx, b, cl, names...)
	pidText, err := os.ReadFile(filepath.Join(home, "server.pid"))
	if err != nil {
		b.Fatal(err)
	}
	pid := strings.TrimSpace(string(pidText))
	var rss float64
	for b.Loop() {
		status, err := os.ReadFile("/proc/" + pid + "/status")
		if err != nil {
			b.Fatal(err)
		}
		for _, line := range strings.Split(string(status), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				rss = kb / 1024
			}
		}
	}
	b.ReportMetric(rss, "MiB-rss")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkAppletStart is the cost of one run of the multi-call binary as
// `true` — what every probe exec and shell command in podlab's images pays.
func BenchmarkAppletStart(b *testing.B) {
	bin := testenv.PodlabBinary(b)
	// The images are made from the lean podlab-box beside podlab; the full
	// binary (the fallback) is measured too, for the difference.
	for _, c := range []struct{ name, binary string }{
		{"podlab-box", filepath.Join(filepath.Dir(bin), "podlab-box")},
		{"podlab", bin},
	} {
		b.Run(c.name, func(b *testing.B) {
			link := filepath.Join(b.TempDir(), "true")
			if err := os.Symlink(c.binary, link); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := exec.Command(link).Run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
