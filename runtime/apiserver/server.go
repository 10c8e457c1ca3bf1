// Package apiserver serves the lab's Kubernetes-shaped REST API
// (/api/v1/namespaces/{ns}/pods/..., ?watch=true, pods/{name}/log and /exec)
// over a unix socket: it decodes strictly, defaults, validates and admits
// objects, implements the API server's graceful pod deletion and namespace
// termination, and stores objects through runtime/store. Logs and exec are
// delegated to the node agent (PodIO).
package apiserver

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/store"
)

// PodIO streams a pod container's logs and runs commands in it; the kubelet implements it.
type PodIO interface {
	Logs(ctx context.Context, pod *corev1.Pod, opts client.LogOptions) (io.ReadCloser, error)
	Exec(ctx context.Context, pod *corev1.Pod, opts client.ExecOptions) (int, error)
	// Attach connects to the container's main process; it returns when that ends.
	Attach(ctx context.Context, pod *corev1.Pod, opts client.ExecOptions) (int, error)
}

// Admitter applies policy to objects being created or updated; it may reject
// them or return warnings sent to the client as `Warning:` headers.
type Admitter interface {
	Admit(ctx context.Context, op string, res api.Resource, obj api.Object) ([]string, error)
}

// Config wires the server.
type Config struct {
	Store  store.API
	PodIO  PodIO
	Admit  Admitter // optional
	Status func(context.Context) client.ServerStatus
	// Logf receives one line per request (nil: the standard logger).
	Logf func(format string, args ...any)
}

// Server is the API server.
type Server struct {
	cfg Config

	mu         sync.Mutex
	finalizing map[string]bool // namespaces whose content is being removed
}

// New returns a server.
func New(cfg Config) *Server {
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	s := &Server{cfg: cfg, finalizing: map[string]bool{}}
	s.resumeNamespaceTermination()
	return s
}

// ListenUnix listens on a unix socket at path, mode 0600, replacing a stale
// socket file (one nobody answers on any more).
func ListenUnix(path string) (net.Listener, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("listening on %s: another server answers there", path)
		}
		os.Remove(path)
	}
	old := umask(0o177)
	ln, err := net.Listen("unix", path)
	umask(old)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// Handler returns the HTTP handler of the API.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		s.route(rec, r)
		if !strings.HasSuffix(r.URL.Path, "/healthz") && r.URL.Path != "/podlab/v1/status" {
			s.cfg.Logf("%s %s %d %s", r.Method, r.URL.RequestURI(), rec.code, time.Since(start).Round(time.Millisecond))
		}
	})
}

// statusRecorder remembers the response code for the request log, and still
// lets handlers flush and hijack.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
