package client_test

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

func TestNoControlPlaneIsUnavailable(t *testing.T) {
	cl := client.New(filepath.Join(t.TempDir(), "absent.sock"))
	ctx := context.Background()
	if _, err := cl.Status(ctx); !client.IsUnavailable(err) || !strings.Contains(err.Error(), "no podlab control plane answers") {
		t.Fatalf("status without a server: %v", err)
	}
	if _, err := cl.Exec(ctx, "default", "web", client.ExecOptions{Command: []string{"sh"}}); !client.IsUnavailable(err) {
		t.Fatalf("exec without a server: %v", err)
	}
}

// A server that answers with something other than a Status still gives an
// apierrors value with the HTTP code, and is not "unavailable".
func TestNonStatusErrorsKeepTheirCode(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "api.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gateway trouble", http.StatusServiceUnavailable)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	_, err = client.New(sock).Get(context.Background(), api.Pods, "default", "web")
	if client.IsUnavailable(err) || !apierrors.IsServiceUnavailable(err) || !strings.Contains(err.Error(), "gateway trouble") {
		t.Fatalf("plain-text 503: %v", err)
	}
}
