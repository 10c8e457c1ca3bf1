package kubectl

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"

	"github.com/podlab/podlab/runtime/controller/deployment"
)

func TestCreateDeploymentScaleAndSetImage(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if out, errOut, code := h.Run("", "create", "deployment", "web", "--image=nginx", "--replicas=3", "--port=80"); code != 0 || out != "deployment.apps/web created\n" {
		t.Fatalf("create deployment: %q %q %d", out, errOut, code)
	}
	d, err := h.Kube.AppsV1().Deployments("default").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := d.Spec.Template.Spec.Containers
	if *d.Spec.Replicas != 3 || d.Labels["app"] != "web" || d.Spec.Selector.MatchLabels["app"] != "web" || d.Spec.Template.Labels["app"] != "web" ||
		len(c) != 1 || c[0].Name != "nginx" || c[0].Image != "nginx" || len(c[0].Ports) != 1 || c[0].Ports[0].ContainerPort != 80 {
		t.Fatalf("deployment %+v", d.Spec)
	}
	if out, errOut, code := h.Run("", "scale", "deployment/web", "--replicas=5"); code != 0 || out != "deployment.apps/web scaled\n" {
		t.Fatalf("scale: %q %q %d", out, errOut, code)
	}
	if d, _ = h.Kube.AppsV1().Deployments("default").Get(ctx, "web", metav1.GetOptions{}); *d.Spec.Replicas != 5 {
		t.Fatalf("replicas %d after scale", *d.Spec.Replicas)
	}
	if _, errOut, code := h.Run("", "scale", "deployment", "web", "--current-replicas=2", "--replicas=1"); code == 0 || !strings.Contains(errOut, "Expected replicas to be 2, was 5") {
		t.Fatalf("scale with a failed precondition: %q %d", errOut, code)
	}
	if _, errOut, code := h.Run("", "scale", "deployment/web"); code == 0 || !strings.Contains(errOut, "The --replicas=COUNT flag is required") {
		t.Fatalf("scale without replicas: %q %d", errOut, code)
	}
	if out, errOut, code := h.Run("", "set", "image", "deployment/web", "nginx=busybox:1.35"); code != 0 || out != "deployment.apps/web image updated\n" {
		t.Fatalf("set image: %q %q %d", out, errOut, code)
	}
	if out, _, code := h.Run("", "set", "image", "deployment/web", "nginx=busybox:1.35"); code != 0 || out != "" {
		t.Fatalf("set image unchanged: %q %d", out, code)
	}
	if _, errOut, code := h.Run("", "set", "image", "deployment/web", "nope=x"); code == 0 || !strings.Contains(errOut, `unable to find container named "nope"`) {
		t.Fatalf("set image of a missing container: %q %d", errOut, code)
	}
	rc := &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: "old"},
		Spec: corev1.ReplicationControllerSpec{Selector: map[string]string{"app": "old"}, Template: &corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "old"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
		}},
	}
	if _, err := h.Kube.CoreV1().ReplicationControllers("default").Create(ctx, rc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := h.Run("", "scale", "rc", "old", "--replicas=2"); code != 0 || out != "replicationcontroller/old scaled\n" {
		t.Fatalf("scale rc: %q %q %d", out, errOut, code)
	}
	if rc, _ = h.Kube.CoreV1().ReplicationControllers("default").Get(ctx, "old", metav1.GetOptions{}); *rc.Spec.Replicas != 2 {
		t.Fatalf("rc replicas %d", *rc.Spec.Replicas)
	}
}

// rolloutLab runs the deployment controller on the harness's API, and
// plays the ReplicaSet controller: every replica set's replicas are
// reported ready and available.
func rolloutLab(t *testing.T) *harness {
	h := newHarness(t)
	factory := informers.NewSharedInformerFactory(h.Kube, 0)
	ctrl, err := deployment.New(h.Kube, factory)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	factory.Start(ctx.Done())
	done := make(chan struct{})
	go func() { defer close(done); ctrl.Run(ctx) }()
	go func() {
		for ctx.Err() == nil {
			list, err := h.Kube.AppsV1().ReplicaSets("default").List(ctx, metav1.ListOptions{})
			if err == nil {
				for _, rs := range list.Items {
					n := *rs.Spec.Replicas
					if rs.Status.Replicas != n || rs.Status.AvailableReplicas != n || rs.Status.ObservedGeneration != rs.Generation {
						rs.Status = appsv1.ReplicaSetStatus{Replicas: n, FullyLabeledReplicas: n, ReadyReplicas: n, AvailableReplicas: n, ObservedGeneration: rs.Generation}
						h.Kube.AppsV1().ReplicaSets("default").UpdateStatus(ctx, &rs, metav1.UpdateOptions{})
					}
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	t.Cleanup(func() { cancel(); <-done; factory.Shutdown() })
	return h
}

func TestRolloutStatusHistoryAndUndo(t *testing.T) {
	h := rolloutLab(t)
	h.Run("", "create", "deployment", "web", "--image=nginx", "--replicas=2")
	out, errOut, code := h.Run("", "rollout", "status", "deployment/web", "--timeout=20s")
	if code != 0 || !strings.HasSuffix(out, "deployment \"web\" successfully rolled out\n") {
		t.Fatalf("rollout status: %q %q %d", out, errOut, code)
	}
	h.Run("", "set", "image", "deployment/web", "nginx=busybox:1.35")
	out, errOut, code = h.Run("", "rollout", "status", "deployment/web", "--timeout=20s")
	if code != 0 || !strings.HasSuffix(out, "deployment \"web\" successfully rolled out\n") {
		t.Fatalf("rollout status: %q %q %d", out, errOut, code)
	}
	if out, _, _ := h.Run("", "rollout", "history", "deployment/web"); out != "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n" {
		t.Fatalf("history: %q", out)
	}
	out, _, _ = h.Run("", "rollout", "history", "deployment/web", "--revision=2")
	if !strings.HasPrefix(out, "deployment.apps/web with revision #2\nPod Template:\n  Labels:\tapp=web\n\tpod-template-hash=") ||
		!strings.Contains(out, "  Containers:\n   nginx:\n    Image:\tbusybox:1.35\n    Port:\t<none>\n    Host Port:\t<none>\n    Environment:\t<none>\n    Mounts:\t<none>\n  Volumes:\t<none>\n  Node-Selectors:\t<none>\n  Tolerations:\t<none>\n") {
		t.Fatalf("history of revision 2: %q", out)
	}
	if out, errOut, code := h.Run("", "rollout", "undo", "deployment/web"); code != 0 || out != "deployment.apps/web rolled back\n" {
		t.Fatalf("undo: %q %q %d", out, errOut, code)
	}
	h.Run("", "rollout", "status", "deployment/web", "--timeout=20s")
	d, err := h.Kube.AppsV1().Deployments("default").Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if img := d.Spec.Template.Spec.Containers[0].Image; img != "nginx" || d.Annotations["deployment.kubernetes.io/revision"] != "3" {
		t.Fatalf("after undo: image %s revision %q", img, d.Annotations["deployment.kubernetes.io/revision"])
	}
	if out, _, _ := h.Run("", "rollout", "history", "deploy", "web"); out != "deployment.apps/web \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n" {
		t.Fatalf("history after undo: %q", out)
	}
	if out, _, _ := h.Run("", "rollout", "undo", "deployment/web", "--to-revision=3"); out != "deployment.apps/web skipped rollback (current template already matches revision 3)\n" {
		t.Fatalf("undo to the current revision: %q", out)
	}
	if _, errOut, code := h.Run("", "rollout", "undo", "deployment/web", "--to-revision=9"); code == 0 || !strings.Contains(errOut, "unable to find specified revision 9 in history") {
		t.Fatalf("undo to a missing revision: %q", errOut)
	}
}

func TestRolloutPauseResumeRestart(t *testing.T) {
	h := rolloutLab(t)
	h.Run("", "create", "deployment", "web", "--image=nginx")
	h.Run("", "rollout", "status", "deployment/web", "--timeout=20s")
	h.Run("", "set", "image", "deployment/web", "nginx=busybox:1.35")
	h.Run("", "rollout", "status", "deployment/web", "--timeout=20s")
	for _, step := range []struct{ args, out, errOut string }{
		{"rollout pause deployment/web", "deployment.apps/web paused\n", ""},
		{"rollout pause deployment/web", "deployment.apps/web already paused\n", ""},
		{"rollout undo deployment/web", "", "you cannot rollback a paused deployment"},
		{"rollout restart deployment/web", "", "can't restart paused deployment (run rollout resume first)"},
		{"rollout resume deployment/web", "deployment.apps/web resumed\n", ""},
		{"rollout resume deployment/web", "deployment.apps/web already resumed\n", ""},
		{"rollout restart deployment/web", "deployment.apps/web restarted\n", ""},
	} {
		out, errOut, _ := h.Run("", strings.Fields(step.args)...)
		if out != step.out || !strings.Contains(errOut, step.errOut) {
			t.Fatalf("%s: %q %q", step.args, out, errOut)
		}
	}
	d, _ := h.Kube.AppsV1().Deployments("default").Get(context.Background(), "web", metav1.GetOptions{})
	if _, err := time.Parse(time.RFC3339, d.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"]); err != nil || d.Spec.Paused {
		t.Fatalf("after restart: paused %v annotations %v", d.Spec.Paused, d.Spec.Template.Annotations)
	}
}
