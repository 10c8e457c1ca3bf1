package deployment

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/podlab/podlab/internal/kubetest"
	"github.com/podlab/podlab/runtime/events"
)

// lab runs the API server with the deployment controller. No ReplicaSet
// controller runs: settle plays one, reporting every replica set's
// replicas as ready and available.
type lab struct {
	t   *testing.T
	ctx context.Context
	c   kubernetes.Interface
}

func newLab(t *testing.T) *lab {
	t.Helper()
	srv := kubetest.Start(t, kubetest.Options{})
	c := srv.Client
	factory := informers.NewSharedInformerFactory(c, 0)
	b := events.NewBroadcaster(c)
	ctrl, err := New(c, factory, WithRecorder(b.Recorder(EventSource, "")))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	factory.Start(ctx.Done())
	done := make(chan struct{})
	go func() { defer close(done); ctrl.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; factory.Shutdown(); b.Shutdown() })
	return &lab{t: t, ctx: context.Background(), c: c}
}

func deployment(name string, n int32, image string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &n,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: image}}},
			},
		},
	}
}

func (l *lab) create(d *appsv1.Deployment) *appsv1.Deployment {
	l.t.Helper()
	out, err := l.c.AppsV1().Deployments("default").Create(l.ctx, d, metav1.CreateOptions{})
	if err != nil {
		l.t.Fatal(err)
	}
	return out
}

func (l *lab) get(name string) *appsv1.Deployment {
	l.t.Helper()
	d, err := l.c.AppsV1().Deployments("default").Get(l.ctx, name, metav1.GetOptions{})
	if err != nil {
		l.t.Fatal(err)
	}
	return d
}

func (l *lab) update(name string, f func(*appsv1.Deployment)) {
	l.t.Helper()
	for range 10 {
		d := l.get(name)
		f(d)
		if _, err := l.c.AppsV1().Deployments("default").Update(l.ctx, d, metav1.UpdateOptions{}); err == nil {
			return
		}
	}
	l.t.Fatal("could not update the deployment")
}

func (l *lab) replicaSets() []appsv1.ReplicaSet {
	l.t.Helper()
	list, err := l.c.AppsV1().ReplicaSets("default").List(l.ctx, metav1.ListOptions{})
	if err != nil {
		l.t.Fatal(err)
	}
	return list.Items
}

// settle reports each replica set's wanted replicas as ready and available.
func (l *lab) settle() {
	for _, rs := range l.replicaSets() {
		n := replicas(&rs)
		if rs.Status.Replicas == n && rs.Status.AvailableReplicas == n && rs.Status.ObservedGeneration == rs.Generation {
			continue
		}
		rs.Status = appsv1.ReplicaSetStatus{Replicas: n, FullyLabeledReplicas: n, ReadyReplicas: n, AvailableReplicas: n, ObservedGeneration: rs.Generation}
		l.c.AppsV1().ReplicaSets("default").UpdateStatus(l.ctx, &rs, metav1.UpdateOptions{})
	}
}

// eventually polls check (settling replica sets first when asked) for 10 s.
func (l *lab) eventually(what string, settle bool, check func() bool) {
	l.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			l.t.Fatalf("timed out waiting for %s", what)
		}
		if settle {
			l.settle()
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (l *lab) complete(name string) bool {
	d := l.get(name)
	return d.Status.ObservedGeneration >= d.Generation && deploymentComplete(d, &d.Status)
}

func (l *lab) events() []string {
	list, err := l.c.CoreV1().Events("default").List(l.ctx, metav1.ListOptions{})
	if err != nil {
		l.t.Fatal(err)
	}
	var out []string
	for _, e := range list.Items {
		out = append(out, e.Reason+": "+e.Message)
	}
	return out
}

func TestCreateMakesReplicaSetNamedByTemplateHash(t *testing.T) {
	l := newLab(t)
	d := l.create(deployment("web", 3, "nginx"))
	hash := ComputeHash(&d.Spec.Template, nil)
	var rs appsv1.ReplicaSet
	l.eventually("the replica set", false, func() bool {
		rss := l.replicaSets()
		if len(rss) == 1 {
			rs = rss[0]
		}
		return len(rss) == 1
	})
	if rs.Name != "web-"+hash || rs.Labels[PodTemplateHashLabel] != hash || rs.Spec.Template.Labels[PodTemplateHashLabel] != hash || rs.Spec.Selector.MatchLabels[PodTemplateHashLabel] != hash {
		t.Errorf("replica set %s labels %v, want web-%s with the hash label", rs.Name, rs.Labels, hash)
	}
	if replicas(&rs) != 3 || rs.Annotations[RevisionAnnotation] != "1" || rs.Annotations[DesiredReplicasAnnotation] != "3" || rs.Annotations[MaxReplicasAnnotation] != "4" {
		t.Errorf("replicas %d annotations %v", replicas(&rs), rs.Annotations)
	}
	if ref := metav1.GetControllerOf(&rs); ref == nil || ref.UID != d.UID {
		t.Errorf("owner %v", rs.OwnerReferences)
	}
	l.eventually("a complete rollout", true, func() bool { return l.complete("web") })
	d = l.get("web")
	s := d.Status
	if s.Replicas != 3 || s.UpdatedReplicas != 3 || s.ReadyReplicas != 3 || s.AvailableReplicas != 3 || s.UnavailableReplicas != 0 {
		t.Errorf("status %+v", s)
	}
	if d.Annotations[RevisionAnnotation] != "1" {
		t.Errorf("deployment revision %q", d.Annotations[RevisionAnnotation])
	}
	l.eventually("the Progressing condition", true, func() bool {
		c := getCondition(l.get("web").Status, appsv1.DeploymentProgressing)
		return c != nil && c.Reason == NewRSAvailableReason
	})
	s = l.get("web").Status
	if c := getCondition(s, appsv1.DeploymentAvailable); c == nil || c.Status != corev1.ConditionTrue || c.Reason != MinimumReplicasAvailable || c.Message != "Deployment has minimum availability." {
		t.Errorf("Available %+v", c)
	}
	if c := getCondition(s, appsv1.DeploymentProgressing); c.Status != corev1.ConditionTrue || c.Message != fmt.Sprintf("ReplicaSet %q has successfully progressed.", rs.Name) {
		t.Errorf("Progressing %+v", c)
	}
	want := "ScalingReplicaSet: Scaled up replica set web-" + hash + " from 0 to 3"
	l.eventually("the scaling event", false, func() bool { return strings.Contains(strings.Join(l.events(), "\n"), want) })
}

func TestScaleResizesTheReplicaSet(t *testing.T) {
	l := newLab(t)
	l.create(deployment("web", 3, "nginx"))
	l.eventually("a complete rollout", true, func() bool { return l.complete("web") })
	l.update("web", func(d *appsv1.Deployment) { n := int32(5); d.Spec.Replicas = &n })
	l.eventually("5 replicas", true, func() bool {
		rss := l.replicaSets()
		return len(rss) == 1 && replicas(&rss[0]) == 5 && rss[0].Annotations[DesiredReplicasAnnotation] == "5" && rss[0].Annotations[MaxReplicasAnnotation] == "7"
	})
	l.eventually("a complete rollout", true, func() bool { return l.complete("web") })
	if !strings.Contains(strings.Join(l.events(), "\n"), "from 3 to 5") {
		t.Errorf("events %q", l.events())
	}
}

// TestRollingUpdateRespectsSurgeAndUnavailable rolls 4 replicas out with
// maxSurge 1 and maxUnavailable 1: never more than 5 wanted, never fewer
// than 3 available.
func TestRollingUpdateRespectsSurgeAndUnavailable(t *testing.T) {
	l := newLab(t)
	d := deployment("web", 4, "nginx")
	one := intstr.FromInt32(1)
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &one, MaxUnavailable: &one}}
	l.create(d)
	l.eventually("a complete rollout", true, func() bool { return l.complete("web") })
	l.update("web", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "busybox" })
	steps := 0
	l.eventually("the second rollout", false, func() bool {
		rss := l.replicaSets()
		var want, avail int32
		for _, rs := range rss {
			want += replicas(&rs)
			avail += min(rs.Status.AvailableReplicas, replicas(&rs))
		}
		if want > 5 {
			t.Fatalf("%d replicas wanted, more than 4+maxSurge", want)
		}
		if avail < 3 {
			t.Fatalf("%d replicas available, fewer than 4-maxUnavailable", avail)
		}
		if l.complete("web") && l.get("web").Annotations[RevisionAnnotation] == "2" {
			return true
		}
		steps++
		l.settle()
		return false
	})
	if steps < 2 {
		t.Errorf("rolled out in %d steps", steps)
	}
	byRev := map[string]int32{}
	for _, rs := range l.replicaSets() {
		byRev[rs.Annotations[RevisionAnnotation]] = replicas(&rs)
	}
	if len(byRev) != 2 || byRev["1"] != 0 || byRev["2"] != 4 {
		t.Errorf("replicas by revision %v", byRev)
	}
	l.eventually("the Progressing condition", true, func() bool {
		c := getCondition(l.get("web").Status, appsv1.DeploymentProgressing)
		return c != nil && c.Reason == NewRSAvailableReason
	})
}

// TestRecreateScalesDownFirst: the new replica set is made only once the
// old one's pods are gone.
func TestRecreateScalesDownFirst(t *testing.T) {
	l := newLab(t)
	d := deployment("web", 2, "nginx")
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	l.create(d)
	l.eventually("a complete rollout", true, func() bool { return l.complete("web") })
	l.update("web", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "busybox" })
	l.eventually("the old replica set at 0", false, func() bool {
		rss := l.replicaSets()
		return len(rss) == 1 && replicas(&rss[0]) == 0
	})
	time.Sleep(300 * time.Millisecond)
	if n := len(l.replicaSets()); n != 1 {
		t.Fatalf("%d replica sets while the old pods still run", n)
	}
	l.eventually("the recreated rollout", true, func() bool { return len(l.replicaSets()) == 2 && l.complete("web") })
}

func TestPausedDeploymentDoesNotRollOut(t *testing.T) {
	l := newLab(t)
	l.create(deployment("web", 2, "nginx"))
	l.eventually("a complete rollout", true, func() bool { return l.complete("web") })
	l.update("web", func(d *appsv1.Deployment) { d.Spec.Paused = true; d.Spec.Template.Spec.Containers[0].Image = "busybox" })
	l.eventually("the paused condition", true, func() bool {
		c := getCondition(l.get("web").Status, appsv1.DeploymentProgressing)
		return c != nil && c.Reason == PausedDeployReason && c.Status == corev1.ConditionUnknown && c.Message == "Deployment is paused"
	})
	if n := len(l.replicaSets()); n != 1 {
		t.Fatalf("%d replica sets while paused", n)
	}
	l.update("web", func(d *appsv1.Deployment) { d.Spec.Paused = false })
	l.eventually("the resumed rollout", true, func() bool { return len(l.replicaSets()) == 2 && l.complete("web") })
}

func TestRevisionHistoryLimitDeletesOldReplicaSets(t *testing.T) {
	l := newLab(t)
	d := deployment("web", 1, "nginx")
	one := int32(1)
	d.Spec.RevisionHistoryLimit = &one
	l.create(d)
	for _, image := range []string{"busybox", "nginx:1.25", "httpd"} {
		l.eventually("a complete rollout", true, func() bool { return l.complete("web") })
		l.update("web", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = image })
	}
	l.eventually("two replica sets left", true, func() bool {
		rss := l.replicaSets()
		return l.complete("web") && len(rss) == 2
	})
	revs := map[string]bool{}
	for _, rs := range l.replicaSets() {
		revs[rs.Annotations[RevisionAnnotation]] = true
	}
	if !revs["3"] || !revs["4"] {
		t.Errorf("revisions left %v, want 3 and 4", revs)
	}
}

// TestRollbackReusesTheOldReplicaSet: the template of revision 1 back makes
// its replica set revision 3, with revision-history 1.
func TestRollbackReusesTheOldReplicaSet(t *testing.T) {
	l := newLab(t)
	l.create(deployment("web", 2, "nginx"))
	l.eventually("a complete rollout", true, func() bool { return l.complete("web") })
	l.update("web", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "busybox" })
	l.eventually("revision 2", true, func() bool { return l.complete("web") && l.get("web").Annotations[RevisionAnnotation] == "2" })
	l.update("web", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "nginx" })
	l.eventually("revision 3", true, func() bool { return l.complete("web") && l.get("web").Annotations[RevisionAnnotation] == "3" })
	rss := l.replicaSets()
	if len(rss) != 2 {
		t.Fatalf("%d replica sets", len(rss))
	}
	for _, rs := range rss {
		if rs.Spec.Template.Spec.Containers[0].Image == "nginx" && (rs.Annotations[RevisionAnnotation] != "3" || rs.Annotations[RevisionHistoryAnnotation] != "1") {
			t.Errorf("rolled-back replica set annotations %v", rs.Annotations)
		}
	}
}

func TestProgressDeadlineExceeded(t *testing.T) {
	old := labclockSeconds
	labclockSeconds = func(n int64) time.Duration { return time.Duration(n) * 100 * time.Millisecond }
	t.Cleanup(func() { labclockSeconds = old })
	l := newLab(t)
	d := deployment("web", 1, "nginx")
	two := int32(2)
	d.Spec.ProgressDeadlineSeconds = &two
	l.create(d)
	// Nothing settles: the replica set never reports a pod.
	l.eventually("ProgressDeadlineExceeded", false, func() bool {
		c := getCondition(l.get("web").Status, appsv1.DeploymentProgressing)
		return c != nil && c.Reason == TimedOutReason && c.Status == corev1.ConditionFalse && strings.HasSuffix(c.Message, "has timed out progressing.")
	})
	if c := getCondition(l.get("web").Status, appsv1.DeploymentAvailable); c == nil || c.Reason != MinimumReplicasUnavailable {
		t.Errorf("Available %+v", c)
	}
}

func TestFenceposts(t *testing.T) {
	pct := intstr.FromString("25%")
	for _, tc := range []struct {
		n                      int32
		surge, unavailable     intstr.IntOrString
		wantSurge, wantUnavail int32
	}{
		{3, pct, pct, 1, 0},
		{4, pct, pct, 1, 1},
		{10, pct, pct, 3, 2},
		{1, intstr.FromInt32(0), intstr.FromInt32(0), 0, 1},
		{0, pct, pct, 0, 1},
	} {
		s, u, err := resolveFenceposts(&tc.surge, &tc.unavailable, tc.n)
		if err != nil || s != tc.wantSurge || u != tc.wantUnavail {
			t.Errorf("%d replicas: surge %d unavailable %d, want %d %d", tc.n, s, u, tc.wantSurge, tc.wantUnavail)
		}
	}
}

// TestProportionalScaling: 10 replicas (maxSurge 3) mid-rollout at 8 old
// and 3 new, scaled to 20 (allowed 25): the old get 8*25/13 = 15 (+7), the
// new 3*25/13 = 6 (+3), and the leftover 4 goes to the largest, the old.
func TestProportionalScaling(t *testing.T) {
	d := deployment("web", 20, "nginx")
	pct := intstr.FromString("25%")
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &pct, MaxUnavailable: &pct}}
	rs := func(name string, n int32, age time.Duration) *appsv1.ReplicaSet {
		return &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(time.Now().Add(-age)),
				Annotations: map[string]string{DesiredReplicasAnnotation: "10", MaxReplicasAnnotation: "13"}},
			Spec: appsv1.ReplicaSetSpec{Replicas: &n},
		}
	}
	sizes, op := proportionalSizes(d, []*appsv1.ReplicaSet{rs("new", 3, time.Minute), rs("old", 8, time.Hour)})
	if op != "up" || sizes["old"] != 19 || sizes["new"] != 6 {
		t.Errorf("scaled %s to %v, want old 19 and new 6", op, sizes)
	}
	// Back down to 5 (allowed 7 from 25): oldest first among equals.
	n := int32(5)
	d.Spec.Replicas = &n
	a, b := rs("old", 19, time.Hour), rs("new", 6, time.Minute)
	a.Annotations[MaxReplicasAnnotation], b.Annotations[MaxReplicasAnnotation] = "25", "25"
	sizes, op = proportionalSizes(d, []*appsv1.ReplicaSet{b, a})
	if op != "down" || sizes["old"]+sizes["new"] != 7 || sizes["old"] != 5 || sizes["new"] != 2 {
		t.Errorf("scaled %s to %v, want old 5 and new 2", op, sizes)
	}
}
