// Package apitest runs a real store and API server on a unix socket in a
// test's temporary directory, without a node: tests of the API and of the
// CLI drive it through the real client.
package apitest

import (
	"net/http"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/apiserver"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/store"
)

// Server is a running test API server.
type Server struct {
	Client *client.Client
	Store  *store.Store
	Socket string
	Dir    string
}

// Start serves the API with podIO (logs and exec) and admit (may be nil);
// the namespaces default and team exist.
func Start(t testing.TB, podIO apiserver.PodIO, admit apiserver.Admitter) *Server {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"default", "team"} {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		api.SetDefaults(ns)
		if _, err := st.Create(api.Namespaces, ns); err != nil {
			t.Fatal(err)
		}
	}
	sock := filepath.Join(dir, "api.sock")
	ln, err := apiserver.ListenUnix(sock)
	if err != nil {
		t.Fatal(err)
	}
	cfg := apiserver.Config{Store: st, PodIO: podIO, Logf: func(string, ...any) {}}
	if admit != nil {
		cfg.Admit = admit
	}
	srv := &http.Server{Handler: apiserver.New(cfg).Handler()}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close(); st.Close() })
	return &Server{Client: client.New(sock), Store: st, Socket: sock, Dir: dir}
}
