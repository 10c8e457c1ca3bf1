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
			s.assumed = map[string]*corev1.Pod{} // start over on empty nodes
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

// BenchmarkPick measures one decision: 100 nodes holding 1000 pods.
func BenchmarkPick(b *testing.B) {
	nodes := make([]*corev1.Node, 100)
	assigned := map[string][]*corev1.Pod{}
	for i := range nodes {
		nodes[i] = node(fmt.Sprintf("node-%03d", i), map[string]string{"kubernetes.io/hostname": fmt.Sprintf("node-%03d", i)})
		for j := 0; j < 10; j++ {
			assigned[nodes[i].Name] = append(assigned[nodes[i].Name], labelled(fmt.Sprintf("p-%d-%d", i, j), "other"))
		}
	}
	// Only the last node fits, so every node is filtered.
	pod := podWith(func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"kubernetes.io/hostname": "node-099"} })
	for b.Loop() {
		if n, _ := Pick(pod, nodes, assigned); n == nil {
			b.Fatal("no node")
		}
	}
}
