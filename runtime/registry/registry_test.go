package registry_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/podlab/podlab/internal/kubetest"
	"github.com/podlab/podlab/runtime/streaming"
)

// kubeletIO answers the pod subresources as a kubelet would, for the
// containers it says run.
type kubeletIO struct{ running map[string]bool }

func (k kubeletIO) Logs(_ context.Context, pod *corev1.Pod, o *corev1.PodLogOptions) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader(fmt.Sprintf("log of %s/%s tail=%v\n", pod.Name, o.Container, o.TailLines != nil))), nil
}

func (k kubeletIO) CheckRunning(_ context.Context, _ *corev1.Pod, c string) error {
	if !k.running[c] {
		return apierrors.NewBadRequest(fmt.Sprintf("container not found (%q)", c))
	}
	return nil
}

func (k kubeletIO) Exec(_ context.Context, _ *corev1.Pod, _ string, cmd []string, s streaming.Streams) error {
	fmt.Fprintln(s.Stdout, strings.Join(cmd, " "))
	return nil
}

func (k kubeletIO) Attach(context.Context, *corev1.Pod, string, streaming.Streams) error { return nil }

func (k kubeletIO) PortForward(context.Context, *corev1.Pod, int32, io.ReadWriter) error {
	return nil
}

func pod(name string, containers ...string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}}
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: c, Image: "busybox"})
	}
	return p
}

func start(t *testing.T) (*kubetest.Server, kubernetes.Interface, context.Context) {
	s := kubetest.Start(t, kubetest.Options{PodIO: kubeletIO{running: map[string]bool{"app": true}}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return s, s.Client, ctx
}

// A new pod starts Pending with its QoS class and generation 1, whatever
// status the client sent; a spec change bumps the generation.
func TestCreatePreparesPodsLikeUpstream(t *testing.T) {
	_, c, ctx := start(t)
	p := pod("web", "app")
	p.Status.Phase = corev1.PodSucceeded
	created, err := c.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if created.Status.Phase != corev1.PodPending || created.Status.QOSClass != corev1.PodQOSBestEffort || created.Generation != 1 {
		t.Fatalf("status %+v, generation %d", created.Status, created.Generation)
	}
	if created.Spec.RestartPolicy != corev1.RestartPolicyAlways || created.Spec.ServiceAccountName != "" && created.Spec.SchedulerName != "default-scheduler" {
		t.Fatalf("spec not defaulted: %+v", created.Spec)
	}
	created.Spec.Containers[0].Image = "busybox:1.36"
	updated, err := c.CoreV1().Pods("default").Update(ctx, created, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Generation != 2 {
		t.Fatalf("generation after an image change = %d", updated.Generation)
	}
	updated.Spec.RestartPolicy = corev1.RestartPolicyNever
	_, err = c.CoreV1().Pods("default").Update(ctx, updated, metav1.UpdateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "pod updates may not change fields other than") {
		t.Fatalf("changing restartPolicy: %v", err)
	}
}

// The main resource never writes status, the status subresource never spec.
func TestStatusSubresourceSplit(t *testing.T) {
	_, c, ctx := start(t)
	created, err := c.CoreV1().Pods("default").Create(ctx, pod("web", "app"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created.Status.Phase = corev1.PodRunning
	created.Labels = map[string]string{"via": "update"}
	updated, err := c.CoreV1().Pods("default").Update(ctx, created, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Status.Phase != corev1.PodPending || updated.Labels["via"] != "update" {
		t.Fatalf("update wrote phase %s, labels %v", updated.Status.Phase, updated.Labels)
	}
	updated.Status.Phase = corev1.PodRunning
	updated.Spec.Containers[0].Image = "changed"
	st, err := c.CoreV1().Pods("default").UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Status.Phase != corev1.PodRunning || st.Spec.Containers[0].Image != "busybox" {
		t.Fatalf("status update: phase %s, image %s", st.Status.Phase, st.Spec.Containers[0].Image)
	}
	// A status write that changes nothing does not bump the resourceVersion.
	again, err := c.CoreV1().Pods("default").UpdateStatus(ctx, st, metav1.UpdateOptions{})
	if err != nil || again.ResourceVersion != st.ResourceVersion {
		t.Fatalf("no-op status update: rv %s → %s, %v", st.ResourceVersion, again.ResourceVersion, err)
	}
}

// pods/binding sets the node once, with PodScheduled, as upstream.
func TestBinding(t *testing.T) {
	_, c, ctx := start(t)
	created, err := c.CoreV1().Pods("default").Create(ctx, pod("web", "app"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bind := func(node string) error {
		return c.CoreV1().Pods("default").Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "web", UID: created.UID}, Target: corev1.ObjectReference{Kind: "Node", Name: node}}, metav1.CreateOptions{})
	}
	if err := bind("node-1"); err != nil {
		t.Fatal(err)
	}
	got, _ := c.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
	if got.Spec.NodeName != "node-1" || len(got.Status.Conditions) != 1 || got.Status.Conditions[0].Type != corev1.PodScheduled || got.Status.Conditions[0].Status != corev1.ConditionTrue {
		t.Fatalf("bound pod: node %q, conditions %+v", got.Spec.NodeName, got.Status.Conditions)
	}
	if err := bind("node-2"); !apierrors.IsConflict(err) || !strings.Contains(err.Error(), `pod web is already assigned to node "node-1"`) {
		t.Fatalf("second binding: %v", err)
	}
	// A field selector on spec.nodeName finds it; the node's kubelet watches so.
	list, err := c.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("spec.nodeName", "node-1").String()})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("spec.nodeName selector: %v, %v", list, err)
	}
	if _, err := c.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "spec.image=busybox"}); !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "field label not supported: spec.image") {
		t.Fatalf("unsupported field selector: %v", err)
	}
}

// Graceful deletion as upstream's pod strategy: a pod no node runs goes at
// once; a bound one is marked with its grace period, which a later delete
// may shorten but never lengthen.
func TestGracefulPodDeletion(t *testing.T) {
	s, c, ctx := start(t)
	if _, err := c.CoreV1().Pods("default").Create(ctx, pod("unbound", "app"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.CoreV1().Pods("default").Delete(ctx, "unbound", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CoreV1().Pods("default").Get(ctx, "unbound", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("an unbound pod was not removed at once: %v", err)
	}
	running := s.Running(t, pod("web", "app"))
	if err := c.CoreV1().Pods("default").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	marked, err := c.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
	if err != nil || marked.DeletionTimestamp == nil || *marked.DeletionGracePeriodSeconds != 30 {
		t.Fatalf("after delete: %+v, %v", marked.ObjectMeta, err)
	}
	long := int64(60)
	c.CoreV1().Pods("default").Delete(ctx, "web", metav1.DeleteOptions{GracePeriodSeconds: &long})
	if again, _ := c.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{}); *again.DeletionGracePeriodSeconds != 30 {
		t.Fatalf("a longer grace period replaced a shorter one: %d", *again.DeletionGracePeriodSeconds)
	}
	zero := int64(0)
	if err := c.CoreV1().Pods("default").Delete(ctx, "web", metav1.DeleteOptions{GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &running.UID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("grace 0 (the kubelet's final delete) left the pod: %v", err)
	}
}

// Namespaces terminate as upstream's namespace storage: the first delete
// marks the namespace, a second is refused while content remains, and once
// the finalizer is removed it goes. The system namespaces never go, and
// nothing is created in a terminating namespace.
func TestNamespaceLifecycle(t *testing.T) {
	_, c, ctx := start(t)
	ns, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ns.Spec.Finalizers) != 1 || ns.Spec.Finalizers[0] != corev1.FinalizerKubernetes || ns.Labels[corev1.LabelMetadataName] != "team" {
		t.Fatalf("new namespace: finalizers %v labels %v", ns.Spec.Finalizers, ns.Labels)
	}
	if err := c.CoreV1().Namespaces().Delete(ctx, "team", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	ns, _ = c.CoreV1().Namespaces().Get(ctx, "team", metav1.GetOptions{})
	if ns.Status.Phase != corev1.NamespaceTerminating || ns.DeletionTimestamp == nil {
		t.Fatalf("after delete: %+v", ns)
	}
	if err := c.CoreV1().Namespaces().Delete(ctx, "team", metav1.DeleteOptions{}); !apierrors.IsConflict(err) || !strings.Contains(err.Error(), "The system is ensuring all content is removed from this namespace") {
		t.Fatalf("second delete: %v", err)
	}
	_, err = c.CoreV1().ConfigMaps("team").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "late"}}, metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "because it is being terminated") {
		t.Fatalf("create in a terminating namespace: %v", err)
	}
	// Other updates leave a terminating namespace in place…
	ns.Labels["seen"] = "yes"
	if ns, err = c.CoreV1().Namespaces().Update(ctx, ns, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	// …the one removing its last finalizer removes it.
	ns.Spec.Finalizers = nil
	if _, err := c.CoreV1().Namespaces().Finalize(ctx, ns, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CoreV1().Namespaces().Get(ctx, "team", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("finalized namespace still there: %v", err)
	}
	if err := c.CoreV1().Namespaces().Delete(ctx, "default", metav1.DeleteOptions{}); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "this namespace may not be deleted") {
		t.Fatalf("deleting default: %v", err)
	}
	if _, err := c.CoreV1().ConfigMaps("nowhere").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}}, metav1.CreateOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("create in a missing namespace: %v", err)
	}
}

// Logs, exec and attach reach a container of a bound pod, with the API
// server's messages when they cannot.
func TestPodStreamsTargets(t *testing.T) {
	s, c, ctx := start(t)
	if _, err := c.CoreV1().Pods("default").Create(ctx, pod("pending", "app"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	body, err := streamLogs(ctx, c, "pending", &corev1.PodLogOptions{})
	if err != nil || len(body) != 0 {
		t.Fatalf("logs of a pod no node runs: %q, %v", body, err)
	}
	s.Running(t, pod("multi", "app", "side"))
	_, err = streamLogs(ctx, c, "multi", &corev1.PodLogOptions{})
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "a container name must be specified for pod multi, choose one of: [app side]") {
		t.Fatalf("logs without a container: %v", err)
	}
	_, err = streamLogs(ctx, c, "multi", &corev1.PodLogOptions{Container: "nope"})
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "container nope is not valid for pod multi") {
		t.Fatalf("logs of an unknown container: %v", err)
	}
	tail := int64(-1)
	_, err = streamLogs(ctx, c, "multi", &corev1.PodLogOptions{Container: "app", TailLines: &tail})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "tailLines: Invalid value: -1: must be greater than or equal to 0") {
		t.Fatalf("negative tail: %v", err)
	}
	ten := int64(10)
	body, err = streamLogs(ctx, c, "multi", &corev1.PodLogOptions{Container: "app", TailLines: &ten})
	if err != nil || body != "log of multi/app tail=true\n" {
		t.Fatalf("logs: %q, %v", body, err)
	}
	exec := c.CoreV1().RESTClient().Post().Namespace("default").Resource("pods").Name("pending").SubResource("exec").
		Param("command", "ls").Param("stdout", "true")
	if err := exec.Do(ctx).Error(); !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "pod pending does not have a host assigned") {
		t.Fatalf("exec into an unbound pod: %v", err)
	}
	exec = c.CoreV1().RESTClient().Post().Namespace("default").Resource("pods").Name("multi").SubResource("exec").
		Param("container", "side").Param("command", "ls").Param("stdout", "true")
	if err := exec.Do(ctx).Error(); !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), `container not found ("side")`) {
		t.Fatalf("exec into a stopped container: %v", err)
	}
}

// streamLogs reads a pod's log as kubectl does (a stream, whose errors are
// the server's Status).
func streamLogs(ctx context.Context, c kubernetes.Interface, name string, o *corev1.PodLogOptions) (string, error) {
	rc, err := c.CoreV1().Pods("default").GetLogs(name, o).Stream(ctx)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return string(b), err
}

// Events are found by the fields describe and kubectl events select on.
func TestEventsAreStoredAndListedByObject(t *testing.T) {
	_, c, ctx := start(t)
	ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "web.1", Namespace: "default"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web", Namespace: "default", UID: types.UID("u")},
		Reason:         "Started", Message: "Started container app", Type: corev1.EventTypeNormal}
	if _, err := c.CoreV1().Events("default").Create(ctx, ev, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	list, err := c.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=web,reason=Started"})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("events by object: %v %v", list, err)
	}
}
