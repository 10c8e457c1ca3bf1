// Package client is the typed client of the lab's API over its unix socket.
// The CLI, the TUI and exercise checks use it; it speaks the Kubernetes-shaped
// REST API served by runtime/apiserver (/api/v1/...), plus podlab's own
// /podlab/v1/status. It imports runtime/api and runtime/store (for option types).
package client

import (
	"context"
	"io"
	"time"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/store"
	"k8s.io/apimachinery/pkg/types"
)

// Interface is what callers use (tests substitute a fake).
type Interface interface {
	// Create creates obj (namespace from obj, defaulted by the server) and
	// returns the stored object and any warnings the server sent (kubectl's "Warning:" lines).
	Create(ctx context.Context, res api.Resource, obj api.Object) (api.Object, []string, error)
	Get(ctx context.Context, res api.Resource, namespace, name string) (api.Object, error)
	// List lists; namespace "" lists all namespaces.
	List(ctx context.Context, res api.Resource, namespace string, opts store.ListOptions) ([]api.Object, string, error)
	// Update replaces obj (optimistic concurrency on its resourceVersion).
	Update(ctx context.Context, res api.Resource, obj api.Object) (api.Object, []string, error)
	// Patch applies a patch of the given type (types.StrategicMergePatchType,
	// types.MergePatchType or types.JSONPatchType).
	Patch(ctx context.Context, res api.Resource, namespace, name string, pt types.PatchType, data []byte) (api.Object, []string, error)
	// Delete deletes an object. gracePeriod nil: the object's default;
	// for pods, the server marks the pod terminating and the kubelet finishes it.
	Delete(ctx context.Context, res api.Resource, namespace, name string, opts DeleteOptions) (api.Object, error)
	// Watch streams changes after sinceRV ("" = from now) until ctx ends.
	Watch(ctx context.Context, res api.Resource, namespace string, opts store.ListOptions, sinceRV string) (<-chan store.WatchEvent, error)

	// Logs streams a pod container's log (GET .../pods/{name}/log).
	Logs(ctx context.Context, namespace, pod string, opts LogOptions) (io.ReadCloser, error)
	// Exec runs a command in a pod container (POST .../pods/{name}/exec) and returns its exit code.
	Exec(ctx context.Context, namespace, pod string, opts ExecOptions) (int, error)
	// Attach connects to a pod container's main process (POST .../pods/{name}/attach).
	Attach(ctx context.Context, namespace, pod string, opts ExecOptions) error
	// PortForward relays one connection to a pod's port (POST .../pods/{name}/portforward).
	PortForward(ctx context.Context, namespace, pod string, port int, conn io.ReadWriter) error

	// Status describes the running control plane.
	Status(ctx context.Context) (ServerStatus, error)
}

// DeleteOptions mirrors metav1.DeleteOptions' fields that kubectl uses.
type DeleteOptions struct {
	GracePeriodSeconds *int64
	// Force with a zero grace period removes the object at once (kubectl --force).
	Force bool
}

// LogOptions mirrors corev1.PodLogOptions.
type LogOptions struct {
	Container  string
	Follow     bool
	Previous   bool
	TailLines  *int64
	Since      time.Duration
	Timestamps bool
}

// TermSize is a terminal size.
type TermSize struct{ Width, Height uint16 }

// ExecOptions describes a command run in a container.
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
	Version         string    `json:"version"`
	PID             int       `json:"pid"`
	Socket          string    `json:"socket"`
	Home            string    `json:"home"`
	LabID           string    `json:"labID"`
	StartedAt       time.Time `json:"startedAt"`
	TimeScale       float64   `json:"timeScale"`
	EngineVersion   string    `json:"engineVersion"`
	EngineAPI       string    `json:"engineAPIVersion"`
	Nodes           []string  `json:"nodes"`
	Pods            int       `json:"pods"`
	AllowPrivileged bool      `json:"allowPrivileged"`
	AllowHostPaths  bool      `json:"allowHostPaths"`
}
