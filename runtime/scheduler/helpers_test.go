package scheduler

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// node is a node of 2 CPUs, 4Gi and 110 pods with labels (its hostname
// label added) and taints.
func node(name string, labels map[string]string, taints ...corev1.Taint) *corev1.Node {
	l := map[string]string{corev1.LabelHostname: name}
	for k, v := range labels {
		l[k] = v
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l},
		Spec:       corev1.NodeSpec{Taints: taints},
		Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("2"),
			corev1.ResourceMemory: resource.MustParse("4Gi"),
			corev1.ResourcePods:   resource.MustParse("110"),
		}},
	}
}

func podWith(mutate func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "uid-web"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
	}
	if mutate != nil {
		mutate(p)
	}
	return p
}

// labelled is a pod named name with the label app=app.
func labelled(name, app string) *corev1.Pod {
	return podWith(func(p *corev1.Pod) {
		p.Name, p.UID, p.Labels = name, types.UID("uid-"+name), map[string]string{"app": app}
	})
}

// on binds p to node.
func on(node string, p *corev1.Pod) *corev1.Pod {
	p = p.DeepCopy()
	p.Spec.NodeName = node
	return p
}

func requests(cpu, mem string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		rl := corev1.ResourceList{}
		if cpu != "" {
			rl[corev1.ResourceCPU] = resource.MustParse(cpu)
		}
		if mem != "" {
			rl[corev1.ResourceMemory] = resource.MustParse(mem)
		}
		p.Spec.Containers[0].Resources.Requests = rl
	}
}

func cluster(nodes []*corev1.Node, pods ...*corev1.Pod) Cluster {
	return Cluster{Nodes: nodes, Pods: pods}
}

// result is the named node's part in d.
func result(t testing.TB, d *Decision, name string) NodeResult {
	t.Helper()
	for _, r := range d.Nodes {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no node %s in the decision", name)
	return NodeResult{}
}

// score is plugin's normalised score of the named node in d.
func score(t testing.TB, d *Decision, nodeName, plugin string) PluginScore {
	t.Helper()
	for _, ps := range result(t, d, nodeName).Scores {
		if ps.Plugin == plugin {
			return ps
		}
	}
	t.Fatalf("no %s score for %s", plugin, nodeName)
	return PluginScore{}
}

// verdicts renders each node's outcome for compact comparisons:
// "node-1: TaintToleration node(s) had untolerated taint(s)" or "node-2: fits".
func verdicts(d *Decision) string {
	var b strings.Builder
	for _, r := range d.Nodes {
		b.WriteString(r.Name + ": ")
		if r.Feasible() {
			b.WriteString("fits")
		} else {
			b.WriteString(r.Plugin + " " + strings.Join(r.Reasons, "; "))
		}
		b.WriteString("\n")
	}
	return b.String()
}
