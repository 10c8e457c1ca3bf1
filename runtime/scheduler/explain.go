package scheduler

import (
	"container/list"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"

	"github.com/podlab/podlab/runtime/client"
)

// Release is the kube-scheduler release whose rules and messages the
// scheduler follows (the k8s.io/api version of go.mod).
const Release = "v1.37"

// The decision log's bounds: the pods it remembers, and the node results
// they may hold in all (a decision holds one per node).
const (
	maxDecisions     = 1000
	maxDecisionNodes = 20000
)

// decisionLog remembers the last decision for each pod (by UID), the
// oldest forgotten first once a bound is reached.
type decisionLog struct {
	mu                sync.Mutex
	byUID             map[types.UID]*list.Element
	order             list.List // of *decisionRecord, oldest first
	nodes             int
	maxPods, maxNodes int
}

type decisionRecord struct {
	uid types.UID
	at  time.Time
	d   *Decision
}

func newDecisionLog(maxPods, maxNodes int) *decisionLog {
	return &decisionLog{byUID: map[types.UID]*list.Element{}, maxPods: maxPods, maxNodes: maxNodes}
}

func (l *decisionLog) put(pod *corev1.Pod, d *Decision, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dropLocked(pod.UID)
	l.byUID[pod.UID] = l.order.PushBack(&decisionRecord{uid: pod.UID, at: at, d: d})
	l.nodes += len(d.Nodes)
	for l.order.Len() > 1 && (l.order.Len() > l.maxPods || l.nodes > l.maxNodes) {
		l.dropLocked(l.order.Front().Value.(*decisionRecord).uid)
	}
}

func (l *decisionLog) get(uid types.UID) *decisionRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e := l.byUID[uid]; e != nil {
		return e.Value.(*decisionRecord)
	}
	return nil
}

func (l *decisionLog) drop(uid types.UID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dropLocked(uid)
}

func (l *decisionLog) dropLocked(uid types.UID) {
	if e := l.byUID[uid]; e != nil {
		l.nodes -= len(e.Value.(*decisionRecord).d.Nodes)
		l.order.Remove(e)
		delete(l.byUID, uid)
	}
}

// len reports how many decisions are kept (for tests).
func (l *decisionLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.order.Len()
}

// schedulers maps each informer factory to the scheduler built on it, so
// the control plane can mount ExplainHandler before the scheduler exists.
var schedulers sync.Map // informers.SharedInformerFactory → *Scheduler

// ExplainHandler serves client.ExplainSchedulePath for the scheduler built
// on factory: GET ?namespace=NS&name=POD answers the scheduler's last
// decision for the pod as a client.ScheduleExplanation, or, for a pod it
// has no record of (bound before the control plane started, or named its
// node itself), the decision it would make now, without the pod itself.
func ExplainHandler(factory informers.SharedInformerFactory) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := schedulers.Load(factory)
		if !ok {
			writeStatus(w, apierrors.NewServiceUnavailable("the scheduler is not running"))
			return
		}
		v.(*Scheduler).serveExplain(w, r)
	})
}

func (s *Scheduler) serveExplain(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeStatus(w, apierrors.NewMethodNotSupported(corev1.Resource("pods"), r.Method))
		return
	}
	ns, name := r.URL.Query().Get("namespace"), r.URL.Query().Get("name")
	if ns == "" {
		ns = corev1.NamespaceDefault
	}
	if name == "" {
		writeStatus(w, apierrors.NewBadRequest("a pod name is required"))
		return
	}
	pod, err := s.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		writeStatus(w, apierrors.NewNotFound(corev1.Resource("pods"), name))
		return
	}
	if err != nil {
		writeStatus(w, apierrors.NewInternalError(err))
		return
	}
	e, err := s.explain(pod)
	if err != nil {
		writeStatus(w, apierrors.NewInternalError(err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(e)
}

// explain is the scheduler's last decision for pod, or a decision worked
// out now when it has none.
func (s *Scheduler) explain(pod *corev1.Pod) (client.ScheduleExplanation, error) {
	runsOn := pod.Spec.NodeName
	if a := s.assumedPod(pod); a != nil {
		runsOn = a.Spec.NodeName
	}
	rec := s.decisions.get(pod.UID)
	recomputed := rec == nil
	if recomputed {
		snap, err := s.snapshot(pod)
		if err != nil {
			return client.ScheduleExplanation{}, err
		}
		pending := pod.DeepCopy()
		pending.Spec.NodeName = ""
		rec = &decisionRecord{uid: pod.UID, at: time.Now(), d: decide(pending, newPodInfo(pending), snap)}
	}
	e := explanation(pod, rec.d, rec.at)
	e.Recomputed, e.RunsOn = recomputed, runsOn
	return e, nil
}

// explanation is d in the wire form of podlab's client.
func explanation(pod *corev1.Pod, d *Decision, at time.Time) client.ScheduleExplanation {
	e := client.ScheduleExplanation{
		Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID, Release: Release, DecidedAt: at,
		Chosen: d.Node, Message: d.Message, Scored: d.Scored, Nodes: make([]client.ScheduleNode, len(d.Nodes)),
	}
	for i, r := range d.Nodes {
		n := client.ScheduleNode{Name: r.Name, Feasible: r.Feasible(), RejectedBy: r.Plugin, Reasons: r.Reasons, Detail: r.Detail, Total: r.Total}
		for _, ps := range r.Scores {
			n.Scores = append(n.Scores, client.ScheduleScore{Plugin: ps.Plugin, Weight: ps.Weight, Skipped: ps.Skipped,
				Raw: ps.Raw, Normalized: ps.Normalized, Weighted: ps.Normalized * ps.Weight})
		}
		e.Nodes[i] = n
	}
	return e
}

func writeStatus(w http.ResponseWriter, err *apierrors.StatusError) {
	st := err.ErrStatus
	st.Kind, st.APIVersion = "Status", "v1"
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(int(st.Code))
	json.NewEncoder(w).Encode(st)
}
