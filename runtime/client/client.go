// Package client is podlab's own client of the lab's API: the CLI, the TUI
// and exercise checks use it. It speaks the Kubernetes API with client-go's
// REST client over the lab's unix socket — typed objects of runtime/api,
// upstream's wire options (metav1.ListOptions, corev1.PodLogOptions, …) —
// with exec, attach and port-forward over client-go's SPDY streams, plus
// podlab's own /podlab/v1/status, explain-schedule and traffic.
package client

import (
	"context"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/podlab/podlab/runtime/api"
)

// Interface is what callers use (tests substitute a fake).
type Interface interface {
	// Create creates obj (namespace from obj, "default" if empty) and
	// returns the stored object and the server's warnings (kubectl's
	// "Warning:" lines).
	Create(ctx context.Context, res api.Resource, obj api.Object, opts metav1.CreateOptions) (api.Object, []string, error)
	Get(ctx context.Context, res api.Resource, namespace, name string) (api.Object, error)
	// List lists; namespace "" lists all namespaces. It returns the list's resourceVersion.
	List(ctx context.Context, res api.Resource, namespace string, opts metav1.ListOptions) ([]api.Object, string, error)
	// Update replaces obj (optimistic concurrency on its resourceVersion).
	Update(ctx context.Context, res api.Resource, obj api.Object, opts metav1.UpdateOptions) (api.Object, []string, error)
	// Patch applies a patch of type pt (strategic merge, merge, JSON, or apply).
	Patch(ctx context.Context, res api.Resource, namespace, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions) (api.Object, []string, error)
	// Delete deletes an object; it returns the object as the server left it
	// (a pod marked for graceful deletion), or nil when the server answers
	// with a status only.
	Delete(ctx context.Context, res api.Resource, namespace, name string, opts metav1.DeleteOptions) (api.Object, error)
	// Watch streams changes after opts.ResourceVersion ("" = the current
	// state first, as ADDED events) until ctx ends or the server ends the watch.
	Watch(ctx context.Context, res api.Resource, namespace string, opts metav1.ListOptions) (<-chan watch.Event, error)

	// Logs streams a pod container's log.
	Logs(ctx context.Context, namespace, pod string, opts *corev1.PodLogOptions) (io.ReadCloser, error)
	// Exec runs a command in a pod container and returns its exit code.
	Exec(ctx context.Context, namespace, pod string, opts ExecOptions) (int, error)
	// Attach connects to a pod container's main process until it ends.
	Attach(ctx context.Context, namespace, pod string, opts ExecOptions) error
	// PortForward forwards local ports ("8080:80", ":80") on addresses to a
	// pod, as kubectl port-forward, until ctx ends; ready is closed once it
	// listens.
	PortForward(ctx context.Context, namespace, pod string, addresses, ports []string, ready chan struct{}, out, errOut io.Writer) error

	// Status describes the running control plane.
	Status(ctx context.Context) (ServerStatus, error)
	// ExplainSchedule says why the scheduler placed a pod where it did.
	ExplainSchedule(ctx context.Context, namespace, name string) (ScheduleExplanation, error)
	// Traffic reads the service proxy's connection counts per endpoint.
	Traffic(ctx context.Context, namespace string) (Traffic, error)
}

// TermSize is a terminal size.
type TermSize struct{ Width, Height uint16 }

// ExecOptions connects a command run in a container to the caller's streams.
type ExecOptions struct {
	Container string
	Command   []string
	TTY       bool
	Stdin     io.Reader // nil: no stdin
	Stdout    io.Writer
	Stderr    io.Writer
	Resize    <-chan TermSize
}

// ServerStatus is what `podlab status` prints.
type ServerStatus struct {
	Version         string       `json:"version"`
	PID             int          `json:"pid"`
	Socket          string       `json:"socket"`
	Home            string       `json:"home"`
	LabID           string       `json:"labID"`
	StartedAt       time.Time    `json:"startedAt"`
	TimeScale       float64      `json:"timeScale"`
	EngineVersion   string       `json:"engineVersion"`
	EngineAPI       string       `json:"engineAPIVersion"`
	Nodes           []NodeStatus `json:"nodes"`
	Pods            int          `json:"pods"`
	AllowPrivileged bool         `json:"allowPrivileged"`
	AllowHostPaths  bool         `json:"allowHostPaths"`
	// APIServer is the TLS endpoint real clients use (https://127.0.0.1:port).
	APIServer string `json:"apiServer"`
	// Kubeconfig is the lab's kubeconfig file for kubectl and k9s.
	Kubeconfig string `json:"kubeconfig"`
}

// ResumeFrom is opts for a watch that resumes after resourceVersion rv.
func ResumeFrom(opts metav1.ListOptions, rv string) metav1.ListOptions {
	opts.ResourceVersion = rv
	return opts
}
