package scheduler

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/podlab/podlab/runtime/client"
)

// serveExplain serves ExplainHandler(factory) on a unix socket, as the
// control plane does, and returns podlab's client of it.
func serveExplain(t *testing.T, factory informers.SharedInformerFactory) *client.Client {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "lab.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(client.ExplainSchedulePath, ExplainHandler(factory))
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return client.New(sock)
}

func labObjects(pods ...*corev1.Pod) []runtime.Object {
	var objs []runtime.Object
	for _, n := range labNodes() {
		objs = append(objs, n)
	}
	for _, p := range pods {
		objs = append(objs, p)
	}
	return objs
}

// The decision recorded for a pod the scheduler bound: every node, the
// rejecting plugin or the scores, and the node chosen.
func TestExplainRecordedDecision(t *testing.T) {
	f := startFake(t, nil, labObjects(pendingPod("web", nil))...)
	eventually(t, "web bound", func() bool { return f.pod(t, "default", "web").Spec.NodeName != "" })
	bound := f.pod(t, "default", "web").Spec.NodeName
	cl := serveExplain(t, f.factory)
	e, err := cl.ExplainSchedule(context.Background(), "default", "web")
	if err != nil {
		t.Fatal(err)
	}
	if e.Recomputed || e.Chosen != bound || e.Release != "v1.37" || e.UID != "uid-web" || !e.Scored || len(e.Nodes) != 3 {
		t.Fatalf("explanation %+v, want the recorded decision binding to %s", e, bound)
	}
	cp := e.Nodes[0]
	if cp.Name != "control-plane" || cp.Feasible || cp.RejectedBy != "TaintToleration" || cp.Reasons[0] != "node(s) had untolerated taint(s)" ||
		cp.Detail != "the pod does not tolerate the taint node-role.kubernetes.io/control-plane:NoSchedule" {
		t.Fatalf("control-plane: %+v", cp)
	}
	for _, n := range e.Nodes[1:] {
		var sum int64
		for _, s := range n.Scores {
			sum += s.Weighted
		}
		if !n.Feasible || len(n.Scores) != 7 || sum != n.Total || n.Total == 0 {
			t.Fatalf("%s: %+v", n.Name, n)
		}
	}
	if e.Nodes[1].Scores[0].Plugin != "TaintToleration" || e.Nodes[1].Scores[0].Weighted != 300 {
		t.Fatalf("node-1's first score %+v, want TaintToleration 100×3", e.Nodes[1].Scores[0])
	}
}

// A pod the scheduler has no record of (bound before it started) is
// explained by the decision it would make now, without the pod itself.
func TestExplainRecomputesWithoutARecord(t *testing.T) {
	placed := pendingPod("placed", nil)
	placed.Spec.NodeName = "node-2"
	f := startFake(t, nil, labObjects(placed)...)
	cl := serveExplain(t, f.factory)
	e, err := cl.ExplainSchedule(context.Background(), "default", "placed")
	if err != nil {
		t.Fatal(err)
	}
	if !e.Recomputed || e.RunsOn != "node-2" || e.Chosen != "node-1" {
		t.Fatalf("explanation %+v, want recomputed, running on node-2, node-1 chosen now (the tie)", e)
	}
	if n := e.Nodes[2]; n.Name != "node-2" || !n.Feasible || n.Total != e.Nodes[1].Total {
		t.Fatalf("node-2 %+v: the pod itself must not count against its node", n)
	}
}

// A pod that fits nowhere is explained with the FailedScheduling message.
func TestExplainUnschedulable(t *testing.T) {
	f := startFake(t, nil, labObjects(pendingPod("web", wantsSSD))...)
	eventually(t, "put aside", func() bool { return f.sched.pending.waiting() == 1 })
	e, err := serveExplain(t, f.factory).ExplainSchedule(context.Background(), "default", "web")
	if err != nil {
		t.Fatal(err)
	}
	want := "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
	if e.Recomputed || e.Chosen != "" || e.Message != want {
		t.Fatalf("explanation %+v", e)
	}
	if n := e.Nodes[1]; n.RejectedBy != "NodeAffinity" || n.Detail != "the node's labels do not match the pod's nodeSelector disktype=ssd" {
		t.Fatalf("node-1 %+v", n)
	}
}

func TestExplainErrors(t *testing.T) {
	f := startFake(t, nil, labObjects()...)
	cl := serveExplain(t, f.factory)
	if _, err := cl.ExplainSchedule(context.Background(), "default", "nope"); !apierrors.IsNotFound(err) || err.Error() != `pods "nope" not found` {
		t.Fatalf("missing pod: %v", err)
	}
	// A factory no scheduler was built on: the scheduler is not running.
	other := serveExplain(t, informers.NewSharedInformerFactory(fake.NewClientset(), 0))
	if _, err := other.ExplainSchedule(context.Background(), "default", "web"); !apierrors.IsServiceUnavailable(err) {
		t.Fatalf("no scheduler: %v", err)
	}
}

// The log keeps the last decision per pod and forgets the oldest first.
func TestDecisionLogIsBounded(t *testing.T) {
	l := newDecisionLog(3, 10)
	d := func(nodes int) *Decision { return &Decision{Nodes: make([]NodeResult, nodes)} }
	for i := 0; i < 5; i++ {
		p := &corev1.Pod{}
		p.UID = types.UID(fmt.Sprint(i))
		l.put(p, d(1), time.Now())
	}
	if l.len() != 3 || l.get("0") != nil || l.get("4") == nil {
		t.Fatalf("kept %d, want the last 3", l.len())
	}
	// Again for the same pod: replaced, not added.
	p := &corev1.Pod{}
	p.UID = "4"
	l.put(p, d(2), time.Now())
	if l.len() != 3 || len(l.get("4").d.Nodes) != 2 {
		t.Fatal("a second decision for a pod was not a replacement")
	}
	// Big decisions: bounded by the nodes they hold.
	p.UID = "big"
	l.put(p, d(9), time.Now())
	if l.len() != 1 || l.nodes != 9 {
		t.Fatalf("kept %d decisions holding %d nodes, want only the big one", l.len(), l.nodes)
	}
	l.drop("big")
	if l.len() != 0 || l.nodes != 0 {
		t.Fatal("drop left something")
	}
}
