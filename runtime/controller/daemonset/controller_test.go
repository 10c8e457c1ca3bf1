package daemonset

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/podlab/podlab/internal/kubetest"
	"github.com/podlab/podlab/runtime/events"
	"github.com/podlab/podlab/runtime/labclock"
)

// start runs the API server with the daemon set controller and a stand-in
// for the scheduler and kubelets: a pod is bound to the node its affinity
// names and reported running and ready; a pod being deleted is removed.
func start(t *testing.T) kubernetes.Interface {
	t.Helper()
	old := labclock.Scale()
	labclock.SetScale(0.01)
	t.Cleanup(func() { labclock.SetScale(old) })
	c := kubetest.Start(t, kubetest.Options{}).Client
	factory := informers.NewSharedInformerFactory(c, 0)
	b := events.NewBroadcaster(c)
	dc, err := New(c, factory, WithRecorder(b.Recorder(EventSource, "")))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	factory.Start(ctx.Done())
	done := make(chan struct{}, 2)
	go func() { dc.Run(ctx); done <- struct{}{} }()
	go func() { fakeNodes(ctx, c); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done; factory.Shutdown(); b.Shutdown() })
	return c
}

// fakeNodes binds, readies and removes pods until ctx ends.
func fakeNodes(ctx context.Context, c kubernetes.Interface) {
	pods := c.CoreV1().Pods("default")
	for ctx.Err() == nil {
		list, _ := pods.List(ctx, metav1.ListOptions{})
		if list == nil {
			list = &corev1.PodList{}
		}
		for _, p := range list.Items {
			switch {
			case p.DeletionTimestamp != nil:
				pods.Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: new(int64(0))})
			case p.Spec.NodeName == "":
				if node := targetNode(&p); node != "" {
					pods.Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: p.Name, UID: p.UID}, Target: corev1.ObjectReference{Kind: "Node", Name: node}}, metav1.CreateOptions{})
				}
			case p.Status.Phase == "" || p.Status.Phase == corev1.PodPending:
				p.Status.Phase = corev1.PodRunning
				p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()}}
				pods.UpdateStatus(ctx, &p, metav1.UpdateOptions{})
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func addNode(t *testing.T, c kubernetes.Interface, name string, lbls map[string]string, taints ...corev1.Taint) {
	t.Helper()
	l := map[string]string{"kubernetes.io/hostname": name}
	for k, v := range lbls {
		l[k] = v
	}
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l}, Spec: corev1.NodeSpec{Taints: taints}}
	if _, err := c.CoreV1().Nodes().Create(context.Background(), n, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

var controlPlaneTaint = corev1.Taint{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}

func createDS(t *testing.T, c kubernetes.Interface, mutate ...func(*appsv1.DaemonSet)) *appsv1.DaemonSet {
	t.Helper()
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "default"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "agent"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "agent"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: "busybox:1.35"}}},
			},
		},
	}
	for _, m := range mutate {
		m(ds)
	}
	out, err := c.AppsV1().DaemonSets("default").Create(context.Background(), ds, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func getDS(t *testing.T, c kubernetes.Interface) *appsv1.DaemonSet {
	t.Helper()
	ds, err := c.AppsV1().DaemonSets("default").Get(context.Background(), "agent", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// live maps node to the names of the set's pods there, not being deleted.
func live(t *testing.T, c kubernetes.Interface) map[string][]string {
	t.Helper()
	list, err := c.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "app=agent"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			out[targetNode(&p)] = append(out[targetNode(&p)], p.Name)
		}
	}
	return out
}

func onNodes(t *testing.T, c kubernetes.Interface) []string {
	var nodes []string
	for n, pods := range live(t, c) {
		if len(pods) == 1 {
			nodes = append(nodes, n)
		} else {
			nodes = append(nodes, n+"×"+string(rune('0'+len(pods))))
		}
	}
	sort.Strings(nodes)
	return nodes
}

func eventCount(t *testing.T, c kubernetes.Interface, reason string) int {
	t.Helper()
	sel := fields.Set{"involvedObject.kind": "DaemonSet", "involvedObject.name": "agent", "reason": reason}.AsSelector().String()
	list, err := c.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{FieldSelector: sel})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range list.Items {
		n += int(e.Count)
	}
	return n
}

// One pod per untainted node, made as upstream makes them (matchFields
// affinity, daemon tolerations, hash and generation labels), a revision,
// and the status kubectl rollout status reads.
func TestDaemonSetRunsOnePodPerNode(t *testing.T) {
	c := start(t)
	addNode(t, c, "cp", nil, controlPlaneTaint)
	addNode(t, c, "w1", nil)
	addNode(t, c, "w2", nil)
	ds := createDS(t, c)
	eventually(t, "pods on w1 and w2", func() bool { return slices.Equal(onNodes(t, c), []string{"w1", "w2"}) })
	eventually(t, "status", func() bool {
		st := getDS(t, c).Status
		return st.DesiredNumberScheduled == 2 && st.CurrentNumberScheduled == 2 && st.NumberReady == 2 && st.NumberAvailable == 2 &&
			st.UpdatedNumberScheduled == 2 && st.NumberMisscheduled == 0 && st.NumberUnavailable == 0 && st.ObservedGeneration == ds.Generation
	})
	revs, err := c.AppsV1().ControllerRevisions("default").List(context.Background(), metav1.ListOptions{})
	if err != nil || len(revs.Items) != 1 {
		t.Fatalf("revisions %v, %v; want one", revs, err)
	}
	rev := revs.Items[0]
	hash := rev.Labels[hashLabel]
	if rev.Name != "agent-"+hash || rev.Revision != 1 || !strings.Contains(string(rev.Data.Raw), `"$patch":"replace"`) {
		t.Errorf("revision %s (%d): %s", rev.Name, rev.Revision, rev.Data.Raw)
	}
	list, _ := c.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "app=agent"})
	for _, p := range list.Items {
		if p.Labels[hashLabel] != hash || p.Labels[generationLabel] != "1" || !strings.HasPrefix(p.Name, "agent-") {
			t.Errorf("pod %s labels %v", p.Name, p.Labels)
		}
		terms := p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
		if len(terms) != 1 || len(terms[0].MatchFields) != 1 || terms[0].MatchFields[0].Key != "metadata.name" || terms[0].MatchFields[0].Values[0] != p.Spec.NodeName {
			t.Errorf("pod %s affinity %+v", p.Name, terms)
		}
		var keys []string
		for _, tol := range p.Spec.Tolerations {
			keys = append(keys, tol.Key+":"+string(tol.Effect))
		}
		want := []string{"node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/disk-pressure:NoSchedule",
			"node.kubernetes.io/memory-pressure:NoSchedule", "node.kubernetes.io/pid-pressure:NoSchedule", "node.kubernetes.io/unschedulable:NoSchedule"}
		if !slices.Equal(keys, want) {
			t.Errorf("pod %s tolerations %v, want %v", p.Name, keys, want)
		}
		if ref := metav1.GetControllerOf(&p); ref == nil || ref.UID != ds.UID || ref.Kind != "DaemonSet" {
			t.Errorf("pod %s controller %+v", p.Name, ref)
		}
	}
	eventually(t, "SuccessfulCreate events", func() bool { return eventCount(t, c, "SuccessfulCreate") == 2 })

	// A node added later gets its pod.
	addNode(t, c, "w3", nil)
	eventually(t, "a pod on w3", func() bool { return slices.Equal(onNodes(t, c), []string{"w1", "w2", "w3"}) })
}

// The control plane's taint keeps the set off it unless it tolerates it.
func TestDaemonSetToleratesTaintsItTolerates(t *testing.T) {
	c := start(t)
	addNode(t, c, "cp", nil, controlPlaneTaint)
	addNode(t, c, "w1", nil)
	createDS(t, c, func(ds *appsv1.DaemonSet) {
		ds.Spec.Template.Spec.Tolerations = []corev1.Toleration{{Key: controlPlaneTaint.Key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
	})
	eventually(t, "pods on cp and w1", func() bool { return slices.Equal(onNodes(t, c), []string{"cp", "w1"}) })
}

// A nodeSelector: a node whose label goes loses its pod; misscheduled
// counts such a pod until it is gone.
func TestDaemonSetLeavesANodeLabelledOut(t *testing.T) {
	c := start(t)
	addNode(t, c, "w1", map[string]string{"disk": "ssd"})
	addNode(t, c, "w2", map[string]string{"disk": "ssd"})
	addNode(t, c, "w3", nil)
	createDS(t, c, func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.NodeSelector = map[string]string{"disk": "ssd"} })
	eventually(t, "pods on w1 and w2", func() bool { return slices.Equal(onNodes(t, c), []string{"w1", "w2"}) })
	patch := []byte(`{"metadata":{"labels":{"disk":null}}}`)
	if _, err := c.CoreV1().Nodes().Patch(context.Background(), "w2", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "w2's pod gone", func() bool {
		st := getDS(t, c).Status
		return slices.Equal(onNodes(t, c), []string{"w1"}) && st.DesiredNumberScheduled == 1 && st.NumberMisscheduled == 0
	})
	eventually(t, "SuccessfulDelete", func() bool { return eventCount(t, c, "SuccessfulDelete") == 1 })
}

func setImage(t *testing.T, c kubernetes.Interface, image string) {
	t.Helper()
	ds := getDS(t, c)
	ds.Spec.Template.Spec.Containers[0].Image = image
	if _, err := c.AppsV1().DaemonSets("default").Update(context.Background(), ds, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// RollingUpdate (maxUnavailable 1): a new template replaces every pod, one
// node at a time, under a second revision.
func TestDaemonSetRollingUpdate(t *testing.T) {
	c := start(t)
	for _, n := range []string{"w1", "w2", "w3"} {
		addNode(t, c, n, nil)
	}
	createDS(t, c)
	eventually(t, "3 pods", func() bool { return getDS(t, c).Status.NumberAvailable == 3 })
	setImage(t, c, "busybox:1.36")
	maxDown := 0
	eventually(t, "all updated", func() bool {
		ds := getDS(t, c)
		maxDown = max(maxDown, 3-int(ds.Status.NumberAvailable))
		return ds.Status.ObservedGeneration == ds.Generation && ds.Status.UpdatedNumberScheduled == 3 && ds.Status.NumberAvailable == 3 && len(onNodes(t, c)) == 3
	})
	if maxDown > 1 {
		t.Errorf("%d nodes without an available pod at once, want at most maxUnavailable 1", maxDown)
	}
	list, _ := c.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "app=agent"})
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil && (p.Spec.Containers[0].Image != "busybox:1.36" || p.Labels[generationLabel] != "2") {
			t.Errorf("pod %s: image %s generation %s", p.Name, p.Spec.Containers[0].Image, p.Labels[generationLabel])
		}
	}
	eventually(t, "two revisions", func() bool {
		revs, _ := c.AppsV1().ControllerRevisions("default").List(context.Background(), metav1.ListOptions{})
		return len(revs.Items) == 2
	})
}

func intstrOf(n int) intstr.IntOrString { return intstr.FromInt32(int32(n)) }

// maxSurge 1, maxUnavailable 0: a new pod starts beside the old one, which
// goes once the new one is available (minReadySeconds 100, 1 s scaled).
func TestDaemonSetRollingUpdateWithSurge(t *testing.T) {
	c := start(t)
	addNode(t, c, "w1", nil)
	addNode(t, c, "w2", nil)
	createDS(t, c, func(ds *appsv1.DaemonSet) {
		one, zero := intstrOf(1), intstrOf(0)
		ds.Spec.MinReadySeconds = 100
		ds.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType,
			RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxSurge: &one, MaxUnavailable: &zero}}
	})
	eventually(t, "2 pods", func() bool { return getDS(t, c).Status.NumberAvailable == 2 })
	setImage(t, c, "busybox:1.36")
	sawTwo := false
	eventually(t, "all updated", func() bool {
		for _, n := range onNodes(t, c) {
			sawTwo = sawTwo || strings.Contains(n, "×2")
		}
		ds := getDS(t, c)
		st := ds.Status
		return st.ObservedGeneration == ds.Generation && st.UpdatedNumberScheduled == 2 && st.NumberAvailable == 2 && slices.Equal(onNodes(t, c), []string{"w1", "w2"})
	})
	if !sawTwo {
		t.Errorf("never saw an old and a new pod on one node")
	}
}

// OnDelete: a new template replaces only the pods deleted by hand.
func TestDaemonSetOnDelete(t *testing.T) {
	c := start(t)
	addNode(t, c, "w1", nil)
	addNode(t, c, "w2", nil)
	createDS(t, c, func(ds *appsv1.DaemonSet) {
		ds.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType}
	})
	eventually(t, "2 pods", func() bool { return getDS(t, c).Status.NumberAvailable == 2 })
	before := live(t, c)
	setImage(t, c, "busybox:1.36")
	eventually(t, "observed", func() bool {
		ds := getDS(t, c)
		return ds.Status.ObservedGeneration == ds.Generation && ds.Status.UpdatedNumberScheduled == 0
	})
	time.Sleep(300 * time.Millisecond)
	if after := live(t, c); !slices.Equal(after["w1"], before["w1"]) || !slices.Equal(after["w2"], before["w2"]) {
		t.Fatalf("pods changed under OnDelete: %v → %v", before, after)
	}
	if err := c.CoreV1().Pods("default").Delete(context.Background(), before["w1"][0], metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "w1 replaced with the new template", func() bool {
		st := getDS(t, c).Status
		return st.UpdatedNumberScheduled == 1 && st.NumberAvailable == 2
	})
}

func TestDaemonTolerationsReplaceAndHostNetwork(t *testing.T) {
	spec := corev1.PodSpec{HostNetwork: true, Tolerations: []corev1.Toleration{{
		Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: new(int64(300))}}}
	daemonTolerations(&spec)
	if len(spec.Tolerations) != 7 || spec.Tolerations[0].TolerationSeconds != nil {
		t.Errorf("tolerations %+v: want 7, not-ready without tolerationSeconds", spec.Tolerations)
	}
	if last := spec.Tolerations[6]; last.Key != corev1.TaintNodeNetworkUnavailable || last.Effect != corev1.TaintEffectNoSchedule {
		t.Errorf("hostNetwork toleration %+v", last)
	}
	a := nodeAffinityFor(&corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "a", Operator: corev1.NodeSelectorOpExists}}}}}}}, "n1")
	if terms := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms; len(terms) != 1 || len(terms[0].MatchExpressions) != 0 || terms[0].MatchFields[0].Values[0] != "n1" {
		t.Errorf("affinity terms %+v, want only matchFields n1", terms)
	}
}
