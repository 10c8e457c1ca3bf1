// Package kubetest runs the lab's real API server (runtime/apiserver) in a
// test, on loopback TLS with the lab's credentials and its bbolt storage in
// the test's directory, without a node, so tests of components and clients
// speak to the same API kubectl does.
package kubetest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/apiserver/pkg/admission"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/podlab/podlab/runtime/apiserver"
	"github.com/podlab/podlab/runtime/labpki"
	"github.com/podlab/podlab/runtime/registry"
	"github.com/podlab/podlab/runtime/storage"
)

// Options configure the test server.
type Options struct {
	PodIO     registry.PodIO
	Admission []admission.Interface
}

// Server is a running test API server.
type Server struct {
	// Config is the lab's own (loopback) client configuration.
	Config *rest.Config
	Client kubernetes.Interface
	// Kubeconfig is a kubeconfig file for real clients (kubectl).
	Kubeconfig string
	// Socket is the unix socket podlab's own client uses.
	Socket string
	Dir    string
}

// Start serves the API until the test ends; the system namespaces exist.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	dir := t.TempDir()
	b, err := labpki.Ensure(filepath.Join(dir, "pki"))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv, err := apiserver.New(apiserver.Config{
		Storage: db.Decorator(), Listener: ln, PodIO: opts.PodIO, Admission: opts.Admission,
		CACert: b.CACert, ServingCert: b.ServingCert, ServingKey: b.ServingKey,
		Users: map[string]apiserver.User{b.Token: {Name: labpki.UserName, Groups: []string{labpki.UserGroup}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Run(ctx); err != nil {
			t.Errorf("API server: %v", err)
		}
	}()
	socket := filepath.Join(dir, "api.sock")
	uln, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	unix := &http.Server{Handler: srv.UnixHandler(), ReadHeaderTimeout: 10 * time.Second}
	go unix.Serve(uln)
	t.Cleanup(func() { unix.Close(); cancel(); <-done })
	cfg := srv.LoopbackConfig()
	client := kubernetes.NewForConfigOrDie(cfg)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if apiserver.Ready(ctx, client) {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("API server did not become ready within 30 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	kc := filepath.Join(dir, "kubeconfig")
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster:
    server: https://%s
    certificate-authority: %s
users:
- name: lab
  user:
    token: %s
contexts:
- name: lab
  context: {cluster: lab, user: lab}
current-context: lab
`, ln.Addr(), filepath.Join(dir, "pki", "ca.crt"), b.Token)
	if err := os.WriteFile(kc, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	return &Server{Config: cfg, Client: client, Kubeconfig: kc, Socket: socket, Dir: dir}
}
