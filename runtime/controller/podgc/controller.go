package podgc

import (
	"context"
	"encoding/json"
	"log"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/podlab/podlab/runtime/labclock"
)

// Name is the controller's name, as kube-controller-manager's.
const Name = "pod-garbage-collector-controller"

// Upstream's defaults.
const (
	// CheckPeriod is gcCheckPeriod.
	CheckPeriod = 20 * time.Second
	// Quarantine is how long a node must be missing before its pods go
	// (quarantineTime).
	Quarantine = 40 * time.Second
	// TerminatedThreshold is --terminated-pod-gc-threshold.
	TerminatedThreshold = 12500
	// outOfServiceTaint is node.kubernetes.io/out-of-service.
	outOfServiceTaint = "node.kubernetes.io/out-of-service"
	// The condition an orphaned pod is marked with.
	reasonDeletionByPodGC = "DeletionByPodGC"
	messageNodeGone       = "PodGC: node no longer exists"
)

// Option configures a Controller.
type Option func(*Controller)

// WithThreshold sets the terminated-pod threshold (0 or less: never).
func WithThreshold(n int) Option { return func(c *Controller) { c.threshold = n } }

// Controller is the pod garbage collector.
type Controller struct {
	client    kubernetes.Interface
	pods      corelisters.PodLister
	nodes     corelisters.NodeLister
	synced    []cache.InformerSynced
	threshold int
	// missing holds when each missing node was first seen missing.
	missing map[string]time.Time
	now     func() time.Time
}

// New returns the pod garbage collector over factory's informers. Call it
// before factory.Start.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, opts ...Option) (*Controller, error) {
	podInf, nodeInf := factory.Core().V1().Pods(), factory.Core().V1().Nodes()
	c := &Controller{
		client: client, pods: podInf.Lister(), nodes: nodeInf.Lister(),
		synced:    []cache.InformerSynced{podInf.Informer().HasSynced, nodeInf.Informer().HasSynced},
		threshold: TerminatedThreshold, missing: map[string]time.Time{}, now: time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Run collects every CheckPeriod until ctx ends. The caller starts the factory.
func (c *Controller) Run(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return nil
	}
	for {
		c.gc(ctx)
		// A pass also runs when a quarantine ends, so an orphaned pod goes
		// 40 s after its node did, not up to 20 s later.
		wait := labclock.Scaled(CheckPeriod)
		for _, since := range c.missing {
			if d := since.Add(labclock.Scaled(Quarantine)).Sub(c.now()); d > 0 && d < wait {
				wait = d + 10*time.Millisecond
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

func (c *Controller) gc(ctx context.Context) {
	pods, err := c.pods.List(labels.Everything())
	if err != nil {
		return
	}
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return
	}
	byName := map[string]*corev1.Node{}
	for _, n := range nodes {
		byName[n.Name] = n
	}
	if c.threshold > 0 {
		c.gcTerminated(ctx, pods)
	}
	c.gcTerminating(ctx, pods, byName)
	c.gcOrphaned(ctx, pods, byName)
	c.gcUnscheduledTerminating(ctx, pods)
}

func terminated(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// gcTerminated deletes the terminated pods beyond the threshold, evicted
// ones first, then oldest first (upstream's byEvictionAndCreationTimestamp).
func (c *Controller) gcTerminated(ctx context.Context, pods []*corev1.Pod) {
	var done []*corev1.Pod
	for _, p := range pods {
		if terminated(p) {
			done = append(done, p)
		}
	}
	n := len(done) - c.threshold
	if n <= 0 {
		return
	}
	sort.Slice(done, func(i, j int) bool {
		ei, ej := done[i].Status.Reason == "Evicted", done[j].Status.Reason == "Evicted"
		if ei != ej {
			return ei
		}
		if !done[i].CreationTimestamp.Equal(&done[j].CreationTimestamp) {
			return done[i].CreationTimestamp.Before(&done[j].CreationTimestamp)
		}
		return done[i].Namespace+"/"+done[i].Name < done[j].Namespace+"/"+done[j].Name
	})
	for _, p := range done[:n] {
		c.markFailedAndDelete(ctx, p, nil)
	}
}

// gcTerminating force-deletes terminating pods on out-of-service nodes
// that are not Ready.
func (c *Controller) gcTerminating(ctx context.Context, pods []*corev1.Pod, nodes map[string]*corev1.Node) {
	for _, p := range pods {
		if p.DeletionTimestamp == nil || p.Spec.NodeName == "" {
			continue
		}
		n := nodes[p.Spec.NodeName]
		if n == nil || ready(n) || !outOfService(n) {
			continue
		}
		c.markFailedAndDelete(ctx, p, nil)
	}
}

func ready(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func outOfService(n *corev1.Node) bool {
	for _, t := range n.Spec.Taints {
		if t.Key == outOfServiceTaint && t.Effect == corev1.TaintEffectNoExecute {
			return true
		}
	}
	return false
}

// gcOrphaned deletes the pods of nodes missing for the whole quarantine
// and confirmed missing by the API.
func (c *Controller) gcOrphaned(ctx context.Context, pods []*corev1.Pod, nodes map[string]*corev1.Node) {
	now := c.now()
	seen := map[string]bool{}
	for _, p := range pods {
		name := p.Spec.NodeName
		if name == "" || nodes[name] != nil {
			continue
		}
		seen[name] = true
		since, ok := c.missing[name]
		if !ok {
			c.missing[name] = now
			continue
		}
		if now.Sub(since) < labclock.Scaled(Quarantine) {
			continue
		}
		if _, err := c.client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			if err == nil {
				delete(c.missing, name) // it came back
			}
			continue
		}
		log.Printf("%s: pod %s/%s is bound to node %s, which no longer exists: deleting it", Name, p.Namespace, p.Name, name)
		c.markFailedAndDelete(ctx, p, &corev1.PodCondition{
			Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
			Reason: reasonDeletionByPodGC, Message: messageNodeGone, LastTransitionTime: metav1.NewTime(now),
		})
	}
	for name := range c.missing {
		if !seen[name] {
			delete(c.missing, name)
		}
	}
}

// gcUnscheduledTerminating force-deletes terminating pods never bound.
func (c *Controller) gcUnscheduledTerminating(ctx context.Context, pods []*corev1.Pod) {
	for _, p := range pods {
		if p.DeletionTimestamp != nil && p.Spec.NodeName == "" {
			c.markFailedAndDelete(ctx, p, nil)
		}
	}
}

// markFailedAndDelete is upstream's markFailedAndDeletePodWithCondition: a
// pod not yet terminated is marked Failed (with cond, if any) through
// pods/status, then deleted with grace period 0, guarded by its uid.
func (c *Controller) markFailedAndDelete(ctx context.Context, p *corev1.Pod, cond *corev1.PodCondition) {
	pods := c.client.CoreV1().Pods(p.Namespace)
	if !terminated(p) {
		status := map[string]any{"phase": corev1.PodFailed}
		if cond != nil {
			status["conditions"] = []corev1.PodCondition{*cond}
		}
		body, _ := json.Marshal(map[string]any{"metadata": map[string]any{"uid": p.UID}, "status": status})
		if _, err := pods.Patch(ctx, p.Name, types.StrategicMergePatchType, body, metav1.PatchOptions{}, "status"); err != nil && !apierrors.IsNotFound(err) {
			log.Printf("%s: marking pod %s/%s failed: %v", Name, p.Namespace, p.Name, err)
			return
		}
	}
	zero := int64(0)
	uid := p.UID
	if err := pods.Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &uid}}); err != nil && !apierrors.IsNotFound(err) {
		log.Printf("%s: deleting pod %s/%s: %v", Name, p.Namespace, p.Name, err)
	}
}
