package kubectl

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// describe deploy finds the Deployment's ReplicaSets as kubectl does: the
// one whose template is the Deployment's (but for pod-template-hash) is
// new, the other owned ones old; one it does not control is neither.
// describe rs counts only the pods the ReplicaSet controls.
func TestDescribeFetchesWhatTheWorkloadPagesShow(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	tmpl := func(image, hash string) corev1.PodTemplateSpec {
		l := map[string]string{"app": "web"}
		if hash != "" {
			l["pod-template-hash"] = hash
		}
		return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: l},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: image}}}}
	}
	two := int32(2)
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	d, err := h.Kube.AppsV1().Deployments("default").Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{Replicas: &two, Selector: sel, Template: tmpl("nginx:1.27", "")}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref := []metav1.OwnerReference{*metav1.NewControllerRef(d, appsv1.SchemeGroupVersion.WithKind("Deployment"))}
	var rsUID string
	for _, rs := range []struct {
		name, image string
		owned       bool
	}{{"web-old", "nginx:1.26", true}, {"web-new", "nginx:1.27", true}, {"web-stray", "nginx:1.27", false}} {
		pt := tmpl(rs.image, strings.TrimPrefix(rs.name, "web-"))
		// Listed by the Deployment's selector, as upstream lists them.
		r := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: rs.name, Labels: pt.Labels},
			Spec: appsv1.ReplicaSetSpec{Replicas: &two, Selector: sel, Template: pt}}
		if rs.owned {
			r.OwnerReferences = ref
		}
		created, err := h.Kube.AppsV1().ReplicaSets("default").Create(ctx, r, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rs.name == "web-new" {
			rsUID = string(created.UID)
		}
	}
	out, errOut, code := h.Run("", "describe", "deploy", "web")
	if code != 0 {
		t.Fatal(errOut)
	}
	for _, want := range []string{"OldReplicaSets:    web-old (0/2 replicas created)\n", "NewReplicaSet:     web-new (0/2 replicas created)\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	// Two pods of web-new, one of nobody's: Pods Status counts two.
	for i, owner := range []string{rsUID, rsUID, ""} {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p" + string(rune('0'+i)), Labels: map[string]string{"app": "web"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}}
		if owner != "" {
			p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-new", UID: types.UID(owner), Controller: new(true)}}
		}
		if _, err := h.Kube.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	out, _, _ = h.Run("", "describe", "rs", "web-new")
	if !strings.Contains(out, "Pods Status:    0 Running / 2 Waiting / 0 Succeeded / 0 Failed\n") || !strings.Contains(out, "Pod Template:\n") {
		t.Errorf("describe rs printed\n%s", out)
	}
}
