package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/exec"

	"github.com/podlab/podlab/internal/kubetest"
	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/streaming"
)

// echoIO stands in for the kubelet: logs say whose they are, exec echoes,
// port-forward answers with what it got.
type echoIO struct{}

func (echoIO) Logs(_ context.Context, pod *corev1.Pod, o *corev1.PodLogOptions) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader("logs of " + pod.Name + "/" + o.Container + "\n")), nil
}

// CheckRunning: the container of pod "quick" ended between the status poll
// and the attach; the kubelet answers so before any stream opens.
func (echoIO) CheckRunning(_ context.Context, pod *corev1.Pod, container string) error {
	if pod.Name == "quick" {
		return apierrors.NewBadRequest(fmt.Sprintf("container not found (%q)", container))
	}
	return nil
}

func (echoIO) Exec(_ context.Context, pod *corev1.Pod, container string, cmd []string, s streaming.Streams) error {
	fmt.Fprintf(s.Stdout, "%s|%s|%s\n", pod.Name, container, strings.Join(cmd, " "))
	if len(cmd) > 1 && cmd[0] == "exit" {
		var code int
		fmt.Sscan(cmd[1], &code)
		return exec.CodeExitError{Err: fmt.Errorf("exit %d", code), Code: code}
	}
	return nil
}

func (echoIO) Attach(_ context.Context, pod *corev1.Pod, container string, s streaming.Streams) error {
	fmt.Fprintf(s.Stdout, "attached to %s/%s\n", pod.Name, container)
	return nil
}

func (echoIO) PortForward(_ context.Context, pod *corev1.Pod, port int32, conn io.ReadWriter) error {
	if port == 9 {
		return fmt.Errorf("error forwarding port 9 to pod %s, uid : exit status 1: nc: can't connect to remote host (127.0.0.1): Connection refused", pod.Name)
	}
	got, _ := io.ReadAll(conn)
	fmt.Fprintf(conn, "%s:%d got %s", pod.Name, port, got)
	return nil
}

// harness runs the CLI against the lab's real API server and storage (no
// engine, no scheduler, no kubelet: tests stand in for them).
type harness struct {
	t    *testing.T
	cl   *client.Client
	kube kubernetes.Interface
	st   apiShim
	dir  string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	srv := kubetest.Start(t, kubetest.Options{PodIO: echoIO{}})
	for _, ns := range []string{"team"} {
		if _, err := srv.Client.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	cl := client.New(srv.Socket)
	return &harness{t: t, cl: cl, kube: srv.Client, st: apiShim{cl: cl, kube: srv.Client}, dir: srv.Dir}
}

// runningPod applies webPod renamed to name, binds it to the test node and
// reports it Running, as the scheduler and the kubelet would.
func (h *harness) runningPod(name string) {
	h.t.Helper()
	if _, errOut, code := h.run("", "apply", "-f", h.file(name+".yaml", strings.Replace(webPod, "name: web", "name: "+name, 1))); code != 0 {
		h.t.Fatal(errOut)
	}
	h.bind("default", name)
	if _, err := h.st.GuaranteedUpdate(api.Pods, "default", name, func(o api.Object) (api.Object, error) {
		o.(*corev1.Pod).Status.Phase = corev1.PodRunning
		return o, nil
	}); err != nil {
		h.t.Fatal(err)
	}
}

// bind places a pod on the test node through pods/binding, as the scheduler does.
func (h *harness) bind(ns, name string) {
	h.t.Helper()
	pod, err := h.kube.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	b := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: name, UID: pod.UID}, Target: corev1.ObjectReference{Kind: "Node", Name: kubetest.Node}}
	if err := h.kube.CoreV1().Pods(ns).Bind(context.Background(), b, metav1.CreateOptions{}); err != nil {
		h.t.Fatal(err)
	}
}

// apiShim lets tests read and change objects the way the old store did, but
// through the API: pods' status through pods/status, as the kubelet writes it.
type apiShim struct {
	cl   *client.Client
	kube kubernetes.Interface
}

func (s apiShim) Get(res api.Resource, ns, name string) (api.Object, error) {
	return s.cl.Get(context.Background(), res, ns, name)
}

func (s apiShim) List(res api.Resource, ns string, opts metav1.ListOptions) ([]api.Object, string, error) {
	return s.cl.List(context.Background(), res, ns, opts)
}

// GuaranteedUpdate applies mutate to the current object and writes it back:
// a pod's status through pods/status, anything else as an update.
func (s apiShim) GuaranteedUpdate(res api.Resource, ns, name string, mutate func(api.Object) (api.Object, error)) (api.Object, error) {
	ctx := context.Background()
	cur, err := s.cl.Get(ctx, res, ns, name)
	if err != nil {
		return nil, err
	}
	next, err := mutate(cur)
	if err != nil {
		return nil, err
	}
	if pod, ok := next.(*corev1.Pod); ok {
		return s.kube.CoreV1().Pods(ns).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	}
	out, _, err := s.cl.Update(ctx, res, next, metav1.UpdateOptions{})
	return out, err
}
