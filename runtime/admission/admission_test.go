package admission

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/warning"
)

func podAttrs(pod *corev1.Pod, op admission.Operation, sub string) admission.Attributes {
	return admission.NewAttributesRecord(pod, nil, corev1.SchemeGroupVersion.WithKind("Pod"), pod.Namespace, pod.Name,
		corev1.SchemeGroupVersion.WithResource("pods"), sub, op, nil, false, nil)
}

func TestHostAccessNeedsTheOptIn(t *testing.T) {
	yes := true
	cases := map[string]struct {
		mutate func(*corev1.Pod)
		want   string
	}{
		"hostNetwork": {func(p *corev1.Pod) { p.Spec.HostNetwork = true }, `pod "p" shares the host's network (hostNetwork) namespace`},
		"hostPID+IPC": {func(p *corev1.Pod) { p.Spec.HostPID, p.Spec.HostIPC = true, true }, `shares the host's PID (hostPID), IPC (hostIPC) namespace`},
		"privileged":  {func(p *corev1.Pod) { p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: &yes} }, `container "c" is privileged`},
		"NET_ADMIN": {func(p *corev1.Pod) {
			p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"NET_ADMIN"}}}
		}, `container "c" adds the capability NET_ADMIN`},
	}
	for name, tc := range cases {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}}
		tc.mutate(pod)
		err := HostAccess{}.Validate(context.Background(), podAttrs(pod, admission.Create, ""), nil)
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "--allow-privileged") {
			t.Errorf("%s: err = %v, want Forbidden containing %q", name, err, tc.want)
		}
		if err := (HostAccess{Allowed: true}).Validate(context.Background(), podAttrs(pod, admission.Create, ""), nil); err != nil {
			t.Errorf("%s with the opt-in: %v", name, err)
		}
	}
}

func TestHostAccessLetsHarmlessPodsThrough(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "c", SecurityContext: &corev1.SecurityContext{Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"NET_BIND_SERVICE", "CAP_KILL"}}},
	}}}}
	if err := (HostAccess{}).Validate(context.Background(), podAttrs(pod, admission.Create, ""), nil); err != nil {
		t.Fatal(err)
	}
}

func TestDefaultTolerationSeconds(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{Tolerations: []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists}}}}
	if err := (DefaultTolerationSeconds{}).Admit(context.Background(), podAttrs(pod, admission.Create, ""), nil); err != nil {
		t.Fatal(err)
	}
	if len(pod.Spec.Tolerations) != 2 || pod.Spec.Tolerations[1].Key != corev1.TaintNodeNotReady ||
		*pod.Spec.Tolerations[1].TolerationSeconds != 300 || pod.Spec.Tolerations[1].Effect != corev1.TaintEffectNoExecute {
		t.Fatalf("tolerations = %+v", pod.Spec.Tolerations)
	}
	wildcard := &corev1.Pod{Spec: corev1.PodSpec{Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}}}
	(DefaultTolerationSeconds{}).Admit(context.Background(), podAttrs(wildcard, admission.Create, ""), nil)
	if len(wildcard.Spec.Tolerations) != 1 {
		t.Fatalf("a pod tolerating everything got %+v", wildcard.Spec.Tolerations)
	}
}

type images map[string]bool

func (i images) ImageStatus(_ context.Context, ref string) (bool, string, int64, error) {
	return i[ref], "", 0, nil
}
func (images) StandIn(ref string) (string, bool) {
	return "podlab/" + ref, ref == "nginx" || ref == "busybox"
}

type recorder struct{ texts []string }

func (r *recorder) AddWarning(_, text string) { r.texts = append(r.texts, text) }

func TestLabNotesWarn(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: "a", Image: "nginx"}, {Name: "b", Image: "busybox"}, {Name: "c", Image: "nginx"}},
		Volumes:    []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/tmp/x"}}}},
	}}
	rec := &recorder{}
	ctx := warning.WithWarningRecorder(context.Background(), rec)
	if err := (LabNotes{Images: images{"busybox": true}}).Validate(ctx, podAttrs(pod, admission.Create, ""), nil); err != nil {
		t.Fatal(err)
	}
	if len(rec.texts) != 2 || !strings.Contains(rec.texts[0], `hostPath volume "data"`) || !strings.Contains(rec.texts[1], `image "nginx" is not on this machine`) {
		t.Fatalf("warnings = %q", rec.texts)
	}
}
