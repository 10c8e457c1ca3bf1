package kubelet

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"

	"github.com/podlab/podlab/runtime/labclock"
)

func TestStatusReachesTheAPIThroughPodsStatus(t *testing.T) {
	h := newHarness(t, testPod("web"))
	h.run()
	p := h.waitPod("web", "Running and Ready", runningAndReady)
	cs := containerStatus(p, "app")
	if cs == nil || cs.State.Running == nil || !cs.Ready || cs.ContainerID == "" || p.Status.PodIP == "" || p.Status.HostIP != "10.88.0.1" {
		t.Fatalf("status = %+v", p.Status)
	}
	if condition(p, corev1.PodScheduled) != corev1.ConditionTrue {
		t.Fatal("the scheduler's PodScheduled condition was dropped")
	}
	for _, w := range h.writes("pods") {
		if w != "update pods/status web" {
			t.Fatalf("the kubelet wrote %q: pod status goes through pods/status only", w)
		}
	}
}

func TestAnIdlePodCausesNoWrites(t *testing.T) {
	h := newHarness(t, testPod("web"))
	h.run()
	h.waitPod("web", "Running and Ready", runningAndReady)
	time.Sleep(100 * time.Millisecond) // let the last write's echo arrive
	h.client.ClearActions()
	before, events := h.rt.PodLists(), h.events.String()
	for i := 0; i < 5; i++ {
		h.k.triggerPod("uid-web")
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(labclock.Scaled(5 * resyncPeriod)) // five resyncs
	if n := h.rt.PodLists() - before; n < 5 {
		t.Fatalf("only %d container listings: the pod was not synced again", n)
	}
	if w := h.writes("pods"); len(w) != 0 {
		t.Fatalf("syncs of an unchanged pod wrote %q; a write that changes nothing must not happen", w)
	}
	if after := h.events.String(); after != events {
		t.Fatalf("an idle pod recorded events:\n%s", strings.TrimPrefix(after, events))
	}
}

func TestStatusConflictRetriesFromTheFreshPod(t *testing.T) {
	h := newHarness(t, testPod("web"))
	conflicts := 0
	h.client.PrependReactor("update", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() == "status" && conflicts == 0 {
			conflicts++
			return true, nil, apierrors.NewConflict(schema.GroupResource{Resource: "pods"}, "web", errors.New("the object has been modified"))
		}
		return false, nil, nil
	})
	h.run()
	h.waitPod("web", "Running and Ready", runningAndReady)
	var verbs []string
	for _, a := range h.client.Actions() {
		if a.GetResource().Resource == "pods" && a.GetVerb() != "list" && a.GetVerb() != "watch" {
			verbs = append(verbs, a.GetVerb()+"/"+a.GetSubresource())
		}
	}
	if len(verbs) < 3 || verbs[0] != "update/status" || verbs[1] != "get/" || verbs[2] != "update/status" {
		t.Fatalf("pod actions = %q, want the conflicting update, a get of the fresh pod, the retried update", verbs)
	}
}

func TestSameStatusIgnoresWhatTheAPICannotStore(t *testing.T) {
	started := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 678901234, time.UTC))
	computed := corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: "app",
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}}}}}
	b, _ := json.Marshal(computed)
	var stored corev1.PodStatus
	if err := json.Unmarshal(b, &stored); err != nil {
		t.Fatal(err)
	}
	if !sameStatus(stored, computed) {
		t.Fatal("a status differing only below a second counts as changed: it would be written on every sync")
	}
	stored.Phase = corev1.PodPending
	if sameStatus(stored, computed) {
		t.Fatal("a changed phase counts as unchanged")
	}
}

func TestGracefulDeletionEndsWithTheKubeletsDelete(t *testing.T) {
	h := newHarness(t, testPod("web"))
	h.rt.IgnoreStop("app") // only SIGKILL at the end of the grace period stops it
	h.run()
	p := h.waitPod("web", "Running", runningAndReady)
	// What the API server's graceful deletion (kubectl delete) leaves: the
	// pod marked, with its grace period.
	now, grace := metav1.Now(), int64(5)
	p.DeletionTimestamp, p.DeletionGracePeriodSeconds = &now, &grace
	if _, err := h.client.CoreV1().Pods("default").Update(context.Background(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the pod gone", func() bool { return h.pod("web") == nil })
	ops := h.rt.Ops()
	if !contains(ops, "signal app ") || !contains(ops, "signal app SIGKILL") || index(ops, "signal app ") > index(ops, "signal app SIGKILL") {
		t.Fatalf("engine ops %q: want the stop signal, then SIGKILL once the grace period ended", ops)
	}
	if !h.events.has("Killing: Stopping container app") {
		t.Fatalf("events:\n%s", h.events)
	}
	var final *corev1.Pod
	var del k8stesting.DeleteAction
	for _, a := range h.client.Actions() {
		switch x := a.(type) {
		case k8stesting.UpdateAction:
			if x.GetSubresource() == "status" {
				final = x.GetObject().(*corev1.Pod)
			}
		case k8stesting.DeleteAction:
			if x.GetResource().Resource == "pods" {
				del = x
			}
		}
	}
	if del == nil {
		t.Fatal("the kubelet never deleted the terminated pod")
	}
	opts := del.GetDeleteOptions()
	if opts.GracePeriodSeconds == nil || *opts.GracePeriodSeconds != 0 || opts.Preconditions == nil || opts.Preconditions.UID == nil || *opts.Preconditions.UID != "uid-web" {
		t.Fatalf("delete options %+v: want grace 0 and the pod's UID as precondition", opts)
	}
	if cs := containerStatus(final, "app"); final.Status.Phase != corev1.PodFailed || cs == nil || cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 137 {
		t.Fatalf("last status before the delete = %+v, want Failed with exit 137", final.Status)
	}
	if left, _ := h.rt.ListPodContainers(context.Background(), "uid-web"); len(left) != 0 {
		t.Fatalf("containers left behind: %+v", left)
	}
}

func TestForcedDeletionStopsWithoutWriting(t *testing.T) {
	h := newHarness(t, testPod("web"))
	h.run()
	h.waitPod("web", "Running", runningAndReady)
	time.Sleep(50 * time.Millisecond)
	h.client.ClearActions()
	if err := h.client.CoreV1().Pods("default").Delete(context.Background(), "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the containers removed", func() bool {
		left, _ := h.rt.ListPodContainers(context.Background(), "uid-web")
		return len(left) == 0
	})
	if w := h.writes("pods"); len(w) != 1 || w[0] != "delete pods web" {
		t.Fatalf("pod writes %q: a pod already gone from the API gets no status and no second delete", w)
	}
}

func contains(list []string, s string) bool { return index(list, s) >= 0 }

func index(list []string, s string) int {
	for i, l := range list {
		if l == s {
			return i
		}
	}
	return -1
}
