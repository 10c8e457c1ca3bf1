package scheduler

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func term(app string) corev1.PodAffinityTerm {
	return corev1.PodAffinityTerm{
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
		TopologyKey:   "kubernetes.io/hostname",
	}
}

func labelled(name, app string) *corev1.Pod {
	return podWith(func(p *corev1.Pod) { p.Name, p.Labels = name, map[string]string{"app": app} })
}

// The source notes' example: pod-second must not share a node with pod-first.
func TestPodAntiAffinity(t *testing.T) {
	nodes := []*corev1.Node{node("node-1", map[string]string{"kubernetes.io/hostname": "node-1"})}
	first := labelled("pod-first", "myapp")
	second := labelled("pod-second", "backend")
	second.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{term("myapp")}}}
	got, diag := Pick(second, nodes, map[string][]*corev1.Pod{"node-1": {first}})
	if got != nil {
		t.Fatalf("anti-affinity ignored: bound to %s", got.Name)
	}
	if msg := diag.Message(1); !strings.HasPrefix(msg, "0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules.") {
		t.Fatalf("message %q", msg)
	}
	// On a second node (another hostname) it fits.
	nodes = append(nodes, node("node-2", map[string]string{"kubernetes.io/hostname": "node-2"}))
	if got, _ := Pick(second, nodes, map[string][]*corev1.Pod{"node-1": {first}}); got == nil || got.Name != "node-2" {
		t.Fatalf("Pick = %v, want node-2", got)
	}
	// The existing pod's anti-affinity repels a newcomer it selects.
	repel := labelled("loner", "x")
	repel.Spec.Affinity = second.Spec.Affinity
	if _, diag := Pick(labelled("new", "myapp"), nodes[:1], map[string][]*corev1.Pod{"node-1": {repel}}); !strings.Contains(diag.Message(1), "didn't satisfy existing pods anti-affinity rules") {
		t.Fatalf("existing anti-affinity not enforced: %q", diag.Message(1))
	}
}

func TestPodAffinity(t *testing.T) {
	nodes := []*corev1.Node{
		node("node-1", map[string]string{"kubernetes.io/hostname": "node-1"}),
		node("node-2", map[string]string{"kubernetes.io/hostname": "node-2"}),
	}
	follower := labelled("follower", "web")
	follower.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{term("cache")}}}
	if got, _ := Pick(follower, nodes, map[string][]*corev1.Pod{"node-2": {labelled("cache", "cache")}}); got == nil || got.Name != "node-2" {
		t.Fatalf("Pick = %v, want node-2 beside the cache", got)
	}
	if got, diag := Pick(follower, nodes, nil); got != nil || !strings.Contains(diag.Message(2), "2 node(s) didn't match pod affinity rules") {
		t.Fatalf("no cache anywhere: Pick = %v, %q", got, diag.Message(2))
	}
	// The first pod of a group that selects itself may go anywhere.
	self := labelled("cache-1", "cache")
	self.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{term("cache")}}}
	if got, _ := Pick(self, nodes, nil); got == nil {
		t.Fatal("the first pod of a self-affine group was refused")
	}
}
