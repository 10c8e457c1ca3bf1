package kubectl

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podlab/podlab/internal/kubetest"
	"github.com/podlab/podlab/runtime/api"
)

// drainHarness is a lab with the test node and a stand-in kubelet that
// finishes each pod deletion, noting the grace period it was given.
type drainHarness struct {
	*harness
	mu     sync.Mutex
	graces map[string]int64
}

func newDrainHarness(t *testing.T) *drainHarness {
	t.Helper()
	oldDelay, oldPoll := evictRetryDelay, deletePollInterval
	evictRetryDelay, deletePollInterval = 100*time.Millisecond, 20*time.Millisecond
	t.Cleanup(func() { evictRetryDelay, deletePollInterval = oldDelay, oldPoll })
	h := &drainHarness{harness: newHarness(t), graces: map[string]int64{}}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if _, err := h.Kube.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: kubetest.Node}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	go h.kubelet(ctx)
	return h
}

// kubelet removes pods being deleted, as a node's kubelet does once their
// containers stopped.
func (h *drainHarness) kubelet(ctx context.Context) {
	for ctx.Err() == nil {
		list, err := h.Kube.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
		if err == nil {
			for _, p := range list.Items {
				if p.DeletionTimestamp == nil {
					continue
				}
				h.mu.Lock()
				h.graces[p.Name] = *p.DeletionGracePeriodSeconds
				h.mu.Unlock()
				zero := int64(0)
				h.Kube.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &p.UID}})
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (h *drainHarness) grace(pod string) (int64, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	g, ok := h.graces[pod]
	return g, ok
}

// managedPod is a running pod a ReplicaSet declares.
func (h *drainHarness) managedPod(name string) {
	h.T.Helper()
	h.RunningPod(name)
	patch := `{"metadata":{"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-1","uid":"rs-uid","controller":true}]}}`
	if _, err := h.Kube.CoreV1().Pods("default").Patch(context.Background(), name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		h.T.Fatal(err)
	}
}

func (h *drainHarness) exists(pod string) bool {
	_, err := h.Kube.CoreV1().Pods("default").Get(context.Background(), pod, metav1.GetOptions{})
	return err == nil
}

func (h *drainHarness) cordoned() bool {
	n, err := h.Kube.CoreV1().Nodes().Get(context.Background(), kubetest.Node, metav1.GetOptions{})
	if err != nil {
		h.T.Fatal(err)
	}
	return n.Spec.Unschedulable
}

// A bare pod stops the drain, as kubectl's: the node stays cordoned, the
// pod runs on, and the messages are kubectl 1.37's.
func TestDrainRefusesBarePods(t *testing.T) {
	h := newDrainHarness(t)
	h.RunningPod("web")
	out, errOut, code := h.Run("", "drain", "node-1")
	const cannot = "cannot delete Pods that declare no controller (use --force to override): default/web"
	wantErr := `error: unable to drain node "node-1" due to error: ` + cannot + ", continuing command...\n" +
		"There are pending nodes to be drained:\n node-1\n" +
		cannot + "\n" // bare: kubectl prints an aggregate's errors so
	if code != 1 || out != "node/node-1 cordoned\n" || errOut != wantErr {
		t.Fatalf("drain: exit %d\nstdout %q\nstderr %q\nwant stderr %q", code, out, errOut, wantErr)
	}
	if !h.cordoned() || !h.exists("web") {
		t.Fatal("the refused drain should cordon the node and leave the pod")
	}
}

// --force evicts a bare pod with the --grace-period given, and drain waits
// until it is gone.
func TestDrainForceEvictsWithTheGracePeriod(t *testing.T) {
	h := newDrainHarness(t)
	h.RunningPod("web")
	h.Run("", "cordon", "node-1")
	out, errOut, code := h.Run("", "drain", "node-1", "--force", "--grace-period=7")
	want := "node/node-1 already cordoned\nevicting pod default/web\npod/web evicted\nnode/node-1 drained\n"
	if code != 0 || out != want || errOut != "Warning: deleting Pods that declare no controller: default/web\n" {
		t.Fatalf("drain --force: exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
	if g, ok := h.grace("web"); !ok || g != 7 {
		t.Fatalf("web deleted with grace %d (%v), want 7", g, ok)
	}
	if h.exists("web") {
		t.Fatal("web still exists after the drain")
	}
}

// Without --grace-period each pod gets its own; --pod-selector limits the
// drain to the pods it matches; managed pods need no --force.
func TestDrainPodSelectorAndOwnGracePeriod(t *testing.T) {
	h := newDrainHarness(t)
	h.managedPod("web")
	h.RunningPod("other")
	if _, err := h.Kube.CoreV1().Pods("default").Patch(context.Background(), "other", types.MergePatchType, []byte(`{"metadata":{"labels":{"app":"other"}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := h.Run("", "drain", "node-1", "--pod-selector=app=web")
	if code != 0 || out != "node/node-1 cordoned\nevicting pod default/web\npod/web evicted\nnode/node-1 drained\n" || errOut != "" {
		t.Fatalf("drain --pod-selector: exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
	if g, _ := h.grace("web"); g != 30 {
		t.Fatalf("web deleted with grace %d, want its own 30", g)
	}
	if !h.exists("other") {
		t.Fatal("the pod the selector leaves out was evicted")
	}
}

// emptyDir data needs --delete-emptydir-data; several refusals are listed
// one a line, as kubectl's aggregate.
func TestDrainRefusesLocalStorage(t *testing.T) {
	h := newDrainHarness(t)
	manifest := strings.Replace(webWithEmptyDir, "  labels:", "  ownerReferences:\n  - {apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: rs-uid, controller: true}\n  labels:", 1)
	if _, errOut, code := h.Run("", "apply", "-f", h.File("cache.yaml", manifest)); code != 0 {
		t.Fatal(errOut)
	}
	h.Bind("default", "cache")
	if _, err := h.St.GuaranteedUpdate(api.Pods, "default", "cache", func(o api.Object) (api.Object, error) {
		o.(*corev1.Pod).Status.Phase = corev1.PodRunning
		return o, nil
	}); err != nil {
		t.Fatal(err)
	}
	h.RunningPod("bare")

	_, errOut, code := h.Run("", "drain", "node-1")
	local := "cannot delete Pods with local storage (use --delete-emptydir-data to override): default/cache"
	bare := "cannot delete Pods that declare no controller (use --force to override): default/bare"
	if code != 1 || !strings.HasSuffix(errOut, "There are pending nodes to be drained:\n node-1\n"+bare+"\n"+local+"\n") ||
		!strings.Contains(errOut, `due to error: [`+bare+", "+local+"], continuing command...") {
		t.Fatalf("drain: exit %d, stderr %q", code, errOut)
	}
	out, errOut, code := h.Run("", "drain", "node-1", "--delete-emptydir-data", "--force")
	if code != 0 || !strings.HasSuffix(out, "node/node-1 drained\n") || errOut != "Warning: deleting Pods that declare no controller: default/bare\n" {
		t.Fatalf("drain --delete-emptydir-data --force: exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
}

const webWithEmptyDir = `apiVersion: v1
kind: Pod
metadata:
  name: cache
  labels:
    app: cache
spec:
  containers:
  - name: app
    image: busybox:1.35
    volumeMounts:
    - {name: scratch, mountPath: /scratch}
  volumes:
  - name: scratch
    emptyDir: {}
`

// A disruption budget with nothing to spare refuses the eviction with 429;
// drain retries until its --timeout, then says so.
func TestDrainRetriesABudgetUntilTheTimeout(t *testing.T) {
	h := newDrainHarness(t)
	h.managedPod("web")
	// Ready, so the budget protects it (an unready pod may go while the
	// budget is met).
	if _, err := h.St.GuaranteedUpdate(api.Pods, "default", "web", func(o api.Object) (api.Object, error) {
		o.(*corev1.Pod).Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		return o, nil
	}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	one := intstr.FromInt32(1)
	pdb, err := h.Kube.PolicyV1().PodDisruptionBudgets("default").Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &one, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pdb.Status = policyv1.PodDisruptionBudgetStatus{ObservedGeneration: 1, CurrentHealthy: 1, DesiredHealthy: 1, ExpectedPods: 1}
	if _, err := h.Kube.PolicyV1().PodDisruptionBudgets("default").UpdateStatus(ctx, pdb, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := h.Run("", "drain", "node-1", "--timeout=1s")
	refused := `error when evicting pods/"web" -n "default" (will retry after 100ms): Cannot evict pod as it would violate the pod's disruption budget.` + "\n"
	timedOut := `error when evicting pods/"web" -n "default": global timeout reached: 1s`
	if code != 1 || !strings.HasPrefix(out, "node/node-1 cordoned\nevicting pod default/web\nevicting pod default/web\n") ||
		!strings.HasPrefix(errOut, refused) || !strings.Contains(errOut, "There are pending pods in node \"node-1\" when an error occurred: "+timedOut+"\npod/web\n") ||
		!strings.HasSuffix(errOut, "\n"+timedOut+"\n") {
		t.Fatalf("drain under a budget: exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
	if !h.exists("web") {
		t.Fatal("the budget's pod was evicted")
	}
}

// A client dry run changes nothing and says what would be done.
func TestDrainDryRun(t *testing.T) {
	h := newDrainHarness(t)
	h.managedPod("web")
	out, errOut, code := h.Run("", "drain", "node-1", "--dry-run=client")
	if code != 0 || out != "node/node-1 cordoned (dry run)\nevicting pod default/web (dry run)\nnode/node-1 drained (dry run)\n" || errOut != "" {
		t.Fatalf("dry run: exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
	if h.cordoned() || !h.exists("web") {
		t.Fatal("a client dry run changed the lab")
	}
	out, _, code = h.Run("", "drain", "node-1", "--dry-run=server")
	if code != 0 || out != "node/node-1 cordoned (server dry run)\nevicting pod default/web (server dry run)\nnode/node-1 drained (server dry run)\n" {
		t.Fatalf("server dry run: exit %d\nstdout %q", code, out)
	}
	if h.cordoned() || !h.exists("web") {
		t.Fatal("a server dry run changed the lab")
	}
}

// The argument errors are kubectl's.
func TestDrainArgumentErrors(t *testing.T) {
	h := newDrainHarness(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"drain"}, "error: USAGE: drain NODE [flags]\nSee 'podlab drain -h' for help and examples\n"},
		{[]string{"drain", "node-1", "-l", "a=b"}, "error: cannot specify both a node name and a --selector option\nSee 'podlab drain -h' for help and examples\n"},
		{[]string{"drain", "node-1", "--pod-selector=a=(b"}, "error: --pod-selector=<pod_selector> must be a valid label selector\n"},
		{[]string{"drain", "nope"}, "Error from server (NotFound): nodes \"nope\" not found\n"},
	} {
		if _, errOut, code := h.Run("", tc.args...); code != 1 || errOut != tc.want {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
}
