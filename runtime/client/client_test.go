package client_test

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/podlab/podlab/internal/kubetest"
	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

func TestNoControlPlaneIsUnavailable(t *testing.T) {
	cl := client.New(filepath.Join(t.TempDir(), "absent.sock"))
	ctx := context.Background()
	if _, err := cl.Status(ctx); !client.IsUnavailable(err) || !strings.Contains(err.Error(), "no podlab control plane answers") {
		t.Fatalf("status without a server: %v", err)
	}
	if _, err := cl.Get(ctx, api.Pods, "default", "web"); !client.IsUnavailable(err) {
		t.Fatalf("get without a server: %v", err)
	}
	if _, err := cl.Exec(ctx, "default", "web", client.ExecOptions{Command: []string{"sh"}}); !client.IsUnavailable(err) {
		t.Fatalf("exec without a server: %v", err)
	}
}

// A server that answers with something other than a Status still gives an
// apierrors value with the HTTP code (worded as client-go, and so kubectl,
// words it), and is not "unavailable".
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
	if client.IsUnavailable(err) || !apierrors.IsServiceUnavailable(err) {
		t.Fatalf("plain-text 503: %v", err)
	}
}

// Over the real API on its unix socket: typed objects both ways, list
// resourceVersions that a watch resumes from, patches, dry run, and
// deletes that return what the server left.
func TestAgainstTheLabAPI(t *testing.T) {
	s := kubetest.Start(t, kubetest.Options{})
	cl := client.New(s.Socket)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "conf"}, Data: map[string]string{"a": "1"}}
	created, _, err := cl.Create(ctx, api.ConfigMaps, cm, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if created.GetNamespace() != "default" || created.GetUID() == "" || created.GetObjectKind().GroupVersionKind().Kind != "ConfigMap" {
		t.Fatalf("created = %+v", created)
	}
	if _, _, err := cl.Create(ctx, api.ConfigMaps, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "dry"}}, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Get(ctx, api.ConfigMaps, "default", "dry"); !apierrors.IsNotFound(err) {
		t.Fatalf("a dry-run create was stored: %v", err)
	}
	items, rv, err := cl.List(ctx, api.ConfigMaps, "default", metav1.ListOptions{})
	if err != nil || len(items) != 1 || rv == "" {
		t.Fatalf("list = %d items, rv %q, %v", len(items), rv, err)
	}
	events, err := cl.Watch(ctx, api.ConfigMaps, "default", metav1.ListOptions{ResourceVersion: rv})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := cl.Patch(ctx, api.ConfigMaps, "default", "conf", types.MergePatchType, []byte(`{"data":{"b":"2"}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-events:
		if ev.Type != watch.Modified || ev.Object.(*corev1.ConfigMap).Data["b"] != "2" {
			t.Fatalf("watch event = %s %+v", ev.Type, ev.Object)
		}
	case <-ctx.Done():
		t.Fatal("no watch event after a patch")
	}
	gone, err := cl.Delete(ctx, api.ConfigMaps, "default", "conf", metav1.DeleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_ = gone // configmaps answer with a status or the object, either is fine
	if _, err := cl.Get(ctx, api.ConfigMaps, "default", "conf"); !apierrors.IsNotFound(err) {
		t.Fatalf("after delete: %v", err)
	}
}
