package replicaset

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	k8sadmission "k8s.io/apiserver/pkg/admission"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/podlab/podlab/internal/kubetest"
	"github.com/podlab/podlab/runtime/admission"
	"github.com/podlab/podlab/runtime/events"
)

// start runs the lab's API server (no scheduler, no kubelet) with the
// ReplicaSet and ReplicationController controllers.
func start(t *testing.T, opts ...kubetest.Options) (*kubetest.Server, kubernetes.Interface) {
	t.Helper()
	opt := kubetest.Options{}
	if len(opts) > 0 {
		opt = opts[0]
	}
	srv := kubetest.Start(t, opt)
	c := srv.Client
	factory := informers.NewSharedInformerFactory(c, 0)
	b := events.NewBroadcaster(c)
	rs, err := New(c, factory, WithRecorder(b.Recorder(EventSource, "")))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := NewReplicationManager(c, factory, WithRecorder(b.Recorder(RCEventSource, "")))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	factory.Start(ctx.Done())
	done := make(chan struct{}, 2)
	go func() { rs.Run(ctx); done <- struct{}{} }()
	go func() { rc.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done; factory.Shutdown(); b.Shutdown() })
	return srv, c
}

func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var web = map[string]string{"app": "web"}

func template() corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", "tier": "front"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
	}
}

func createRS(t *testing.T, c kubernetes.Interface, replicas int32) *appsv1.ReplicaSet {
	t.Helper()
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec:       appsv1.ReplicaSetSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: web}, Template: template()},
	}
	out, err := c.AppsV1().ReplicaSets("default").Create(context.Background(), rs, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func scale(t *testing.T, c kubernetes.Interface, n int32) {
	t.Helper()
	patch := []byte(`{"spec":{"replicas":` + string(rune('0'+n)) + `}}`)
	if _, err := c.AppsV1().ReplicaSets("default").Patch(context.Background(), "web", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

// active lists the pods selected by app=web that are not being deleted.
func active(t *testing.T, c kubernetes.Interface) []corev1.Pod {
	t.Helper()
	list, err := c.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	var out []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func getRS(t *testing.T, c kubernetes.Interface) *appsv1.ReplicaSet {
	t.Helper()
	rs, err := c.AppsV1().ReplicaSets("default").Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func eventMessages(t *testing.T, c kubernetes.Interface, kind, reason string) []string {
	t.Helper()
	sel := fields.Set{"involvedObject.kind": kind, "involvedObject.name": "web", "reason": reason}.AsSelector().String()
	list, err := c.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{FieldSelector: sel})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range list.Items {
		out = append(out, e.Message)
	}
	sort.Strings(out)
	return out
}

// markReady binds a pod and reports it running and ready, as the
// scheduler and a kubelet would.
func markReady(t *testing.T, c kubernetes.Interface, name, node string) {
	t.Helper()
	ctx := context.Background()
	pods := c.CoreV1().Pods("default")
	p, err := pods.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := pods.Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: name, UID: p.UID}, Target: corev1.ObjectReference{Kind: "Node", Name: node}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if p, err = pods.Get(ctx, name, metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()}}
	if _, err := pods.UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// A ReplicaSet creates its pods from the template, named "<rs>-" and five
// random characters, owned by it, with upstream's events and status.
func TestAPIScaleUpCreatesOwnedPods(t *testing.T) {
	_, c := start(t)
	rs := createRS(t, c, 3)
	eventually(t, "3 pods", func() bool { return len(active(t, c)) == 3 })
	for _, p := range active(t, c) {
		if !strings.HasPrefix(p.Name, "web-") || len(p.Name) != len("web-")+5 || strings.ToLower(p.Name) != p.Name {
			t.Errorf("pod name %q, want web-xxxxx", p.Name)
		}
		ref := metav1.GetControllerOf(&p)
		if ref == nil || ref.UID != rs.UID || ref.Kind != "ReplicaSet" || ref.APIVersion != "apps/v1" || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
			t.Errorf("pod %s controller ref %+v", p.Name, ref)
		}
		if p.Labels["tier"] != "front" {
			t.Errorf("pod %s labels %v, want the template's", p.Name, p.Labels)
		}
	}
	eventually(t, "status", func() bool {
		st := getRS(t, c).Status
		return st.Replicas == 3 && st.FullyLabeledReplicas == 3 && st.ReadyReplicas == 0 && st.ObservedGeneration == 1 &&
			st.TerminatingReplicas != nil && *st.TerminatingReplicas == 0
	})
	eventually(t, "SuccessfulCreate events", func() bool {
		msgs := eventMessages(t, c, "ReplicaSet", "SuccessfulCreate")
		return len(msgs) == 3 && strings.HasPrefix(msgs[0], "Created pod: web-")
	})

	p := active(t, c)[0]
	markReady(t, c, p.Name, "node-1")
	eventually(t, "ready and available", func() bool {
		st := getRS(t, c).Status
		return st.ReadyReplicas == 1 && st.AvailableReplicas == 1
	})
}

// Scaling down deletes the pods ranked first: unscheduled before
// scheduled and ready; a deleted pod is replaced.
func TestAPIScaleDownAndReplacement(t *testing.T) {
	_, c := start(t)
	createRS(t, c, 3)
	eventually(t, "3 pods", func() bool { return len(active(t, c)) == 3 })
	keep := active(t, c)[1].Name
	markReady(t, c, keep, "node-1")
	scale(t, c, 1)
	eventually(t, "1 pod", func() bool { return len(active(t, c)) == 1 })
	if got := active(t, c)[0].Name; got != keep {
		t.Fatalf("kept %s, want the scheduled, ready %s", got, keep)
	}
	eventually(t, "SuccessfulDelete events", func() bool {
		return len(eventMessages(t, c, "ReplicaSet", "SuccessfulDelete")) == 2
	})
	eventually(t, "status 1", func() bool { st := getRS(t, c).Status; return st.Replicas == 1 && st.ObservedGeneration == 2 })

	// The kept pod is deleted (it stays Terminating: no kubelet); a new one replaces it.
	if err := c.CoreV1().Pods("default").Delete(context.Background(), keep, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a replacement", func() bool {
		a := active(t, c)
		return len(a) == 1 && a[0].Name != keep
	})
	eventually(t, "terminatingReplicas 1", func() bool {
		st := getRS(t, c).Status
		return st.Replicas == 1 && st.TerminatingReplicas != nil && *st.TerminatingReplicas == 1
	})
}

// An orphan the selector matches is adopted; an owned pod relabelled out
// of the selector is released and replaced.
func TestAPIAdoptionAndRelease(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	orphan := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "orphan", Labels: web},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}}}
	if _, err := c.CoreV1().Pods("default").Create(ctx, orphan, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rs := createRS(t, c, 2)
	eventually(t, "orphan adopted and one created", func() bool {
		a := active(t, c)
		if len(a) != 2 {
			return false
		}
		for _, p := range a {
			if ref := metav1.GetControllerOf(&p); ref == nil || ref.UID != rs.UID {
				return false
			}
		}
		return true
	})
	// One creation (events are written asynchronously), the orphan counts.
	eventually(t, "one SuccessfulCreate", func() bool { return len(eventMessages(t, c, "ReplicaSet", "SuccessfulCreate")) == 1 })
	if n := len(active(t, c)); n != 2 {
		t.Fatalf("%d pods, want 2", n)
	}
	patch := []byte(`{"metadata":{"labels":{"app":"debug"}}}`)
	if _, err := c.CoreV1().Pods("default").Patch(ctx, "orphan", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "released and replaced", func() bool {
		p, err := c.CoreV1().Pods("default").Get(ctx, "orphan", metav1.GetOptions{})
		return err == nil && len(p.OwnerReferences) == 0 && len(active(t, c)) == 2
	})
}

// A ReplicationController is the same controller, its pods owned by a core/v1 kind.
func TestAPIReplicationController(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	tmpl := template()
	rc := &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec:       corev1.ReplicationControllerSpec{Replicas: new(int32(2)), Selector: web, Template: &tmpl},
	}
	rc, err := c.CoreV1().ReplicationControllers("default").Create(ctx, rc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "2 pods", func() bool { return len(active(t, c)) == 2 })
	for _, p := range active(t, c) {
		if ref := metav1.GetControllerOf(&p); ref == nil || ref.Kind != "ReplicationController" || ref.APIVersion != "v1" || ref.UID != rc.UID {
			t.Fatalf("controller ref %+v", ref)
		}
	}
	eventually(t, "status", func() bool {
		got, err := c.CoreV1().ReplicationControllers("default").Get(ctx, "web", metav1.GetOptions{})
		return err == nil && got.Status.Replicas == 2 && got.Status.FullyLabeledReplicas == 2 && got.Status.ObservedGeneration == 1
	})
	eventually(t, "events", func() bool { return len(eventMessages(t, c, "ReplicationController", "SuccessfulCreate")) == 2 })
}

// Pods the API refuses are a FailedCreate event and the ReplicaFailure
// condition; slow start tries one pod, not all three.
func TestAPIFailedCreate(t *testing.T) {
	_, c := start(t, kubetest.Options{Admission: []k8sadmission.Interface{admission.HostAccess{}}})
	replicas := int32(3)
	tmpl := template()
	tmpl.Spec.HostNetwork = true
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec:       appsv1.ReplicaSetSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: web}, Template: tmpl},
	}
	if _, err := c.AppsV1().ReplicaSets("default").Create(context.Background(), rs, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "ReplicaFailure", func() bool {
		for _, cond := range getRS(t, c).Status.Conditions {
			if cond.Type == appsv1.ReplicaSetReplicaFailure && cond.Status == corev1.ConditionTrue && cond.Reason == "FailedCreate" &&
				strings.Contains(cond.Message, "forbidden") {
				return true
			}
		}
		return false
	})
	var msgs []string
	eventually(t, "FailedCreate event", func() bool {
		msgs = eventMessages(t, c, "ReplicaSet", "FailedCreate")
		return len(msgs) > 0
	})
	if !strings.HasPrefix(msgs[0], "Error creating: pods ") {
		t.Fatalf("FailedCreate message %q", msgs[0])
	}
}
