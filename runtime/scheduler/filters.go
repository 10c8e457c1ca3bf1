package scheduler

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	v1helper "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"
)

// Diagnosis counts, per reason, the nodes a pod did not fit.
type Diagnosis map[string]int

// Message renders upstream's FailedScheduling text, e.g.
// "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.
// preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
// Reasons are sorted, as kube-scheduler's FitError sorts them. The lab never
// preempts, so every node counts as one where preemption does not help.
func (d Diagnosis) Message(total int) string {
	if total == 0 {
		return "no nodes available to schedule pods"
	}
	parts := make([]string, 0, len(d))
	for reason, n := range d {
		parts = append(parts, fmt.Sprintf("%d %s", n, reason))
	}
	sort.Strings(parts)
	return fmt.Sprintf("0/%d nodes are available: %s. preemption: 0/%d nodes are available: %d Preemption is not helpful for scheduling.",
		total, strings.Join(parts, ", "), total, total)
}

// Upstream filter reasons (pkg/scheduler/framework/plugins/...).
const (
	reasonUnschedulable = "node(s) were unschedulable"
	reasonNodeName      = "node(s) didn't match the requested node name"
	reasonAffinity      = "node(s) didn't match Pod's node affinity/selector"
	reasonTooManyPods   = "Too many pods"
)

// Pick returns the first node (by name) that fits pod, or nil and why none did.
// assigned holds the pods already bound to each node.
func Pick(pod *corev1.Pod, nodes []*corev1.Node, assigned map[string][]*corev1.Pod) (*corev1.Node, Diagnosis) {
	sorted := append([]*corev1.Node(nil), nodes...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	byName := map[string]*corev1.Node{}
	for _, n := range sorted {
		byName[n.Name] = n
	}
	var others []placed
	for name, pods := range assigned {
		if n := byName[name]; n != nil {
			for _, p := range pods {
				others = append(others, placed{p, n})
			}
		}
	}
	diag := Diagnosis{}
	for _, n := range sorted {
		reasons := fit(pod, n, assigned[n.Name])
		if len(reasons) == 0 {
			// InterPodAffinity runs after the node's own filters, as upstream orders them.
			reasons = interPodFit(pod, n, others)
		}
		if len(reasons) > 0 {
			for _, r := range reasons {
				diag[r]++
			}
			continue
		}
		return n, nil
	}
	return nil, diag
}

// fit runs the default filters in kube-scheduler's order and returns the
// reasons of the first failing filter (none when the node fits).
func fit(pod *corev1.Pod, node *corev1.Node, assigned []*corev1.Pod) []string {
	// NodeUnschedulable: tolerated only by a toleration of the unschedulable taint.
	if node.Spec.Unschedulable && !toleratesUnschedulable(pod) {
		return []string{reasonUnschedulable}
	}
	// NodeName
	if pod.Spec.NodeName != "" && pod.Spec.NodeName != node.Name {
		return []string{reasonNodeName}
	}
	// TaintToleration: NoSchedule and NoExecute taints must be tolerated.
	taint, untolerated := v1helper.FindMatchingUntoleratedTaint(klog.Background(), node.Spec.Taints, pod.Spec.Tolerations, func(t *corev1.Taint) bool {
		return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
	}, false)
	if untolerated {
		return []string{fmt.Sprintf("node(s) had untolerated taint {%s: %s}", taint.Key, taint.Value)}
	}
	// NodeAffinity: nodeSelector and requiredDuringSchedulingIgnoredDuringExecution.
	if ok, _ := nodeaffinity.GetRequiredNodeAffinity(pod).Match(node); !ok {
		return []string{reasonAffinity}
	}
	// NodeResourcesFit
	return resourcesFit(pod, node, assigned)
}

func toleratesUnschedulable(pod *corev1.Pod) bool {
	t := &corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}
	for _, tol := range pod.Spec.Tolerations {
		if tol.ToleratesTaint(klog.Background(), t, false) {
			return true
		}
	}
	return false
}

// resourcesFit checks pod count, CPU and memory requests against the node's
// allocatable, as NodeResourcesFit does ("Insufficient cpu", "Insufficient memory").
func resourcesFit(pod *corev1.Pod, node *corev1.Node, assigned []*corev1.Pod) []string {
	alloc := node.Status.Allocatable
	if maxPods, ok := alloc[corev1.ResourcePods]; ok && int64(len(assigned)+1) > maxPods.Value() {
		return []string{reasonTooManyPods}
	}
	want := Requests(pod)
	var insufficient []string
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req := want[name]
		if req.IsZero() {
			continue
		}
		capacity, ok := alloc[name]
		if !ok {
			continue
		}
		used := resource.Quantity{}
		for _, p := range assigned {
			q := Requests(p)[name]
			used.Add(q)
		}
		used.Add(req)
		if used.Cmp(capacity) > 0 {
			insufficient = append(insufficient, "Insufficient "+string(name))
		}
	}
	// Upstream counts each insufficient resource as its own reason.
	return insufficient
}

// Requests sums a pod's effective requests: the sum of its app containers, or
// the largest init container if that is larger (upstream's PodRequests rule
// without sidecars or overhead).
func Requests(pod *corev1.Pod) corev1.ResourceList {
	sum := corev1.ResourceList{}
	for _, c := range pod.Spec.Containers {
		for name, q := range c.Resources.Requests {
			cur := sum[name]
			cur.Add(q)
			sum[name] = cur
		}
	}
	for _, c := range pod.Spec.InitContainers {
		for name, q := range c.Resources.Requests {
			if cur, ok := sum[name]; !ok || q.Cmp(cur) > 0 {
				sum[name] = q.DeepCopy()
			}
		}
	}
	return sum
}
