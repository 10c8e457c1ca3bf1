package registry_test

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
)

func evict(ctx context.Context, c kubernetes.Interface, name string, opts *metav1.DeleteOptions) error {
	return c.PolicyV1().Evictions("default").Evict(ctx, &policyv1.Eviction{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}, DeleteOptions: opts,
	})
}

// evictOnce evicts without client-go's retries of a 429 that carries a
// Retry-After, to see the server's first answer.
func evictOnce(ctx context.Context, c kubernetes.Interface, name string) error {
	e := &policyv1.Eviction{TypeMeta: metav1.TypeMeta{APIVersion: "policy/v1", Kind: "Eviction"}, ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}}
	return c.CoreV1().RESTClient().Post().Namespace("default").Resource("pods").Name(name).SubResource("eviction").
		Body(e).MaxRetries(0).Do(ctx).Error()
}

func grace(n int64) *metav1.DeleteOptions { return &metav1.DeleteOptions{GracePeriodSeconds: &n} }

func condition(p *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == t {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// Discovery lists pods/eviction as policy/v1 Eviction, which is how kubectl
// drain decides to evict rather than delete.
func TestEvictionIsDiscoverable(t *testing.T) {
	_, c, _ := start(t)
	list, err := c.Discovery().ServerResourcesForGroupVersion("v1")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list.APIResources {
		if r.Name == "pods/eviction" {
			if r.Group != "policy" || r.Version != "v1" || r.Kind != "Eviction" || strings.Join(r.Verbs, ",") != "create" {
				t.Fatalf("pods/eviction: %+v", r)
			}
			return
		}
	}
	t.Fatal("pods/eviction not in discovery")
}

// An eviction deletes the pod with the Eviction's DeleteOptions: its grace
// period, else the pod's own; the pod is first marked a disruption target.
func TestEvictionDeletesWithItsGracePeriod(t *testing.T) {
	s, c, ctx := start(t)
	s.Running(t, pod("short", "app"))
	s.Running(t, pod("own", "app"))
	if err := evict(ctx, c, "short", grace(5)); err != nil {
		t.Fatal(err)
	}
	if err := evict(ctx, c, "own", nil); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int64{"short": 5, "own": 30} {
		p, err := c.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p.DeletionTimestamp == nil || p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != want {
			t.Errorf("%s: deletion %v grace %v, want a graceful deletion of %d s", name, p.DeletionTimestamp, p.DeletionGracePeriodSeconds, want)
		}
		cond := condition(p, corev1.DisruptionTarget)
		if cond == nil || cond.Status != corev1.ConditionTrue || cond.Reason != "EvictionByEvictionAPI" || cond.Message != "Eviction API: evicting" {
			t.Errorf("%s: DisruptionTarget %+v", name, cond)
		}
	}
}

// A pod that never ran is deleted at once; a dry run deletes nothing; a
// missing pod is NotFound.
func TestEvictionOfPendingMissingAndDryRun(t *testing.T) {
	s, c, ctx := start(t)
	if _, err := c.CoreV1().Pods("default").Create(ctx, pod("pending", "app"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := evict(ctx, c, "pending", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CoreV1().Pods("default").Get(ctx, "pending", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("pending pod after eviction: %v", err)
	}
	s.Running(t, pod("web", "app"))
	if err := evict(ctx, c, "web", &metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatal(err)
	}
	p, err := c.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
	if err != nil || p.DeletionTimestamp != nil || condition(p, corev1.DisruptionTarget) != nil {
		t.Fatalf("after a dry-run eviction: %v %+v", err, p)
	}
	if err := evict(ctx, c, "ghost", nil); !apierrors.IsNotFound(err) || err.Error() != `pods "ghost" not found` {
		t.Fatalf("evicting a missing pod: %v", err)
	}
}

// budget creates a PodDisruptionBudget selecting app=web and sets its
// status as the disruption controller would.
func budget(t *testing.T, c kubernetes.Interface, name string, allowed, healthy, desired int32, mutate ...func(*policyv1.PodDisruptionBudget)) *policyv1.PodDisruptionBudget {
	t.Helper()
	ctx := context.Background()
	one := intstr.FromInt32(1)
	pdb := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &one, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
	}
	for _, m := range mutate {
		m(pdb)
	}
	created, err := c.PolicyV1().PodDisruptionBudgets("default").Create(ctx, pdb, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if created.Generation != 1 || created.Status.ObservedGeneration != 0 {
		t.Fatalf("new budget: generation %d, status %+v", created.Generation, created.Status)
	}
	created.Status = policyv1.PodDisruptionBudgetStatus{ObservedGeneration: 1, DisruptionsAllowed: allowed, CurrentHealthy: healthy, DesiredHealthy: desired, ExpectedPods: healthy}
	updated, err := c.PolicyV1().PodDisruptionBudgets("default").UpdateStatus(ctx, created, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return updated
}

func labelled(name string) *corev1.Pod {
	p := pod(name, "app")
	p.Labels = map[string]string{"app": "web"}
	return p
}

// A budget with no disruption to spare refuses with upstream's 429; one
// with a disruption spends it and records the pod as disrupted.
func TestEvictionRespectsTheDisruptionBudget(t *testing.T) {
	s, c, ctx := start(t)
	s.Running(t, labelled("web"))
	pdb := budget(t, c, "web-pdb", 0, 1, 1)
	err := evict(ctx, c, "web", nil)
	if !apierrors.IsTooManyRequests(err) || err.Error() != "Cannot evict pod as it would violate the pod's disruption budget." {
		t.Fatalf("evicting past the budget: %v", err)
	}
	st := err.(apierrors.APIStatus).Status()
	if st.Details == nil || len(st.Details.Causes) != 1 || st.Details.Causes[0].Type != policyv1.DisruptionBudgetCause ||
		st.Details.Causes[0].Message != "The disruption budget web-pdb needs 1 healthy pods and has 1 currently" {
		t.Fatalf("refusal details %+v", st.Details)
	}
	if p, _ := c.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{}); p.DeletionTimestamp != nil {
		t.Fatal("the refused eviction deleted the pod")
	}

	pdb.Status.DisruptionsAllowed, pdb.Status.CurrentHealthy, pdb.Status.ExpectedPods = 1, 2, 2
	if _, err := c.PolicyV1().PodDisruptionBudgets("default").UpdateStatus(ctx, pdb, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := evict(ctx, c, "web", grace(3)); err != nil {
		t.Fatal(err)
	}
	after, err := c.PolicyV1().PodDisruptionBudgets("default").Get(ctx, "web-pdb", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if after.Status.DisruptionsAllowed != 0 || after.Status.DisruptedPods["web"].Time.IsZero() {
		t.Fatalf("budget after the eviction: %+v", after.Status)
	}
	if p, _ := c.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{}); p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != 3 {
		t.Fatalf("evicted pod: %+v", p.ObjectMeta)
	}
}

// A budget the disruption controller has not observed yet, or two budgets
// for one pod, refuse as upstream does.
func TestEvictionRefusals(t *testing.T) {
	s, c, ctx := start(t)
	s.Running(t, labelled("web"))
	one := intstr.FromInt32(1)
	if _, err := c.PolicyV1().PodDisruptionBudgets("default").Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "fresh", Namespace: "default"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &one, Selector: &metav1.LabelSelector{}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := evictOnce(ctx, c, "web")
	if !apierrors.IsTooManyRequests(err) || !strings.Contains(err.(apierrors.APIStatus).Status().Details.Causes[0].Message, "The disruption budget fresh is still being processed by the server.") {
		t.Fatalf("evicting under an unobserved budget: %v", err)
	}
	budget(t, c, "second", 1, 1, 0)
	err = evict(ctx, c, "web", nil)
	if st, ok := err.(apierrors.APIStatus); !ok || st.Status().Code != 500 || err.Error() != "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support." {
		t.Fatalf("evicting under two budgets: %v", err)
	}
}

// An unready pod does not count towards its budget: it may go while the
// budget is met, or always under AlwaysAllow.
func TestUnreadyPodsMayGo(t *testing.T) {
	s, c, ctx := start(t)
	for _, name := range []string{"web", "other"} {
		p := s.Running(t, labelled(name))
		for i := range p.Status.Conditions {
			if p.Status.Conditions[i].Type == corev1.PodReady {
				p.Status.Conditions[i].Status = corev1.ConditionFalse
			}
		}
		if _, err := c.CoreV1().Pods("default").UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	always := policyv1.AlwaysAllow
	budget(t, c, "strict", 0, 0, 1, func(p *policyv1.PodDisruptionBudget) { p.Spec.UnhealthyPodEvictionPolicy = &always })
	if err := evict(ctx, c, "web", nil); err != nil {
		t.Fatalf("an unready pod under AlwaysAllow: %v", err)
	}
}

// A budget's spec follows upstream's validation.
func TestBudgetValidation(t *testing.T) {
	_, c, ctx := start(t)
	one, many := intstr.FromInt32(1), intstr.FromString("150%")
	for _, tc := range []struct {
		spec policyv1.PodDisruptionBudgetSpec
		want string
	}{
		{policyv1.PodDisruptionBudgetSpec{MinAvailable: &one, MaxUnavailable: &one}, "minAvailable and maxUnavailable cannot be both set"},
		{policyv1.PodDisruptionBudgetSpec{MinAvailable: &many}, "spec.minAvailable: Invalid value: \"150%\": must not be greater than 100%"},
	} {
		_, err := c.PolicyV1().PodDisruptionBudgets("default").Create(ctx, &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "bad"}, Spec: tc.spec}, metav1.CreateOptions{})
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.spec, err, tc.want)
		}
	}
}
