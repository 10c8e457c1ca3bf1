package apiserver_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/podlab/podlab/internal/apitest"
	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/apiserver"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/store"
)

// rawHTTP is a plain HTTP client of the socket, for requests the typed client never makes.
func rawHTTP(sock string) *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return dialUnix(ctx, sock)
	}}}
}

func do(t *testing.T, hc *http.Client, method, path, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://podlab"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDiscoveryAndUnknownPaths(t *testing.T) {
	_, _, sock := startServer(t)
	hc := rawHTTP(sock)
	if code, body := do(t, hc, "GET", "/api", "", ""); code != 200 || !strings.Contains(body, `"versions":["v1"]`) {
		t.Fatalf("/api: %d %s", code, body)
	}
	code, body := do(t, hc, "GET", "/api/v1", "", "")
	var list metav1.APIResourceList
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil || list.GroupVersion != "v1" {
		t.Fatalf("/api/v1: %d %s", code, body)
	}
	served := map[string]bool{}
	for _, r := range list.APIResources {
		served[r.Name] = r.Namespaced
	}
	if !served["pods"] || served["nodes"] || !served["pods/log"] {
		t.Fatalf("resource list: %v", served)
	}
	for path, want := range map[string]int{
		"/api/v1/widgets":                       404,
		"/api/v1/namespaces/default/widgets":    404,
		"/api/v1/pods/web":                      404, // pods are namespaced
		"/apis/apps/v1":                         404,
		"/api/v1/namespaces/default/pods/x/y/z": 404,
	} {
		if code, body := do(t, hc, "GET", path, "", ""); code != want || !strings.Contains(body, `"kind":"Status"`) {
			t.Errorf("GET %s: %d %s, want %d Status", path, code, body, want)
		}
	}
	if code, body := do(t, hc, "PUT", "/api/v1/namespaces/default/pods", "application/json", "{}"); code != 405 || !strings.Contains(body, `"reason":"MethodNotAllowed"`) {
		t.Fatalf("PUT on a collection: %d %s", code, body)
	}
}

func TestCreateFromYAMLAndNamespaceMismatch(t *testing.T) {
	cl, _, sock := startServer(t)
	hc := rawHTTP(sock)
	manifest := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-yaml\nspec:\n  containers:\n  - name: app\n    image: busybox\n"
	if code, body := do(t, hc, "POST", "/api/v1/namespaces/team/pods", "application/yaml", manifest); code != 201 || !strings.Contains(body, `"namespace":"team"`) {
		t.Fatalf("YAML create: %d %s", code, body)
	}
	other := strings.Replace(manifest, "name: from-yaml\n", "name: other\n  namespace: team\n", 1)
	code, body := do(t, hc, "POST", "/api/v1/namespaces/default/pods", "application/yaml", other)
	if code != 400 || !strings.Contains(body, "the namespace of the provided object does not match the namespace sent on the request") {
		t.Fatalf("namespace mismatch: %d %s", code, body)
	}
	wrongKind := strings.Replace(manifest, "kind: Pod", "kind: ConfigMap", 1)
	if code, _ := do(t, hc, "POST", "/api/v1/namespaces/default/pods", "application/yaml", wrongKind); code != 400 {
		t.Fatalf("a ConfigMap posted as a pod: %d", code)
	}
	if _, err := cl.Get(context.Background(), api.Pods, "default", "nope"); !apierrors.IsNotFound(err) || err.Error() != `pods "nope" not found` || client.IsUnavailable(err) {
		t.Fatalf("get missing: %v", err)
	}
}

func TestListSelectorsAcrossNamespaces(t *testing.T) {
	cl, _, _ := startServer(t)
	ctx := context.Background()
	for _, p := range []struct{ ns, name, app, node string }{
		{"default", "a", "web", "node-1"}, {"default", "b", "db", ""}, {"team", "c", "web", ""},
	} {
		pod := newPod(p.name, "app")
		pod.Namespace, pod.Labels, pod.Spec.NodeName = p.ns, map[string]string{"app": p.app}, p.node
		if _, _, err := cl.Create(ctx, api.Pods, pod); err != nil {
			t.Fatal(err)
		}
	}
	objs, rv, err := cl.List(ctx, api.Pods, "", store.ListOptions{LabelSelector: labels.SelectorFromSet(labels.Set{"app": "web"})})
	if err != nil || rv == "" || len(objs) != 2 || objs[0].GetNamespace() != "default" || objs[1].GetNamespace() != "team" {
		t.Fatalf("all-namespace label list: %v %q %v", objs, rv, err)
	}
	if objs[0].GetObjectKind().GroupVersionKind().Kind != "Pod" {
		t.Fatalf("list items lack their kind")
	}
	objs, _, _ = cl.List(ctx, api.Pods, "default", store.ListOptions{FieldSelector: fields.OneTermEqualSelector("spec.nodeName", "")})
	if len(objs) != 1 || objs[0].GetName() != "b" {
		t.Fatalf("unscheduled default pods: %v", objs)
	}
	_, body := do(t, rawHTTP(cl.Socket()), "GET", "/api/v1/namespaces/default/pods", "", "")
	if !strings.Contains(body, `"kind":"PodList"`) || !strings.Contains(body, `"apiVersion":"v1"`) || !strings.Contains(body, `"resourceVersion":"`) {
		t.Fatalf("list body: %s", body)
	}
}

func TestWatchWithoutResourceVersionStartsWithCurrentObjects(t *testing.T) {
	cl, _, _ := startServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cl.Create(ctx, api.Pods, newPod("a", "app"))
	cl.Create(ctx, api.Pods, newPod("b", "app"))
	ch, err := cl.Watch(ctx, api.Pods, "default", store.ListOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	cl.Create(ctx, api.Pods, newPod("c", "app"))
	for _, want := range []string{"a", "b", "c"} {
		select {
		case ev := <-ch:
			if ev.Type != watch.Added || ev.Object.GetName() != want {
				t.Fatalf("got %s %s, want ADDED %s", ev.Type, ev.Object.GetName(), want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no event for %s", want)
		}
	}
	cancel()
	select {
	case _, ok := <-ch:
		for ok {
			_, ok = <-ch
		}
	case <-time.After(5 * time.Second):
		t.Fatal("watch channel not closed after its context ended")
	}
}

func TestWatchFromExpiredVersionIsGone(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	st.Create(api.ConfigMaps, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "default"}})
	st.Create(api.ConfigMaps, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "default"}})
	st.Close()
	// A restarted store keeps no history: resuming from before the restart is Gone.
	st, err = store.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "api.sock")
	ln, err := apiserver.ListenUnix(sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: apiserver.New(apiserver.Config{Store: st, Logf: func(string, ...any) {}}).Handler()}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close(); st.Close() })
	cl := client.New(sock)
	if _, err := cl.Watch(context.Background(), api.ConfigMaps, "default", store.ListOptions{}, "2"); err != nil {
		t.Fatalf("watch from the current version: %v", err)
	}
	_, err = cl.Watch(context.Background(), api.ConfigMaps, "default", store.ListOptions{}, "1")
	if !apierrors.IsResourceExpired(err) || !strings.Contains(err.Error(), "too old resource version") {
		t.Fatalf("watch from before the restart: %v", err)
	}
}

func TestMergeAndJSONPatch(t *testing.T) {
	cl, _, sock := startServer(t)
	ctx := context.Background()
	p := newPod("m", "app")
	p.Labels = map[string]string{"keep": "1", "drop": "1"}
	cl.Create(ctx, api.Pods, p)
	obj, _, err := cl.Patch(ctx, api.Pods, "default", "m", types.MergePatchType, []byte(`{"metadata":{"labels":{"drop":null,"tier":"front"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if l := obj.GetLabels(); len(l) != 2 || l["keep"] != "1" || l["tier"] != "front" {
		t.Fatalf("merge patch labels: %v", l)
	}
	obj, _, err = cl.Patch(ctx, api.Pods, "default", "m", types.JSONPatchType, []byte(`[{"op":"add","path":"/metadata/annotations","value":{"note":"hi"}},{"op":"remove","path":"/metadata/labels/keep"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if obj.GetAnnotations()["note"] != "hi" || obj.GetLabels()["keep"] != "" {
		t.Fatalf("json patch: annotations %v labels %v", obj.GetAnnotations(), obj.GetLabels())
	}
	if _, _, err := cl.Patch(ctx, api.Pods, "default", "m", types.JSONPatchType, []byte(`[{"op":"remove","path":"/metadata/labels/absent"}]`)); !apierrors.IsBadRequest(err) {
		t.Fatalf("json patch removing a missing path: %v", err)
	}
	// A patch that names an old resourceVersion is a precondition: Conflict.
	if _, _, err := cl.Patch(ctx, api.Pods, "default", "m", types.MergePatchType, []byte(`{"metadata":{"resourceVersion":"1","labels":{"x":"y"}}}`)); !apierrors.IsConflict(err) {
		t.Fatalf("patch with a stale resourceVersion: %v", err)
	}
	if _, _, err := cl.Patch(ctx, api.Pods, "default", "m", types.MergePatchType, []byte(`{"spec":{"bogus":1}}`)); !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("patch adding an unknown field: %v", err)
	}
	if code, _ := do(t, rawHTTP(sock), "PATCH", "/api/v1/namespaces/default/pods/m", "text/plain", "x"); code != http.StatusUnsupportedMediaType {
		t.Fatalf("patch of unknown type: %d", code)
	}
}

func TestStatusSubresourceChangesOnlyStatus(t *testing.T) {
	cl, _, _ := startServer(t)
	ctx := context.Background()
	obj, _, _ := cl.Create(ctx, api.Pods, newPod("s", "app"))
	pod := obj.(*corev1.Pod)
	pod.Status.Phase = corev1.PodRunning
	pod.Spec.Containers[0].Image = "changed"
	got, err := cl.UpdateStatus(ctx, api.Pods, pod)
	if err != nil {
		t.Fatal(err)
	}
	after := got.(*corev1.Pod)
	if after.Status.Phase != corev1.PodRunning || after.Spec.Containers[0].Image != "busybox" {
		t.Fatalf("status update: phase %s image %s", after.Status.Phase, after.Spec.Containers[0].Image)
	}
	// And a PUT of the pod itself keeps the stored status.
	after.Status.Phase = corev1.PodFailed
	after.Labels = map[string]string{"x": "y"}
	put, _, err := cl.Update(ctx, api.Pods, after)
	if err != nil {
		t.Fatal(err)
	}
	if p := put.(*corev1.Pod); p.Status.Phase != corev1.PodRunning || p.Labels["x"] != "y" {
		t.Fatalf("pod update: phase %s labels %v", p.Status.Phase, p.Labels)
	}
}

func TestTerminatingNamespace(t *testing.T) {
	cl, st, _ := startServer(t)
	ctx := context.Background()
	bound := newPod("bound", "app")
	bound.Namespace, bound.Spec.NodeName = "team", "node-1"
	cl.Create(ctx, api.Pods, bound)
	cl.Create(ctx, api.ConfigMaps, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "team"}})
	obj, err := cl.Delete(ctx, api.Namespaces, "", "team", client.DeleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if obj.(*corev1.Namespace).Status.Phase != corev1.NamespaceTerminating {
		t.Fatalf("deleted namespace phase %s", obj.(*corev1.Namespace).Status.Phase)
	}
	late := newPod("late", "app")
	late.Namespace = "team"
	if _, _, err := cl.Create(ctx, api.Pods, late); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "unable to create new content in namespace team because it is being terminated") {
		t.Fatalf("create in a terminating namespace: %v", err)
	}
	if _, err := cl.Delete(ctx, api.Namespaces, "", "team", client.DeleteOptions{}); !apierrors.IsConflict(err) {
		t.Fatalf("second namespace delete: %v", err)
	}
	// The bound pod is deleted gracefully: it waits for its kubelet.
	waitFor(t, "the bound pod to be marked for deletion", func() bool {
		p, err := st.Get(api.Pods, "team", "bound")
		return err == nil && p.GetDeletionTimestamp() != nil
	})
	waitFor(t, "the namespace's configmap to be deleted", func() bool {
		_, err := st.Get(api.ConfigMaps, "team", "cfg")
		return apierrors.IsNotFound(err)
	})
	if _, err := st.Get(api.Namespaces, "", "team"); err != nil {
		t.Fatalf("namespace removed while a pod still terminates: %v", err)
	}
	// The kubelet finishing the pod lets the namespace go.
	if _, err := st.Delete(api.Pods, "team", "bound"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the namespace to be removed", func() bool {
		_, err := st.Get(api.Namespaces, "", "team")
		return apierrors.IsNotFound(err)
	})
}

func TestTerminatingNamespaceResumesAfterRestart(t *testing.T) {
	_, st, _ := startServer(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "left"}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}}
	if _, err := st.Create(api.Namespaces, ns); err != nil {
		t.Fatal(err)
	}
	apiserver.New(apiserver.Config{Store: st, Logf: func(string, ...any) {}})
	waitFor(t, "the terminating namespace to be removed", func() bool {
		_, err := st.Get(api.Namespaces, "", "left")
		return apierrors.IsNotFound(err)
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPodDeletionRules(t *testing.T) {
	cl, st, _ := startServer(t)
	ctx := context.Background()
	p := newPod("own", "app")
	p.Spec.NodeName = "node-1"
	p.Spec.TerminationGracePeriodSeconds = new(int64(7))
	cl.Create(ctx, api.Pods, p)
	obj, _ := cl.Delete(ctx, api.Pods, "default", "own", client.DeleteOptions{})
	if *obj.GetDeletionGracePeriodSeconds() != 7 {
		t.Fatalf("grace %d, want the pod's terminationGracePeriodSeconds 7", *obj.GetDeletionGracePeriodSeconds())
	}
	first := obj.GetDeletionTimestamp()
	longer := int64(60)
	again, _ := cl.Delete(ctx, api.Pods, "default", "own", client.DeleteOptions{GracePeriodSeconds: &longer})
	if *again.GetDeletionGracePeriodSeconds() != 7 || !again.GetDeletionTimestamp().Equal(first) || again.GetResourceVersion() != obj.GetResourceVersion() {
		t.Fatalf("a longer grace period changed the deletion: %v %d", again.GetDeletionTimestamp(), *again.GetDeletionGracePeriodSeconds())
	}
	// A finished pod goes at once even when bound.
	done := newPod("done", "app")
	done.Spec.NodeName = "node-1"
	created, _, _ := cl.Create(ctx, api.Pods, done)
	finished := created.(*corev1.Pod)
	finished.Status.Phase = corev1.PodSucceeded
	if _, err := cl.UpdateStatus(ctx, api.Pods, finished); err != nil {
		t.Fatal(err)
	}
	cl.Delete(ctx, api.Pods, "default", "done", client.DeleteOptions{})
	if _, err := st.Get(api.Pods, "default", "done"); !apierrors.IsNotFound(err) {
		t.Fatalf("succeeded pod still there: %v", err)
	}
	// Other kinds are removed at once.
	cl.Create(ctx, api.ConfigMaps, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c"}})
	if _, err := cl.Delete(ctx, api.ConfigMaps, "default", "c", client.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(api.ConfigMaps, "default", "c"); !apierrors.IsNotFound(err) {
		t.Fatalf("configmap still there: %v", err)
	}
}

// followPodIO streams a followed log in two parts, the second only once the
// client has read the first: it passes only if the server flushes as it goes.
type followPodIO struct {
	fakePodIO
	gotFirst chan struct{}
}

func (f followPodIO) Logs(ctx context.Context, pod *corev1.Pod, opts client.LogOptions) (io.ReadCloser, error) {
	r, w := io.Pipe()
	go func() {
		io.WriteString(w, "first\n")
		select {
		case <-f.gotFirst:
			io.WriteString(w, "second\n")
		case <-ctx.Done():
		}
		w.Close()
	}()
	return r, nil
}

func TestFollowedLogsAreFlushed(t *testing.T) {
	io := followPodIO{gotFirst: make(chan struct{})}
	srv := apitest.Start(t, io, nil)
	ctx := context.Background()
	srv.Client.Create(ctx, api.Pods, newPod("f", "app"))
	rc, err := srv.Client.Logs(ctx, "default", "f", client.LogOptions{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	br := bufio.NewReader(rc)
	line, err := br.ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	close(io.gotFirst)
	if line, _ := br.ReadString('\n'); line != "second\n" {
		t.Fatalf("second line %q", line)
	}
}

func TestExecWithTTYAndErrors(t *testing.T) {
	cl, _, _ := startServer(t)
	ctx := context.Background()
	cl.Create(ctx, api.Pods, newPod("one", "app"))
	resize := make(chan client.TermSize, 1)
	resize <- client.TermSize{Width: 120, Height: 40}
	var out bytes.Buffer
	stdin := strings.NewReader("typed\n")
	code, err := cl.Exec(ctx, "default", "one", client.ExecOptions{Command: []string{"sh"}, TTY: true, Stdin: stdin, Stdout: &out, Resize: resize})
	if err != nil || code != 3 {
		t.Fatalf("tty exec = %d, %v", code, err)
	}
	if out.String() != "exec sh in app\ntty 120x40\ntyped\n" {
		t.Fatalf("tty exec stdout %q", out.String())
	}
	// Without stdin the command sees none.
	out.Reset()
	if code, err := cl.Exec(ctx, "default", "one", client.ExecOptions{Command: []string{"true"}, Stdout: &out}); err != nil || code != 3 || out.String() != "exec true in app\n" {
		t.Fatalf("exec without stdin = %d, %v, %q", code, err, out.String())
	}
	var execErr *client.ExecError
	if _, err := cl.Exec(ctx, "default", "one", client.ExecOptions{Command: []string{"fail"}}); err == nil || !asExecError(err, &execErr) || !strings.Contains(err.Error(), "not found in $PATH") {
		t.Fatalf("failing exec: %v", err)
	}
	if _, err := cl.Exec(ctx, "default", "one", client.ExecOptions{}); !apierrors.IsBadRequest(err) {
		t.Fatalf("exec without a command: %v", err)
	}
	if _, err := cl.Exec(ctx, "default", "nope", client.ExecOptions{Command: []string{"sh"}}); !apierrors.IsNotFound(err) {
		t.Fatalf("exec in a missing pod: %v", err)
	}
}

func asExecError(err error, target **client.ExecError) bool {
	e, ok := err.(*client.ExecError)
	*target = e
	return ok
}

func TestListenUnixReplacesStaleSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "api.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // a crashed server leaves its socket file behind
	if !client.IsUnavailable(func() error { _, err := client.New(sock).Status(context.Background()); return err }()) {
		t.Fatal("a stale socket is not reported as an unavailable control plane")
	}
	ln2, err := apiserver.ListenUnix(sock)
	if err != nil {
		t.Fatalf("listening over a stale socket: %v", err)
	}
	defer ln2.Close()
	if _, err := apiserver.ListenUnix(sock); err == nil || !strings.Contains(err.Error(), "another server answers there") {
		t.Fatalf("listening over a live socket: %v", err)
	}
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode: %v %v", fi.Mode(), err)
	}
	// A regular file at the path is not ours to remove.
	file := filepath.Join(t.TempDir(), "not-a-socket")
	os.WriteFile(file, []byte("keep"), 0o600)
	if _, err := apiserver.ListenUnix(file); err == nil {
		t.Fatal("ListenUnix replaced a regular file")
	}
	if b, _ := os.ReadFile(file); string(b) != "keep" {
		t.Fatal("regular file was changed")
	}
}

func TestCreatePreparesLikeUpstream(t *testing.T) {
	cl, _, _ := startServer(t)
	ctx := context.Background()
	p := newPod("", "app")
	p.GenerateName = "web-"
	p.Status.Phase = corev1.PodRunning // a client cannot choose the status
	obj, _, err := cl.Create(ctx, api.Pods, p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(obj.GetName(), "web-") || len(obj.GetName()) != len("web-")+5 {
		t.Fatalf("generated name %q", obj.GetName())
	}
	if phase := obj.(*corev1.Pod).Status.Phase; phase != corev1.PodPending {
		t.Fatalf("created pod phase %s, want Pending", phase)
	}
	ns, _, err := cl.Create(ctx, api.Namespaces, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "fresh"},
		Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}})
	if err != nil || ns.(*corev1.Namespace).Status.Phase != corev1.NamespaceActive || ns.GetNamespace() != "" {
		t.Fatalf("created namespace: %+v, %v", ns, err)
	}
}

// lineSignal closes ready when its first line is written.
type lineSignal struct{ ready chan struct{} }

func (l lineSignal) Write(p []byte) (int, error) {
	select {
	case <-l.ready:
	default:
		close(l.ready)
	}
	return len(p), nil
}

func TestExecEndsWhenTheClientGoes(t *testing.T) {
	cl, _, _ := startServer(t)
	cl.Create(context.Background(), api.Pods, newPod("one", "app"))
	ctx, cancel := context.WithCancel(context.Background())
	started := lineSignal{ready: make(chan struct{})}
	go func() {
		<-started.ready
		cancel()
	}()
	if _, err := cl.Exec(ctx, "default", "one", client.ExecOptions{Command: []string{"block"}, Stdout: started}); err != context.Canceled {
		t.Fatalf("canceled exec returned %v", err)
	}
	select {
	case <-execCanceled:
	case <-time.After(5 * time.Second):
		t.Fatal("the session went on after its client disconnected")
	}
}
