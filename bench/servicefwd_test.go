package bench

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	dockerclient "github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/internal/testenv"
	"github.com/podlab/podlab/runtime/engine"
)

// fwdLab is a web pod (with a 64 MiB file to read) behind a ClusterIP
// Service, and a client pod whose network namespace the measuring helper
// joins.
const fwdLab = `
apiVersion: v1
kind: Service
metadata: {name: fwd}
spec:
  selector: {app: fwd}
  ports:
  - {name: http, port: 80, targetPort: http}
---
apiVersion: v1
kind: Pod
metadata: {name: fwd-web, labels: {app: fwd}}
spec:
  containers:
  - name: web
    image: busybox
    # /srv/www/big: "x\n" doubled 25 times, 64 MiB.
    command: ["sh", "-c", "mkdir -p /srv/www && cd /srv/www && echo x > big && for i in $(seq 25); do cat big big > b2 && mv b2 big; done && exec web --port 8080"]
    ports: [{name: http, containerPort: 8080}]
    readinessProbe:
      httpGet: {path: /readyz, port: http}
---
apiVersion: v1
kind: Pod
metadata: {name: fwd-client}
spec:
  containers:
  - {name: client, image: busybox, command: ["sleep", "3600"]}
`

// fwdFigures is one target's line from bench/fwdclient.
type fwdFigures struct {
	Target    string  `json:"target"`
	P50Ms     float64 `json:"p50_ms"`
	P99Ms     float64 `json:"p99_ms"`
	ReqPerSec float64 `json:"req_per_s"`
	MBPerSec  float64 `json:"mb_per_s"`
	Failed    int64   `json:"failed"`
}

// BenchmarkServiceForwarding measures HTTP from inside the lab network
// (a helper container in the client pod's network namespace running
// bench/fwdclient) through the Service's cluster IP — the lab's proxy
// container — beside straight to the pod's IP: latency of a request on a
// new connection (p50, p99), requests/s on new connections from 8 clients,
// and MB/s over one connection. Each iteration is one fwdclient run (500
// requests, 3 s of each rate); the figures are the last run's. Run it
// with -benchtime 1x or 3x: it is not timed per op.
func BenchmarkServiceForwarding(b *testing.B) {
	_, home, bin := benchLab(b)
	podlab := func(args ...string) string {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "PODLAB_HOME="+home)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("podlab %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	manifest := filepath.Join(b.TempDir(), "fwd.yaml")
	os.WriteFile(manifest, []byte(fwdLab), 0o644)
	podlab("apply", "-f", manifest)
	podlab("wait", "--for=condition=Ready", "pod/fwd-web", "pod/fwd-client", "--timeout=2m")
	var web corev1.Pod
	var svc corev1.Service
	json.Unmarshal([]byte(podlab("get", "pod", "fwd-web", "-o", "json")), &web)
	json.Unmarshal([]byte(podlab("get", "service", "fwd", "-o", "json")), &svc)
	if web.Status.PodIP == "" || svc.Spec.ClusterIP == "" {
		b.Fatalf("no pod IP (%q) or cluster IP (%q)", web.Status.PodIP, svc.Spec.ClusterIP)
	}
	labID, _ := os.ReadFile(filepath.Join(home, "lab-id"))

	d := testenv.Docker(b)
	ctx := context.Background()
	helper := fwdHelper(ctx, b, d, strings.TrimSpace(string(labID)))
	targets := []string{"vip=" + svc.Spec.ClusterIP + ":80", "pod=" + web.Status.PodIP + ":8080"}
	var last []fwdFigures
	for b.Loop() {
		last = helper(targets)
	}
	b.StopTimer()
	for _, f := range last {
		if f.Failed != 0 {
			b.Errorf("%s: %d requests failed", f.Target, f.Failed)
		}
		b.ReportMetric(f.P50Ms, f.Target+"-p50-ms")
		b.ReportMetric(f.P99Ms, f.Target+"-p99-ms")
		b.ReportMetric(f.ReqPerSec, f.Target+"-req/s")
		b.ReportMetric(f.MBPerSec, f.Target+"-MB/s")
	}
}

// fwdHelper builds bench/fwdclient and returns a function that runs it,
// with the targets, in a container joining the client pod's network
// namespace (its sandbox's), made from the client's own image.
func fwdHelper(ctx context.Context, b *testing.B, d *dockerclient.Client, labID string) func([]string) []fwdFigures {
	b.Helper()
	dir := b.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "fwdclient"), "./fwdclient")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("building fwdclient: %v\n%s", err, out)
	}
	prog, err := os.ReadFile(filepath.Join(dir, "fwdclient"))
	if err != nil {
		b.Fatal(err)
	}
	list, err := d.ContainerList(ctx, container.ListOptions{Filters: filters.NewArgs(
		filters.Arg("label", engine.LabelLab+"="+labID), filters.Arg("label", engine.LabelPodName+"=fwd-client"))})
	if err != nil {
		b.Fatal(err)
	}
	var sandbox, image string
	for _, c := range list {
		switch c.Labels[engine.LabelKind] {
		case "sandbox":
			sandbox = c.ID
		case "app":
			image = c.Image
		}
	}
	if sandbox == "" || image == "" {
		b.Fatalf("client pod's containers not found (%d listed)", len(list))
	}
	var tarball bytes.Buffer
	tw := tar.NewWriter(&tarball)
	tw.WriteHeader(&tar.Header{Name: "fwdclient", Mode: 0o755, Size: int64(len(prog))})
	tw.Write(prog)
	tw.Close()
	return func(targets []string) []fwdFigures {
		created, err := d.ContainerCreate(ctx, &container.Config{
			Image: image, Entrypoint: []string{"/fwdclient"}, Cmd: append([]string{"-n", "500", "-for", "3s", "-conc", "8"}, targets...),
			Labels: map[string]string{engine.LabelLab: labID, engine.LabelKind: "bench"},
		}, &container.HostConfig{NetworkMode: container.NetworkMode("container:" + sandbox)}, nil, nil, "")
		if err != nil {
			b.Fatal(err)
		}
		defer d.ContainerRemove(ctx, created.ID, container.RemoveOptions{Force: true})
		if err := d.CopyToContainer(ctx, created.ID, "/", bytes.NewReader(tarball.Bytes()), container.CopyToContainerOptions{}); err != nil {
			b.Fatal(err)
		}
		if err := d.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
			b.Fatal(err)
		}
		waitC, errC := d.ContainerWait(ctx, created.ID, container.WaitConditionNotRunning)
		var code int64
		select {
		case w := <-waitC:
			code = w.StatusCode
		case err := <-errC:
			b.Fatal(err)
		case <-time.After(3 * time.Minute):
			b.Fatal("fwdclient did not finish in 3 minutes")
		}
		logs, err := d.ContainerLogs(ctx, created.ID, container.LogsOptions{ShowStdout: true, ShowStderr: true})
		if err != nil {
			b.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		stdcopy.StdCopy(&stdout, &stderr, logs)
		logs.Close()
		if code != 0 {
			b.Fatalf("fwdclient exited %d: %s", code, stderr.String())
		}
		var out []fwdFigures
		sc := bufio.NewScanner(&stdout)
		for sc.Scan() {
			var f fwdFigures
			if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
				b.Fatalf("fwdclient printed %q: %v", sc.Text(), err)
			}
			out = append(out, f)
			b.Logf("%s: p50 %.2f ms, p99 %.2f ms, %.0f req/s (new connections), %.0f MB/s (one connection)", f.Target, f.P50Ms, f.P99Ms, f.ReqPerSec, f.MBPerSec)
		}
		if len(out) != len(targets) {
			b.Fatalf("fwdclient printed %d figures for %d targets", len(out), len(targets))
		}
		return out
	}
}
