package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/internal/clientbin"
)

// daemonSetManifest is a DaemonSet of sleeping busybox pods; extra is
// appended to the pod spec (tolerations, a nodeSelector).
func daemonSetManifest(name, extra string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: %[1]s
spec:
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: agent
        image: busybox:1.35
        imagePullPolicy: IfNotPresent
        command: ["sleep", "3600"]
%[2]s`, name, extra)
}

// daemonNodes waits until the set's live pods are Running and Ready, one
// on each of nodes, and returns them.
func (l *lab) daemonNodes(app string, nodes ...string) []corev1.Pod {
	l.t.Helper()
	sort.Strings(nodes)
	return l.waitSelected(app, fmt.Sprintf("one per node on %v", nodes), func(ps []corev1.Pod) bool {
		var on []string
		for i := range ps {
			p := &ps[i]
			if p.DeletionTimestamp != nil {
				return false
			}
			if p.Status.Phase != corev1.PodRunning || !podReady(p) {
				return false
			}
			on = append(on, p.Spec.NodeName)
		}
		sort.Strings(on)
		return slices.Equal(on, nodes)
	})
}

func (l *lab) getDaemonSet(name string) appsv1.DaemonSet {
	l.t.Helper()
	var ds appsv1.DaemonSet
	out := l.mustRun("get", "ds", name, "-o", "json")
	if err := json.Unmarshal([]byte(out), &ds); err != nil {
		l.t.Fatalf("decoding daemon set: %v\n%s", err, out)
	}
	return ds
}

// DaemonSets on the real engine and a default lab (two workers and the
// tainted control plane): a pod per worker, the control plane too when
// the set tolerates its taint, a node labelled out of a nodeSelector
// loses its pod; real kubectl's rollout status follows an update.
func TestDaemonSets(t *testing.T) {
	l := newLab(t)
	mustContain(t, "apply", l.apply("agent.yaml", daemonSetManifest("agent", "")), "daemonset.apps/agent created")
	pods := l.daemonNodes("agent", workers...)
	for _, p := range pods {
		if !strings.HasPrefix(p.Name, "agent-") || p.Labels["controller-revision-hash"] == "" || p.Labels["pod-template-generation"] != "1" {
			t.Errorf("pod %s labels %v", p.Name, p.Labels)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		st := l.getDaemonSet("agent").Status
		if st.DesiredNumberScheduled == 2 && st.CurrentNumberScheduled == 2 && st.NumberReady == 2 && st.NumberAvailable == 2 && st.UpdatedNumberScheduled == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("daemon set status %+v", st)
		}
		time.Sleep(300 * time.Millisecond)
	}

	tolerant := "      tolerations:\n      - {key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}\n"
	l.apply("everywhere.yaml", daemonSetManifest("everywhere", tolerant))
	l.daemonNodes("everywhere", "control-plane", "node-1", "node-2")

	k := newKubectl(t, l, clientbin.Kubectl(t))
	k.ok(t, "label", "node", "node-1", "node-2", "disk=ssd")
	l.apply("ssd.yaml", daemonSetManifest("ssd", "      nodeSelector: {disk: ssd}\n"))
	l.daemonNodes("ssd", "node-1", "node-2")
	k.ok(t, "label", "node", "node-2", "disk-")
	l.daemonNodes("ssd", "node-1")
	mustContain(t, "describe ds ssd", k.ok(t, "describe", "ds", "ssd"), "SuccessfulCreate", "SuccessfulDelete", "Deleted pod: ssd-")
	tb := parseTable(t, k.ok(t, "get", "ds", "ssd"))
	if row := tb.row("ssd"); row == nil || row["DESIRED"] != "1" || row["CURRENT"] != "1" || row["READY"] != "1" || row["NODE SELECTOR"] != "disk=ssd" {
		t.Errorf("kubectl get ds ssd: %v", row)
	}

	// An update rolls out node by node; kubectl rollout status reads the status.
	k.ok(t, "set", "image", "ds/agent", "agent=busybox:1.36")
	r := k.run(t, "rollout", "status", "ds/agent", "--timeout=3m")
	if r.code != 0 || !strings.Contains(r.stdout, `daemon set "agent" successfully rolled out`) {
		t.Fatalf("kubectl rollout status ds/agent: %+v", r)
	}
	for _, p := range l.daemonNodes("agent", workers...) {
		if p.Spec.Containers[0].Image != "busybox:1.36" || p.Labels["pod-template-generation"] != "2" {
			t.Errorf("pod %s after the update: image %s, labels %v", p.Name, p.Spec.Containers[0].Image, p.Labels)
		}
	}
	if revs := k.ok(t, "get", "controllerrevisions", "-l", "app=agent", "-o", "name"); len(strings.Fields(revs)) != 2 {
		t.Errorf("controller revisions of agent: %q, want two", revs)
	}
	mustContain(t, "podlab rollout status", l.mustRun("rollout", "status", "ds/ssd", "--timeout=1m"), `daemon set "ssd" successfully rolled out`)

	// A dead node: its ordinary pod is evicted once the unreachable taint's
	// 300 s pass; the daemon pod tolerates the taint with no limit and stays.
	l.apply("plain.yaml", pinned("plain", "node-2", "sleep 3600"))
	l.waitRunning("plain")
	var daemon string
	for _, p := range l.daemonNodes("agent", workers...) {
		if p.Spec.NodeName == "node-2" {
			daemon = p.Name
		}
	}
	l.mustRun("node", "stop", "node-2")
	deadline = time.Now().Add(2 * time.Minute)
	for p := l.pod("plain"); p != nil && p.DeletionTimestamp == nil; p = l.pod("plain") {
		if time.Now().After(deadline) {
			t.Fatal("the plain pod of the dead node was never evicted")
		}
		time.Sleep(300 * time.Millisecond)
	}
	if p := l.pod(daemon); p == nil || p.DeletionTimestamp != nil {
		t.Errorf("daemon pod %s of the dead node was evicted: %+v", daemon, p)
	}
}
