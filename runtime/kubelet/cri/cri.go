// Package cri is the contract between the kubelet and a container engine,
// in the spirit of Kubernetes' Container Runtime Interface: the kubelet and its
// helpers speak it, runtime/engine implements it on Docker. Types only.
package cri

import (
	"context"
	"io"
	"time"
)

// ContainerRuntime is what the kubelet needs from a container engine. It is
// defined beside the kubelet, which uses it; runtime/engine implements it on Docker.
// Everything the engine creates carries the lab's labels, and every listing
// returns only this lab's objects.
type ContainerRuntime interface {
	// EnsureNetwork creates the lab's bridge network if it is missing.
	EnsureNetwork(ctx context.Context) error

	// EnsureImages makes sure podlab's own offline images exist (building them if needed).
	EnsureImages(ctx context.Context) error

	// ListContainers returns every container of this lab: sandboxes, init and
	// app containers, running or not.
	ListContainers(ctx context.Context) ([]ContainerInfo, error)
	// ListPodContainers returns the containers of one pod (by UID).
	ListPodContainers(ctx context.Context, podUID string) ([]ContainerInfo, error)
	// NodeIP is the address pods see their node at (the lab network's gateway).
	NodeIP(ctx context.Context) (string, error)
	// InspectContainer returns one container's current state.
	InspectContainer(ctx context.Context, id string) (ContainerInfo, error)

	// RunSandbox creates and starts a pod's pause container.
	RunSandbox(ctx context.Context, cfg SandboxConfig) (ContainerInfo, error)

	// CreateContainer creates (does not start) an init or app container in a sandbox.
	CreateContainer(ctx context.Context, cfg ContainerConfig) (id string, err error)
	StartContainer(ctx context.Context, id string) error
	// SignalContainer sends a signal ("SIGTERM", "SIGKILL", "SIGQUIT", ...) to
	// the container's main process; "" sends the container's stop signal
	// (the image's STOPSIGNAL, else SIGTERM).
	SignalContainer(ctx context.Context, id, signal string) error
	// WaitStopped returns when the container is no longer running or ctx ends.
	WaitStopped(ctx context.Context, id string) error
	// RemoveContainer removes a container (forcefully: it may be running).
	RemoveContainer(ctx context.Context, id string) error

	// Images
	// ImageStatus reports whether ref is present locally and its ID and size.
	ImageStatus(ctx context.Context, ref string) (present bool, id string, size int64, err error)
	// PullImage pulls ref from its registry.
	PullImage(ctx context.Context, ref string) error
	// StandIn returns podlab's own offline image that stands in for a well-known
	// upstream image (busybox, nginx, ...), if it has one.
	StandIn(ref string) (standIn string, ok bool)

	// Exec runs cmd in a running container with the given streams and returns its exit code.
	Exec(ctx context.Context, id string, opts ExecOptions) (exitCode int, err error)
	// Attach connects streams to a running container's main process (its
	// stdin and output, with the container's TTY if it has one) until the
	// process ends, ctx ends, or stdin closes.
	Attach(ctx context.Context, id string, opts ExecOptions) error
	// Logs streams a container's output (stdout and stderr interleaved as written).
	Logs(ctx context.Context, id string, opts LogOptions) (io.ReadCloser, error)

	// Events delivers a notice for every container lifecycle change of this lab
	// (start, die, oom, destroy) until ctx ends; the channel closes then, or when
	// the engine's stream breaks (the caller resubscribes).
	Events(ctx context.Context) (<-chan ContainerEvent, error)

	// RemoveDir removes a directory of the lab's node disk that containers may
	// have filled with files the podlab user cannot delete (written as root).
	RemoveDir(ctx context.Context, path string) error
}

// ContainerKind says what role a container plays in its pod.
type ContainerKind string

const (
	KindSandbox ContainerKind = "sandbox"
	KindInit    ContainerKind = "init"
	KindApp     ContainerKind = "app"
)

// ContainerState is the engine-neutral state of a container.
type ContainerState string

const (
	StateCreated ContainerState = "created"
	StateRunning ContainerState = "running"
	StateExited  ContainerState = "exited"
	StateUnknown ContainerState = "unknown"
)

// PodRef names the pod a container belongs to; the engine stores it as labels.
type PodRef struct {
	UID       string
	Name      string
	Namespace string
	Node      string // the virtual node whose kubelet owns the pod
}

// ContainerInfo is what the engine reports about one container of the lab.
type ContainerInfo struct {
	ID   string
	Name string // the engine's container name
	Pod  PodRef
	Kind ContainerKind
	// Container is the pod spec's container name ("" for the sandbox).
	Container string
	// Attempt counts restarts of this container in this pod: 0 for the first run.
	Attempt int
	// SpecHash fingerprints the container spec the container was created from,
	// so the kubelet notices a changed spec (e.g. a new image).
	SpecHash string

	Image   string // the image reference the container was created with
	ImageID string // the engine's image ID

	State      ContainerState
	ExitCode   int
	OOMKilled  bool
	Error      string // the engine's error for a container that failed to start
	CreatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time

	// IP is the pod IP, set for a sandbox on the lab network.
	IP string
	// PID is the main process ID on the host while running.
	PID int
}

// SandboxConfig describes a pod's pause container: it owns the pod's network,
// IPC and UTS namespaces (and its PID namespace, which app containers join
// when the pod shares its process namespace).
type SandboxConfig struct {
	Pod      PodRef
	Hostname string
	// HostNetwork, HostPID and HostIPC put the pod in the host's namespaces.
	HostNetwork bool
	HostPID     bool
	HostIPC     bool
	// DNS servers and searches for the pod's resolv.conf (empty: engine default).
	DNSServers  []string
	DNSSearches []string
	DNSOptions  []string
	// Labels and annotations of the pod, kept for display (not for selection).
	PodLabels map[string]string
}

// Mount is one volume mount of a container.
type Mount struct {
	// HostPath is the source directory or file on the engine's host. Empty with Tmpfs.
	HostPath      string
	ContainerPath string
	ReadOnly      bool
	// Tmpfs mounts a memory-backed filesystem (emptyDir medium: Memory).
	Tmpfs bool
	// SubPath is already resolved into HostPath by the kubelet.
}

// ContainerConfig describes an init or app container to create in a sandbox.
type ContainerConfig struct {
	Pod       PodRef
	Kind      ContainerKind
	Container string // the pod spec's container name
	Attempt   int
	SpecHash  string

	SandboxID string // the pause container whose namespaces this container joins
	// SharePID joins the sandbox's PID namespace (shareProcessNamespace).
	SharePID bool
	// HostNetwork/HostPID/HostIPC mirror the sandbox's host modes.
	HostNetwork bool
	HostPID     bool
	HostIPC     bool

	Image      string   // the image to run (already resolved: stand-in substituted)
	Entrypoint []string // nil: the image's entrypoint (Kubernetes "command")
	Cmd        []string // nil: the image's cmd (Kubernetes "args")
	Env        []string // "NAME=value"
	WorkingDir string
	Mounts     []Mount
	// EtcHosts is the kubelet-managed hosts file mounted at /etc/hosts ("" for host network).
	EtcHosts string
	// ResolvConf is the kubelet-written resolv.conf mounted at
	// /etc/resolv.conf ("": the engine's own).
	ResolvConf string

	Stdin     bool
	StdinOnce bool
	TTY       bool

	// Resources
	MemoryLimit int64 // bytes, 0: none
	NanoCPUs    int64 // CPU limit, 0: none
	CPUShares   int64 // from the CPU request, 0: engine default

	// Security
	User            string // "uid[:gid]", "" for the image's user
	Privileged      bool
	CapAdd          []string
	CapDrop         []string
	ReadOnlyRootfs  bool
	NoNewPrivileges bool

	// StopSignal overrides the image's stop signal ("" keeps it).
	StopSignal string
}

// TermSize is a terminal size for exec with a TTY.
type TermSize struct{ Width, Height uint16 }

// ExecOptions describes a command to run in a container.
type ExecOptions struct {
	Cmd    []string
	TTY    bool
	Stdin  io.Reader // nil: no stdin
	Stdout io.Writer
	Stderr io.Writer // ignored with TTY (merged into Stdout)
	// Resize delivers terminal size changes while a TTY exec runs.
	Resize <-chan TermSize
	// Env adds variables to the command's environment.
	Env []string
}

// LogOptions selects which part of a container's log to stream.
type LogOptions struct {
	Follow     bool
	TailLines  int64 // <0: all
	Since      time.Time
	Timestamps bool
}

// ContainerEvent is one lifecycle change reported by the engine.
type ContainerEvent struct {
	ContainerID string
	Pod         PodRef
	Kind        ContainerKind
	Container   string
	// Action is "create", "start", "die", "oom", "kill", "destroy", ...
	Action string
	Time   time.Time
}
