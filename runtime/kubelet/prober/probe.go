// Package prober runs a pod's liveness, readiness and startup probes the way
// the kubelet's prober does: one worker per container and probe, the first
// probe after initialDelaySeconds then one every periodSeconds, results that
// flip only after failureThreshold or successThreshold identical results in
// a row, readiness starting as failure and liveness as success, nothing but
// the startup probe until it succeeds. Workers only publish their verdicts
// into the results stores (package results); the pod worker alone decides
// to restart a container or to report it ready. Exec probes run in the container;
// HTTP and TCP probes run from inside the pod's network namespace (the pause
// container runs podlab's probe applet), so they work wherever Docker runs.
// It imports runtime/kubelet/cri, its results store and runtime/labclock.
package prober

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podlab/podlab/internal/version"
	"github.com/podlab/podlab/runtime/kubelet/cri"
)

// Result is a probe's outcome.
type Result int

const (
	Unknown Result = iota
	Success
	Warning // success, with something to report (an off-host redirect)
	Failure
)

// Kind names a probe as upstream's messages do.
type Kind string

const (
	Liveness  Kind = "Liveness"
	Readiness Kind = "Readiness"
	Startup   Kind = "Startup"
)

// Execer runs commands in containers (cri.ContainerRuntime does).
type Execer interface {
	Exec(ctx context.Context, id string, opts cri.ExecOptions) (int, error)
}

// maxOutput bounds what a probe keeps of its output for the event message.
const maxOutput = 10 << 10

// userAgent is the kubelet's probe User-Agent: kube-probe/<major.minor>.
func userAgent() string { return agent("kube-probe") }

// agent names a kubelet HTTP client as upstream does: kube-probe/1.34,
// kube-lifecycle/1.34.
func agent(name string) string {
	v := strings.TrimPrefix(version.KubernetesVersion, "v")
	parts := strings.Split(v, ".")
	return name + "/" + parts[0] + "." + parts[1]
}

// Target is what a probe runs against.
type Target struct {
	Pod         *corev1.Pod
	Container   *corev1.Container
	ContainerID string
	SandboxID   string
	// PodIP is the default host of HTTP and TCP probes (the sandbox's IP; the
	// pod's status may not carry it yet).
	PodIP string
}

// Run executes one probe and returns its result and message.
func Run(ctx context.Context, ex Execer, p *corev1.Probe, t Target) (Result, string) {
	timeout := time.Duration(p.TimeoutSeconds) * time.Second
	if timeout <= 0 {
		timeout = time.Second
	}
	switch {
	case p.Exec != nil:
		return runExec(ctx, ex, t.ContainerID, p.Exec.Command, timeout)
	case p.HTTPGet != nil:
		return runHTTP(ctx, ex, p.HTTPGet, t, timeout)
	case p.TCPSocket != nil:
		port, err := resolvePort(p.TCPSocket.Port, t.Container)
		if err != nil {
			return Failure, err.Error()
		}
		host := p.TCPSocket.Host
		if host == "" {
			host = t.PodIP
		}
		return runInSandbox(ctx, ex, t.SandboxID, []string{"/bin/probe", "tcp", net.JoinHostPort(host, strconv.Itoa(port)), "-timeout", timeout.String()}, timeout)
	case p.GRPC != nil:
		service := ""
		if p.GRPC.Service != nil {
			service = *p.GRPC.Service
		}
		addr := net.JoinHostPort(t.PodIP, strconv.Itoa(int(p.GRPC.Port)))
		return runInSandbox(ctx, ex, t.SandboxID, []string{"/bin/probe", "grpc", addr, "-service", service, "-timeout", timeout.String(), "-ua", userAgent()}, timeout)
	}
	return Unknown, "probe has no handler"
}

// ExecResult runs a command in a container with a timeout, as exec probes
// and exec hooks do, and returns its exit code and output.
func ExecResult(ctx context.Context, ex Execer, containerID string, cmd []string, timeout time.Duration) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var out limitedBuffer
	code, err := ex.Exec(ctx, containerID, cri.ExecOptions{Cmd: cmd, Stdout: &out, Stderr: &out})
	if ctx.Err() == context.DeadlineExceeded {
		return -1, out.String(), fmt.Errorf("command %q timed out", strings.Join(cmd, " "))
	}
	return code, out.String(), err
}

func runExec(ctx context.Context, ex Execer, containerID string, cmd []string, timeout time.Duration) (Result, string) {
	code, out, err := ExecResult(ctx, ex, containerID, cmd, timeout)
	switch {
	case err != nil:
		return Failure, err.Error()
	case code != 0:
		return Failure, out
	}
	return Success, out
}

// HTTPURL builds the URL an httpGet probe or hook requests.
func HTTPURL(h *corev1.HTTPGetAction, podIP string, c *corev1.Container) (string, error) {
	port, err := resolvePort(h.Port, c)
	if err != nil {
		return "", err
	}
	host := h.Host
	if host == "" {
		host = podIP
	}
	scheme := strings.ToLower(string(h.Scheme))
	if scheme == "" {
		scheme = "http"
	}
	path := h.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return fmt.Sprintf("%s://%s%s", scheme, net.JoinHostPort(host, strconv.Itoa(port)), path), nil
}

func runHTTP(ctx context.Context, ex Execer, h *corev1.HTTPGetAction, t Target, timeout time.Duration) (Result, string) {
	return httpGet(ctx, ex, h, t, timeout, userAgent())
}

// RunHTTPHook runs an httpGet lifecycle hook: unlike a probe, any response
// succeeds (the kubelet ignores its status code); only a request that gets
// no answer fails. Its User-Agent is kube-lifecycle/<version>.
func RunHTTPHook(ctx context.Context, ex Execer, h *corev1.HTTPGetAction, t Target, timeout time.Duration) (Result, string) {
	return httpGet(ctx, ex, h, t, timeout, agent("kube-lifecycle"), "-any-status")
}

func httpGet(ctx context.Context, ex Execer, h *corev1.HTTPGetAction, t Target, timeout time.Duration, ua string, extra ...string) (Result, string) {
	u, err := HTTPURL(h, t.PodIP, t.Container)
	if err != nil {
		return Failure, err.Error()
	}
	for _, hdr := range h.HTTPHeaders {
		if strings.EqualFold(hdr.Name, "User-Agent") {
			ua = hdr.Value
		}
	}
	cmd := append([]string{"/bin/probe", "http", u, "-timeout", timeout.String(), "-ua", ua}, extra...)
	for _, hdr := range h.HTTPHeaders {
		if !strings.EqualFold(hdr.Name, "User-Agent") {
			cmd = append(cmd, "-header", hdr.Name+": "+hdr.Value)
		}
	}
	return runInSandbox(ctx, ex, t.SandboxID, cmd, timeout)
}

// runInSandbox runs the probe applet in the pause container and reads its verdict.
func runInSandbox(ctx context.Context, ex Execer, sandboxID string, cmd []string, timeout time.Duration) (Result, string) {
	// The applet enforces the probe's own timeout; allow it time to start and report.
	code, out, err := ExecResult(ctx, ex, sandboxID, cmd, timeout+5*time.Second)
	if err != nil || code != 0 {
		return Failure, fmt.Sprintf("probe could not run in the pod's network namespace: %v %s", err, out)
	}
	var res struct {
		Result string `json:"result"`
		Output string `json:"output"`
	}
	if err := json.Unmarshal(bytes.TrimSpace([]byte(out)), &res); err != nil {
		return Failure, "unreadable probe result: " + out
	}
	switch res.Result {
	case "success":
		return Success, res.Output
	case "warning":
		return Warning, res.Output
	}
	return Failure, res.Output
}

// resolvePort turns a number or a named container port into a port number.
func resolvePort(p intstr.IntOrString, c *corev1.Container) (int, error) {
	if p.Type == intstr.Int {
		return p.IntValue(), nil
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return int(cp.ContainerPort), nil
		}
	}
	if n, err := strconv.Atoi(p.StrVal); err == nil {
		return n, nil
	}
	return 0, fmt.Errorf("couldn't find port %q in container %q", p.StrVal, c.Name)
}

// limitedBuffer keeps the first maxOutput bytes written to it.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxOutput - b.Len(); room > 0 {
		if len(p) > room {
			b.Buffer.Write(p[:room])
		} else {
			b.Buffer.Write(p)
		}
	}
	return len(p), nil
}
