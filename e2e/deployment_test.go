package e2e

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/internal/clientbin"
)

// waitRolledOut runs `podlab rollout status` until the deployment is rolled out.
func (l *lab) waitRolledOut(name string) string {
	l.t.Helper()
	out := l.mustRun("rollout", "status", "deployment/"+name, "--timeout=2m")
	if !strings.HasSuffix(out, "deployment \""+name+"\" successfully rolled out\n") {
		l.t.Fatalf("rollout status printed\n%s", out)
	}
	return out
}

// allImage: n pods, running and ready, all of the image, all of one replica set.
func allImage(n int, image string) func([]corev1.Pod) bool {
	ready := runningReady(n)
	return func(pods []corev1.Pod) bool {
		if !ready(pods) {
			return false
		}
		for _, p := range pods {
			if p.Spec.Containers[0].Image != image || p.Labels["pod-template-hash"] != pods[0].Labels["pod-template-hash"] {
				return false
			}
		}
		return true
	}
}

// TestDeploymentRollout rolls a deployment of three nginx out, updates its
// image, and undoes it, with podlab's verbs; podlab's rollout history and
// real kubectl 1.37's print the same.
func TestDeploymentRollout(t *testing.T) {
	bin := clientbin.Kubectl(t)
	l := newLab(t)
	k := newKubectl(t, l, bin)

	if out := l.mustRun("create", "deployment", "web", "--image=nginx", "--replicas=3"); out != "deployment.apps/web created\n" {
		t.Fatalf("create deployment printed %q", out)
	}
	// podlab's create deployment makes what kubectl's does.
	k.want(t, 0, "deployment.apps/kweb created\n", "create", "deployment", "kweb", "--image=busybox:1.35", "--port=8080", "--", "sleep", "3600")
	l.mustRun("create", "deployment", "pweb", "--image=busybox:1.35", "--port=8080", "--", "sleep", "3600")
	const fields = "{.metadata.labels.app} {.spec.replicas} {.spec.selector.matchLabels.app} {.spec.template.metadata.labels.app} {.spec.template.spec.containers}"
	theirs := strings.ReplaceAll(k.jsonpath(t, fields, "deployment", "kweb"), "kweb", "NAME")
	ours := strings.ReplaceAll(k.jsonpath(t, fields, "deployment", "pweb"), "pweb", "NAME")
	if ours != theirs {
		t.Errorf("create deployment: podlab made\n%s\nkubectl\n%s", ours, theirs)
	}
	l.mustRun("delete", "deployment", "kweb", "pweb")
	l.waitRolledOut("web")
	first := l.waitSelected("web", "running nginx", allImage(3, "nginx"))
	hash := first[0].Labels["pod-template-hash"]
	if ref := first[0].OwnerReferences; len(ref) != 1 || ref[0].Kind != "ReplicaSet" || ref[0].Name != "web-"+hash {
		t.Fatalf("pod owner %v, want replica set web-%s", ref, hash)
	}

	if out := l.mustRun("set", "image", "deployment/web", "nginx=nginx:1.25"); out != "deployment.apps/web image updated\n" {
		t.Fatalf("set image printed %q", out)
	}
	l.waitRolledOut("web")
	second := l.waitSelected("web", "running nginx:1.25", allImage(3, "nginx:1.25"))
	if second[0].Labels["pod-template-hash"] == hash {
		t.Fatalf("the new pods have the old template hash %s", hash)
	}

	const twoRevisions = "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n"
	if out := l.mustRun("rollout", "history", "deployment/web"); out != twoRevisions {
		t.Errorf("podlab rollout history printed\n%q\nwant\n%q", out, twoRevisions)
	}
	if out := k.ok(t, "rollout", "history", "deployment/web"); out != twoRevisions {
		t.Errorf("kubectl rollout history printed\n%q\nwant\n%q", out, twoRevisions)
	}
	for _, rev := range []string{"1", "2"} {
		ours := l.mustRun("rollout", "history", "deployment/web", "--revision="+rev)
		theirs := k.ok(t, "rollout", "history", "deployment/web", "--revision="+rev)
		if ours != theirs {
			t.Errorf("rollout history --revision=%s: podlab printed\n%q\nkubectl\n%q", rev, ours, theirs)
		}
	}

	if out := l.mustRun("rollout", "undo", "deployment/web"); out != "deployment.apps/web rolled back\n" {
		t.Fatalf("rollout undo printed %q", out)
	}
	l.waitRolledOut("web")
	back := l.waitSelected("web", "running nginx again", allImage(3, "nginx"))
	if back[0].Labels["pod-template-hash"] != hash {
		t.Errorf("undo made pods of hash %s, want the first replica set's %s", back[0].Labels["pod-template-hash"], hash)
	}
	const afterUndo = "deployment.apps/web \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n"
	if ours, theirs := l.mustRun("rollout", "history", "deployment/web"), k.ok(t, "rollout", "history", "deployment/web"); ours != afterUndo || theirs != afterUndo {
		t.Errorf("history after undo: podlab\n%q\nkubectl\n%q\nwant\n%q", ours, theirs, afterUndo)
	}

	// Real kubectl's own undo (its JSON patch of the template) and status.
	if out := k.ok(t, "rollout", "undo", "deployment/web", "--to-revision=2"); out != "deployment.apps/web rolled back\n" {
		t.Fatalf("kubectl rollout undo printed %q", out)
	}
	if out := k.ok(t, "rollout", "status", "deployment/web", "--timeout=2m"); !strings.HasSuffix(out, "deployment \"web\" successfully rolled out\n") {
		t.Fatalf("kubectl rollout status printed\n%s", out)
	}
	l.waitSelected("web", "running nginx:1.25 again", allImage(3, "nginx:1.25"))

	if out := l.mustRun("scale", "deployment/web", "--replicas=1"); out != "deployment.apps/web scaled\n" {
		t.Fatalf("scale printed %q", out)
	}
	l.waitSelected("web", "scaled to 1", allImage(1, "nginx:1.25"))

	deadline := time.Now().Add(30 * time.Second)
	for {
		ev := l.mustRun("get", "events")
		if strings.Contains(ev, "Scaled up replica set web-"+hash+" from 0 to 3") && strings.Contains(ev, "from 3 to 1") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ScalingReplicaSet events in\n%s", ev)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
