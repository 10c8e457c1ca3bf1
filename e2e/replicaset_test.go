package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/internal/clientbin"
)

func replicaSetManifest(name string, replicas int) string {
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
      containers:
      - name: nginx
        image: nginx
`, name, replicas)
}

// selected lists the pods labelled app=app (being deleted or not).
func (l *lab) selected(app string) []corev1.Pod {
	l.t.Helper()
	out := l.mustRun("get", "pods", "-l", "app="+app, "-o", "json")
	var list corev1.PodList
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		l.t.Fatalf("decoding pods: %v\n%s", err, out)
	}
	return list.Items
}

// waitSelected polls until cond holds for the pods labelled app=app.
func (l *lab) waitSelected(app, what string, cond func([]corev1.Pod) bool) []corev1.Pod {
	l.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		pods := l.selected(app)
		if cond(pods) {
			return pods
		}
		if time.Now().After(deadline) {
			out, _, _ := l.run("get", "pods", "-o", "wide")
			ev, _, _ := l.run("get", "events")
			l.t.Fatalf("pods of %s never %s\n%s\n%s", app, what, out, ev)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// runningReady: exactly n pods, none being deleted, all Running and Ready.
func runningReady(n int) func([]corev1.Pod) bool {
	return func(pods []corev1.Pod) bool {
		if len(pods) != n {
			return false
		}
		for i := range pods {
			if pods[i].DeletionTimestamp != nil || pods[i].Status.Phase != corev1.PodRunning || !podReady(&pods[i]) {
				return false
			}
		}
		return true
	}
}

func podNames(pods []corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

// A ReplicaSet on the real engine: it keeps 3 nginx pods (a deleted one
// is replaced), scales down to 1, and its pods go with it — or stay,
// orphaned, with --cascade=orphan (real kubectl).
func TestReplicaSetKeepsItsPods(t *testing.T) {
	l := newLab(t)
	mustContain(t, "apply", l.apply("rs.yaml", replicaSetManifest("web", 3)), "replicaset.apps/web created")
	pods := l.waitSelected("web", "3 Running and Ready", runningReady(3))
	for _, p := range pods {
		if !strings.HasPrefix(p.Name, "web-") || len(p.Name) != len("web-")+5 {
			t.Errorf("pod name %q, want web-xxxxx", p.Name)
		}
		if len(p.OwnerReferences) != 1 || p.OwnerReferences[0].Kind != "ReplicaSet" || p.OwnerReferences[0].Name != "web" {
			t.Errorf("pod %s owner references %+v", p.Name, p.OwnerReferences)
		}
	}

	victim := pods[0].Name
	l.mustRun("delete", "pod", victim)
	l.waitSelected("web", "replaced", func(ps []corev1.Pod) bool {
		return runningReady(3)(ps) && !slices.Contains(podNames(ps), victim)
	})
	mustContain(t, "describe rs", l.mustRun("describe", "rs", "web"), "SuccessfulCreate", "Created pod: ")

	l.apply("rs.yaml", replicaSetManifest("web", 1))
	l.waitSelected("web", "scaled to 1", runningReady(1))
	deadline := time.Now().Add(30 * time.Second)
	for st := ""; st != "1/1/1"; st = l.mustRun("get", "rs", "web", "-o", "jsonpath={.spec.replicas}/{.status.replicas}/{.status.readyReplicas}") {
		if time.Now().After(deadline) {
			t.Fatalf("replica set status %q, want 1/1/1", st)
		}
		time.Sleep(200 * time.Millisecond)
	}

	l.mustRun("delete", "rs", "web")
	l.waitSelected("web", "gone with their replica set", func(ps []corev1.Pod) bool { return len(ps) == 0 })

	k := newKubectl(t, l, clientbin.Kubectl(t))
	l.apply("keep.yaml", replicaSetManifest("keep", 2))
	kept := l.waitSelected("keep", "2 Running and Ready", runningReady(2))
	mustContain(t, "kubectl delete --cascade=orphan", k.ok(t, "delete", "rs", "keep", "--cascade=orphan"), `replicaset.apps "keep" deleted`)
	time.Sleep(2 * time.Second)
	after := l.waitSelected("keep", "orphaned", func(ps []corev1.Pod) bool {
		if len(ps) != 2 {
			return false
		}
		for _, p := range ps {
			if len(p.OwnerReferences) != 0 || p.DeletionTimestamp != nil {
				return false
			}
		}
		return true
	})
	if !slices.Equal(podNames(after), podNames(kept)) {
		t.Fatalf("orphans %v, want the same pods %v", podNames(after), podNames(kept))
	}
}

// Self-healing: the pod of a node whose kubelet stops is evicted once the
// node is unreachable (300 s of tolerations, scaled) and replaced on the
// other worker.
func TestReplicaSetReplacesThePodOfADeadNode(t *testing.T) {
	l := newLab(t)
	l.apply("rs.yaml", replicaSetManifest("web", 1))
	first := l.waitSelected("web", "Running and Ready", runningReady(1))[0]
	dead := first.Spec.NodeName
	l.mustRun("node", "stop", dead)
	l.waitSelected("web", "replaced on "+otherWorker(t, dead), func(ps []corev1.Pod) bool {
		for i := range ps {
			p := &ps[i]
			if p.Name != first.Name && p.DeletionTimestamp == nil && p.Spec.NodeName == otherWorker(t, dead) &&
				p.Status.Phase == corev1.PodRunning && podReady(p) {
				return true
			}
		}
		return false
	})
	if p := l.pod(first.Name); p != nil && p.DeletionTimestamp == nil {
		t.Fatalf("the pod of the dead node %s was not evicted", dead)
	}
}
