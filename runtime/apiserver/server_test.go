package apiserver_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/podlab/podlab/internal/apitest"
	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/store"
)

// fakePodIO answers logs from a string and echoes exec stdin.
type fakePodIO struct{}

func (fakePodIO) Logs(_ context.Context, pod *corev1.Pod, opts client.LogOptions) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader(fmt.Sprintf("log of %s/%s previous=%t\n", pod.Name, opts.Container, opts.Previous))), nil
}

// execCanceled receives when a "block" exec sees its session end.
var execCanceled = make(chan struct{}, 1)

func (fakePodIO) Exec(ctx context.Context, pod *corev1.Pod, opts client.ExecOptions) (int, error) {
	switch opts.Command[0] {
	case "fail":
		return -1, fmt.Errorf("executable file not found in $PATH")
	case "block":
		fmt.Fprintln(opts.Stdout, "blocking")
		<-ctx.Done()
		execCanceled <- struct{}{}
		return -1, ctx.Err()
	}
	fmt.Fprintf(opts.Stdout, "exec %s in %s\n", strings.Join(opts.Command, " "), opts.Container)
	if opts.TTY {
		// A terminal session reports the size the client sent first.
		select {
		case sz := <-opts.Resize:
			fmt.Fprintf(opts.Stdout, "tty %dx%d\n", sz.Width, sz.Height)
		case <-time.After(5 * time.Second):
			return -1, fmt.Errorf("no terminal size arrived")
		}
	}
	if opts.Stdin != nil {
		io.Copy(opts.Stdout, opts.Stdin)
	}
	fmt.Fprint(opts.Stderr, "to stderr\n")
	return 3, nil
}

func (f fakePodIO) Attach(ctx context.Context, pod *corev1.Pod, opts client.ExecOptions) (int, error) {
	fmt.Fprintf(opts.Stdout, "attached to %s\n", opts.Container)
	return 0, nil
}

type warnAdmitter struct{}

func (warnAdmitter) Admit(_ context.Context, op string, _ api.Resource, obj api.Object) ([]string, error) {
	if obj.GetLabels()["forbidden"] == "yes" {
		return nil, apierrors.NewForbidden(api.Pods.GroupResource(), obj.GetName(), fmt.Errorf("not in this lab"))
	}
	return []string{"admitted " + obj.GetName()}, nil
}

// startServer runs a store and API server on a unix socket in a temp dir.
func startServer(t *testing.T) (*client.Client, *store.Store, string) {
	t.Helper()
	srv := apitest.Start(t, fakePodIO{}, warnAdmitter{})
	return srv.Client, srv.Store, srv.Socket
}

func newPod(name string, containers ...string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}}
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: c, Image: "busybox"})
	}
	return p
}

func TestSocketIsPrivate(t *testing.T) {
	_, _, sock := startServer(t)
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestCreateDefaultsValidatesAndWarns(t *testing.T) {
	cl, _, _ := startServer(t)
	ctx := context.Background()
	obj, warnings, err := cl.Create(ctx, api.Pods, newPod("web", "app"))
	if err != nil {
		t.Fatal(err)
	}
	pod := obj.(*corev1.Pod)
	if pod.Namespace != "default" || pod.Spec.RestartPolicy != corev1.RestartPolicyAlways || *pod.Spec.TerminationGracePeriodSeconds != 30 ||
		pod.Spec.Containers[0].ImagePullPolicy != corev1.PullAlways || pod.Status.Phase != corev1.PodPending {
		t.Fatalf("defaults missing: %+v", pod.Spec)
	}
	if len(warnings) != 1 || warnings[0] != "admitted web" {
		t.Fatalf("warnings = %q", warnings)
	}
	bad := newPod("Bad_Name")
	_, _, err = cl.Create(ctx, api.Pods, bad)
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), `Pod "Bad_Name" is invalid`) || !strings.Contains(err.Error(), "spec.containers: Required value") {
		t.Fatalf("invalid pod: %v", err)
	}
	missing := newPod("x", "app")
	missing.Namespace = "nowhere"
	if _, _, err := cl.Create(ctx, api.Pods, missing); !apierrors.IsNotFound(err) || err.Error() != `namespaces "nowhere" not found` {
		t.Fatalf("missing namespace: %v", err)
	}
	denied := newPod("denied", "app")
	denied.Labels = map[string]string{"forbidden": "yes"}
	if _, _, err := cl.Create(ctx, api.Pods, denied); !apierrors.IsForbidden(err) {
		t.Fatalf("admission: %v", err)
	}
}

func TestWatchSeesChangesInOrder(t *testing.T) {
	cl, _, _ := startServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, rv, err := cl.List(ctx, api.Pods, "default", store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := cl.Watch(ctx, api.Pods, "default", store.ListOptions{}, rv)
	if err != nil {
		t.Fatal(err)
	}
	cl.Create(ctx, api.Pods, newPod("w", "app"))
	cl.Patch(ctx, api.Pods, "default", "w", types.MergePatchType, []byte(`{"metadata":{"labels":{"a":"b"}}}`))
	cl.Delete(ctx, api.Pods, "default", "w", client.DeleteOptions{})
	for _, want := range []watch.EventType{watch.Added, watch.Modified, watch.Deleted} {
		select {
		case ev := <-ch:
			if ev.Type != want || ev.Object.GetName() != "w" {
				t.Fatalf("got %s %s, want %s", ev.Type, ev.Object.GetName(), want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %s event", want)
		}
	}
}

func TestStrictDecodingRejectsUnknownFields(t *testing.T) {
	_, _, sock := startServer(t)
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (netConn, error) {
		return dialUnix(ctx, sock)
	}}}
	body := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"a","image":"b","imagee":"c"}]}}`
	resp, err := hc.Post("http://podlab/api/v1/namespaces/default/pods", "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(msg), `spec.containers[0].imagee`) {
		t.Fatalf("status %d body %s", resp.StatusCode, msg)
	}
}

func TestStrategicMergePatchAndImmutableSpec(t *testing.T) {
	cl, _, _ := startServer(t)
	ctx := context.Background()
	p := newPod("p", "app")
	p.Labels = map[string]string{"keep": "1", "drop": "1"}
	cl.Create(ctx, api.Pods, p)
	obj, _, err := cl.Patch(ctx, api.Pods, "default", "p", types.StrategicMergePatchType, []byte(`{"metadata":{"labels":{"drop":null,"new":"2"}},"spec":{"containers":[{"name":"app","image":"busybox:1.36"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	got := obj.(*corev1.Pod)
	if got.Labels["drop"] != "" || got.Labels["new"] != "2" || got.Labels["keep"] != "1" || got.Spec.Containers[0].Image != "busybox:1.36" {
		t.Fatalf("patched pod: labels %v image %s", got.Labels, got.Spec.Containers[0].Image)
	}
	_, _, err = cl.Patch(ctx, api.Pods, "default", "p", types.StrategicMergePatchType, []byte(`{"spec":{"restartPolicy":"Never"}}`))
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "pod updates may not change fields other than") {
		t.Fatalf("changing restartPolicy: %v", err)
	}
	stale := got.DeepCopy()
	stale.ResourceVersion = "1"
	if _, _, err := cl.Update(ctx, api.Pods, stale); !apierrors.IsConflict(err) {
		t.Fatalf("stale update: %v", err)
	}
}

func TestGracefulPodDeletion(t *testing.T) {
	cl, st, _ := startServer(t)
	ctx := context.Background()
	p := newPod("g", "app")
	p.Spec.NodeName = "node-1"
	cl.Create(ctx, api.Pods, p)
	obj, err := cl.Delete(ctx, api.Pods, "default", "g", client.DeleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if obj.GetDeletionTimestamp() == nil || *obj.GetDeletionGracePeriodSeconds() != 30 {
		t.Fatalf("bound pod was not marked for graceful deletion: %+v", obj)
	}
	shorter := int64(5)
	obj, _ = cl.Delete(ctx, api.Pods, "default", "g", client.DeleteOptions{GracePeriodSeconds: &shorter})
	if *obj.GetDeletionGracePeriodSeconds() != 5 {
		t.Fatalf("grace not shortened: %d", *obj.GetDeletionGracePeriodSeconds())
	}
	if _, err := cl.Delete(ctx, api.Pods, "default", "g", client.DeleteOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(api.Pods, "default", "g"); !apierrors.IsNotFound(err) {
		t.Fatalf("force delete left the pod: %v", err)
	}
	// An unbound pod goes at once.
	cl.Create(ctx, api.Pods, newPod("u", "app"))
	cl.Delete(ctx, api.Pods, "default", "u", client.DeleteOptions{})
	if _, err := st.Get(api.Pods, "default", "u"); !apierrors.IsNotFound(err) {
		t.Fatalf("unbound pod still there: %v", err)
	}
}

func TestNamespaceDeletion(t *testing.T) {
	cl, st, _ := startServer(t)
	ctx := context.Background()
	if _, err := cl.Delete(ctx, api.Namespaces, "", "default", client.DeleteOptions{}); !apierrors.IsForbidden(err) ||
		err.Error() != `namespaces "default" is forbidden: this namespace may not be deleted` {
		t.Fatalf("deleting default: %v", err)
	}
	p := newPod("t", "app")
	p.Namespace = "team"
	cl.Create(ctx, api.Pods, p)
	if _, err := cl.Delete(ctx, api.Namespaces, "", "team", client.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := st.Get(api.Namespaces, "", "team"); apierrors.IsNotFound(err) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("namespace team was not removed")
}

func TestLogsAndExecThroughPodIO(t *testing.T) {
	cl, _, _ := startServer(t)
	ctx := context.Background()
	cl.Create(ctx, api.Pods, newPod("two", "a", "b"))
	_, err := cl.Logs(ctx, "default", "two", client.LogOptions{})
	if err == nil || !strings.Contains(err.Error(), "a container name must be specified for pod two, choose one of: [a b]") {
		t.Fatalf("logs without container: %v", err)
	}
	if _, err := cl.Logs(ctx, "default", "two", client.LogOptions{Container: "zz"}); err == nil || !strings.Contains(err.Error(), "container zz is not valid for pod two") {
		t.Fatalf("logs of unknown container: %v", err)
	}
	rc, err := cl.Logs(ctx, "default", "two", client.LogOptions{Container: "b", Previous: true})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "log of two/b previous=true\n" {
		t.Fatalf("logs = %q", b)
	}
	var out, errOut bytes.Buffer
	code, err := cl.Exec(ctx, "default", "two", client.ExecOptions{Container: "a", Command: []string{"cat", "-"}, Stdin: strings.NewReader("hello\n"), Stdout: &out, Stderr: &errOut})
	if err != nil || code != 3 {
		t.Fatalf("exec = %d, %v", code, err)
	}
	if out.String() != "exec cat - in a\nhello\n" || errOut.String() != "to stderr\n" {
		t.Fatalf("exec streams: stdout %q stderr %q", out.String(), errOut.String())
	}
}
