package clitest

import (
	"context"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/podlab/podlab/internal/kubetest"
	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

// WebPod is a one-container Pod manifest, "web", labelled app=web and tier=front.
const WebPod = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
    tier: front
spec:
  containers:
  - name: app
    image: busybox:1.35
`

// RunningPod applies WebPod renamed to name, binds it to the test node and
// reports it Running, as the scheduler and the kubelet would.
func (h *Harness) RunningPod(name string) {
	h.T.Helper()
	if _, errOut, code := h.Run("", "apply", "-f", h.File(name+".yaml", strings.Replace(WebPod, "name: web", "name: "+name, 1))); code != 0 {
		h.T.Fatal(errOut)
	}
	h.Bind("default", name)
	if _, err := h.St.GuaranteedUpdate(api.Pods, "default", name, func(o api.Object) (api.Object, error) {
		o.(*corev1.Pod).Status.Phase = corev1.PodRunning
		return o, nil
	}); err != nil {
		h.T.Fatal(err)
	}
}

// Bind places a pod on the test node through pods/binding, as the scheduler does.
func (h *Harness) Bind(ns, name string) {
	h.T.Helper()
	pod, err := h.Kube.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		h.T.Fatal(err)
	}
	b := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: name, UID: pod.UID}, Target: corev1.ObjectReference{Kind: "Node", Name: kubetest.Node}}
	if err := h.Kube.CoreV1().Pods(ns).Bind(context.Background(), b, metav1.CreateOptions{}); err != nil {
		h.T.Fatal(err)
	}
}

// APIShim lets tests read and change objects the way the old store did, but
// through the API: pods' status through pods/status, as the kubelet writes it.
type APIShim struct {
	cl   *client.Client
	kube kubernetes.Interface
}

func (s APIShim) Get(res api.Resource, ns, name string) (api.Object, error) {
	return s.cl.Get(context.Background(), res, ns, name)
}

func (s APIShim) List(res api.Resource, ns string, opts metav1.ListOptions) ([]api.Object, string, error) {
	return s.cl.List(context.Background(), res, ns, opts)
}

// GuaranteedUpdate applies mutate to the current object and writes it back:
// a pod's status through pods/status, anything else as an update.
func (s APIShim) GuaranteedUpdate(res api.Resource, ns, name string, mutate func(api.Object) (api.Object, error)) (api.Object, error) {
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
