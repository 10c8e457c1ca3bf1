package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// slowStopRS is a ReplicaSet of busybox sleeping as PID 1, which ignores
// SIGTERM: each pod takes its grace period to stop.
func slowStopRS(name string, replicas, grace int) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: %[1]s
spec:
  replicas: %[2]d
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
      terminationGracePeriodSeconds: %[3]d
      containers:
      - name: app
        image: busybox
        command: ["sleep", "3600"]
`, name, replicas, grace)
}

// replicaSet reads a ReplicaSet through podlab get -o json; nil once gone.
func (l *lab) replicaSet(name string) *appsv1.ReplicaSet {
	l.t.Helper()
	out, errOut, code := l.run("get", "rs", name, "-o", "json")
	if code != 0 {
		if strings.Contains(errOut, "NotFound") {
			return nil
		}
		l.t.Fatalf("get rs %s: %s", name, errOut)
	}
	var rs appsv1.ReplicaSet
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		l.t.Fatalf("decoding rs: %v\n%s", err, out)
	}
	return &rs
}

// TestDeleteCascade: podlab delete --cascade=orphan leaves a ReplicaSet's
// pods running without their owner reference; --cascade=foreground keeps
// the ReplicaSet, Terminating with the foregroundDeletion finalizer, until
// the garbage collector has deleted its pods; the deprecated boolean form
// warns as kubectl does.
func TestDeleteCascade(t *testing.T) {
	l := newLab(t)
	l.apply("orphans.yaml", slowStopRS("orphans", 2, 1))
	l.apply("fg.yaml", slowStopRS("fg", 2, 200)) // 10 s at the tests' time scale
	before := l.waitSelected("orphans", "running", runningReady(2))
	l.waitSelected("fg", "running", runningReady(2))

	t.Run("orphan", func(t *testing.T) {
		l := l.in(t)
		if out := l.mustRun("delete", "rs", "orphans", "--cascade=orphan"); out != "replicaset.apps \"orphans\" deleted from default namespace\n" {
			t.Fatalf("delete printed %q", out)
		}
		if rs := l.replicaSet("orphans"); rs != nil {
			t.Fatalf("the ReplicaSet is still there: %+v", rs.ObjectMeta)
		}
		// The collector removes the references shortly after; the pods stay.
		pods := l.waitSelected("orphans", "orphaned", func(pods []corev1.Pod) bool {
			if len(pods) != 2 {
				return false
			}
			for _, p := range pods {
				if len(p.OwnerReferences) > 0 || p.DeletionTimestamp != nil {
					return false
				}
			}
			return true
		})
		if !slices.Equal(podNames(pods), podNames(before)) {
			t.Errorf("the orphans are %v, were %v", podNames(pods), podNames(before))
		}
		time.Sleep(2 * time.Second) // nothing comes to collect them
		if pods := l.selected("orphans"); len(pods) != 2 || pods[0].DeletionTimestamp != nil || pods[1].DeletionTimestamp != nil {
			t.Errorf("the orphaned pods were collected: %v", podNames(pods))
		}
	})

	t.Run("foreground", func(t *testing.T) {
		l := l.in(t)
		if out := l.mustRun("delete", "rs", "fg", "--cascade=foreground", "--wait=false"); out != "replicaset.apps \"fg\" deleted from default namespace\n" {
			t.Fatalf("delete printed %q", out)
		}
		rs := l.replicaSet("fg")
		if rs == nil {
			t.Fatal("the ReplicaSet went before its pods")
		}
		if rs.DeletionTimestamp == nil || !slices.Contains(rs.Finalizers, metav1.FinalizerDeleteDependents) {
			t.Fatalf("the ReplicaSet has deletionTimestamp %v, finalizers %v", rs.DeletionTimestamp, rs.Finalizers)
		}
		// While a pod remains (Terminating still blocks), the owner stays.
		sawBoth := false
		deadline := time.Now().Add(2 * time.Minute)
		for {
			// The ReplicaSet first: pods seen after it went were there when it went.
			rs := l.replicaSet("fg")
			pods := l.selected("fg")
			if rs != nil && len(pods) > 0 {
				sawBoth = true
			}
			if rs == nil {
				if len(pods) > 0 {
					t.Fatalf("the ReplicaSet went while pods remained: %v", podNames(pods))
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the ReplicaSet never went; pods %v", podNames(pods))
			}
			time.Sleep(300 * time.Millisecond)
		}
		if !sawBoth {
			t.Error("never saw the ReplicaSet waiting for its pods")
		}
	})

	t.Run("deprecated-boolean", func(t *testing.T) {
		l := l.in(t)
		l.apply("old.yaml", slowStopRS("old", 1, 1))
		out, errOut, code := l.run("delete", "rs", "old", "--cascade=false")
		if code != 0 || out != "replicaset.apps \"old\" deleted from default namespace\n" {
			t.Fatalf("delete --cascade=false: exit %d\n%s%s", code, out, errOut)
		}
		if want := "warning: --cascade=false is deprecated (boolean value) and can be replaced with --cascade=orphan.\n"; errOut != want {
			t.Errorf("stderr %q, want %q", errOut, want)
		}
		_, errOut, code = l.run("delete", "rs", "none", "--cascade=sideways")
		if code == 0 || !strings.Contains(errOut, `invalid cascade value (sideways). Must be "background", "foreground", or "orphan"`) {
			t.Errorf("--cascade=sideways: exit %d, %q", code, errOut)
		}
	})
}
