//go:build unix

package scheduler

import (
	"context"
	"fmt"
	"strconv"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/labclock"
)

// cpuTime is the CPU this process (API server, scheduler and all) has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkIdleUnschedulable measures what ten pods that fit nowhere cost
// the control plane (the real API server and the scheduler) while nothing
// else happens: writes per second (resourceVersion steps) and CPU
// milliseconds per second. Each iteration is one second;
// -benchtime=10x watches for ten.
func BenchmarkIdleUnschedulable(b *testing.B) {
	old := labclock.Scale()
	labclock.SetScale(1) // the periodic retry every 30 s is part of the figure
	b.Cleanup(func() { labclock.SetScale(old) })
	c, _ := startAPI(b)
	createNode(b, c, node("node-1", nil))
	for i := 0; i < 10; i++ {
		createPod(b, c, podWith(func(p *corev1.Pod) { wantsSSD(p); p.Name = fmt.Sprintf("web-%d", i) }))
	}
	eventually(b, "all reported", func() bool {
		for i := 0; i < 10; i++ {
			if len(eventsAbout(b, c, fmt.Sprintf("web-%d", i), "FailedScheduling")) != 1 {
				return false
			}
		}
		return true
	})
	rv := func() uint64 {
		n, err := strconv.ParseUint(currentRV(b, c), 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	startRV, startCPU, start := rv(), cpuTime(), time.Now()
	for b.Loop() {
		time.Sleep(time.Second)
	}
	// Reading the resourceVersion is itself a little work; it writes nothing.
	secs := time.Since(start).Seconds()
	b.ReportMetric(float64(rv()-startRV)/secs, "writes/s")
	b.ReportMetric(float64((cpuTime()-startCPU).Milliseconds())/secs, "cpu-ms/s")
}

// BenchmarkSchedulingAPI measures scheduling end to end on the real API
// server: b.N pods created over 50 nodes, from the informers' events to the
// bindings (ns/op is per pod; the loopback client's 200 QPS, shared by the
// test's creates, the bindings and the events, is the ceiling).
func BenchmarkSchedulingAPI(b *testing.B) {
	c, s := startAPI(b)
	for i := 0; i < 50; i++ {
		n := node(fmt.Sprintf("node-%02d", i), map[string]string{"zone": strconv.Itoa(i % 3)})
		n.Status.Allocatable[corev1.ResourcePods] = resource.MustParse("1000000")
		createNode(b, c, n)
	}
	eventually(b, "nodes seen", func() bool { n, _ := s.nodes.List(labels.Everything()); return len(n) == 50 })
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		createPod(b, c, podWith(func(p *corev1.Pod) {
			p.Name = fmt.Sprintf("p-%d", i)
			p.Spec.NodeSelector = map[string]string{"zone": strconv.Itoa(i % 3)}
		}))
	}
	eventually(b, "all bound", func() bool {
		pods, _ := s.pods.List(labels.Everything())
		bound := 0
		for _, p := range pods {
			if p.Spec.NodeName != "" {
				bound++
			}
		}
		return bound == b.N
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pods/s")
}

// BenchmarkDecisions measures the scheduler's own work per pod (listers,
// room on each node, filters, binding call, assuming) with the API taken
// out: 2000 pending pods over 50 nodes, the binding a no-op.
func BenchmarkDecisions(b *testing.B) {
	objs := make([]runtime.Object, 0, 2050)
	for i := 0; i < 50; i++ {
		n := node(fmt.Sprintf("node-%02d", i), map[string]string{"zone": strconv.Itoa(i % 3)})
		n.Status.Allocatable[corev1.ResourcePods] = resource.MustParse("1000000")
		objs = append(objs, n)
	}
	keys := make([]string, 2000)
	for i := range keys {
		p := pendingPod(fmt.Sprintf("p-%d", i), func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"zone": strconv.Itoa(i % 3)} })
		objs = append(objs, p)
		keys[i] = key(p)
	}
	c := fake.NewClientset(objs...)
	c.PrependReactor("create", "pods", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, nil })
	factory := informers.NewSharedInformerFactory(c, 0)
	s, err := New(c, factory, &recorder{})
	if err != nil {
		b.Fatal(err)
	}
	s.recorder = nopRecorder{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%len(keys) == 0 {
			s.mu.Lock()
			s.assumed = map[types.UID]*corev1.Pod{} // start over on empty nodes
			s.mu.Unlock()
		}
		if err := s.scheduleOne(ctx, keys[i%len(keys)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

type nopRecorder struct{}

func (nopRecorder) Event(api.Object, string, string, string, string) {}

// BenchmarkDecide measures one decision: 100 nodes holding 1000 pods.
func BenchmarkDecide(b *testing.B) {
	nodes := make([]*corev1.Node, 100)
	var pods []*corev1.Pod
	for i := range nodes {
		nodes[i] = node(fmt.Sprintf("node-%03d", i), nil)
		for j := 0; j < 10; j++ {
			pods = append(pods, on(nodes[i].Name, labelled(fmt.Sprintf("p-%d-%d", i, j), "other")))
		}
	}
	// Only the last node fits, so every node is filtered.
	pod := podWith(func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{corev1.LabelHostname: "node-099"} })
	cl := cluster(nodes, pods...)
	for b.Loop() {
		if d := Decide(pod, cl); d.Node == "" {
			b.Fatal("no node")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

// affinityPod is pod i of the affinity benchmark: app-(i%20), kept off the
// hosts of its own app (required anti-affinity), drawn to the zone of the
// next app (preferred pod affinity), required in zones 0-3 and preferring
// ssd nodes (node affinity).
func affinityPod(i int) *corev1.Pod {
	app := fmt.Sprintf("app-%d", i%20)
	return pendingPod(fmt.Sprintf("p-%04d", i), func(p *corev1.Pod) {
		p.Labels = map[string]string{"app": app}
		p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")}
		p.Spec.Affinity = &corev1.Affinity{
			NodeAffinity: &corev1.NodeAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{
					expr(corev1.LabelTopologyZone, corev1.NodeSelectorOpIn, "zone-0", "zone-1", "zone-2", "zone-3")}},
				PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{
					{Weight: 5, Preference: expr("disktype", corev1.NodeSelectorOpIn, "ssd")}},
			},
			PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{term(app)}},
			PodAffinity: &corev1.PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: weighted(10,
				termOn(fmt.Sprintf("app-%d", (i+1)%20), corev1.LabelTopologyZone))},
		}
	})
}

func affinityNodes() []*corev1.Node {
	nodes := make([]*corev1.Node, 100)
	for i := range nodes {
		labels := map[string]string{corev1.LabelTopologyZone: fmt.Sprintf("zone-%d", i%5)}
		if i%3 == 0 {
			labels["disktype"] = "ssd"
		}
		nodes[i] = node(fmt.Sprintf("node-%03d", i), labels)
	}
	return nodes
}

// BenchmarkDecisionsWithAffinity measures the scheduler's decisions for
// 1000 pods over 100 nodes with affinity rules (affinityPod), the cluster
// filling up as they are placed: every filter and score plugin at work,
// from the listers to the binding (a no-op here) and the recorded
// explanation. ns/op is per decision; decisions/s is the figure.
func BenchmarkDecisionsWithAffinity(b *testing.B) {
	objs := make([]runtime.Object, 0, 1100)
	for _, n := range affinityNodes() {
		objs = append(objs, n)
	}
	keys := make([]string, 1000)
	for i := range keys {
		p := affinityPod(i)
		objs = append(objs, p)
		keys[i] = key(p)
	}
	c := fake.NewClientset(objs...)
	c.PrependReactor("create", "pods", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, nil })
	factory := informers.NewSharedInformerFactory(c, 0)
	s, err := New(c, factory, &recorder{})
	if err != nil {
		b.Fatal(err)
	}
	s.recorder = nopRecorder{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	startCPU := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%len(keys) == 0 {
			s.mu.Lock()
			s.assumed = map[types.UID]*corev1.Pod{} // start over on empty nodes
			s.mu.Unlock()
		}
		if err := s.scheduleOne(ctx, keys[i%len(keys)]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if placed := len(s.assumed); placed != (b.N-1)%len(keys)+1 {
		b.Fatalf("%d pods placed, want %d: every pod fits", placed, (b.N-1)%len(keys)+1)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
	// CPU time is steadier than wall time on a busy machine.
	b.ReportMetric(float64((cpuTime()-startCPU).Microseconds())/float64(b.N), "cpu-µs/decision")
}

// BenchmarkDecideWithAffinity is one decision of the above on a full
// cluster (1000 pods bound), the algorithm alone.
func BenchmarkDecideWithAffinity(b *testing.B) {
	nodes := affinityNodes()
	var bound []*corev1.Pod
	for i := 0; i < 1000; i++ {
		p := affinityPod(i)
		d := Decide(p, cluster(nodes, bound...))
		if d.Node == "" {
			b.Fatalf("pod %d: %s", i, d.Message)
		}
		bound = append(bound, on(d.Node, p))
	}
	s := newSnapshot(cluster(nodes, bound...), newPodInfoCache())
	pod := affinityPod(1000)
	info := newPodInfo(pod)
	for b.Loop() {
		if d := decide(pod, info, s); d.Node == "" {
			b.Fatal(d.Message)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}
