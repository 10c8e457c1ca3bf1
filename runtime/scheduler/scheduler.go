// Package scheduler binds pending pods to the lab's virtual nodes the way
// kube-scheduler's default filters do: a node must be schedulable, match the
// pod's nodeName, tolerate the node's taints, match its nodeSelector and
// required node affinity, and have room for its requests. A bound pod gets
// spec.nodeName, the PodScheduled condition and a Scheduled event; a pod no
// node fits stays Pending with upstream's FailedScheduling message.
// It imports runtime/api, runtime/store and runtime/events' recorder interface.
package scheduler

import (
	"context"
	"fmt"
	"log"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/store"
)

// Name is the scheduler's name; pods ask for it with spec.schedulerName.
const Name = corev1.DefaultSchedulerName

// Recorder records events (events.Recorder implements it).
type Recorder interface {
	Event(obj api.Object, fieldPath, eventType, reason, message string)
}

// Scheduler watches unscheduled pods and binds them.
type Scheduler struct {
	store    store.API
	recorder Recorder
	// retry is how often pods that fit nowhere are tried again without a
	// cluster change (upstream's podMaxInUnschedulablePodsDuration is 5 min;
	// the lab retries sooner so a learner sees a fix take effect quickly).
	retry time.Duration
	// lastFailure remembers the message last reported per pod UID, so a pod
	// that keeps failing for the same reason does not flood the event list.
	lastFailure map[string]string
}

// New returns a scheduler writing to st.
func New(st store.API, rec Recorder) *Scheduler {
	return &Scheduler{store: st, recorder: rec, retry: 15 * time.Second, lastFailure: map[string]string{}}
}

// Run schedules until ctx ends.
func (s *Scheduler) Run(ctx context.Context) error {
	store.KeepWatching(ctx, "scheduler", s.watchAndSchedule)
	return nil
}

func (s *Scheduler) watchAndSchedule(ctx context.Context) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rv := s.store.ResourceVersion()
	pods, err := s.store.Watch(wctx, api.Pods, "", store.ListOptions{}, rv)
	if err != nil {
		return err
	}
	nodes, err := s.store.Watch(wctx, api.Nodes, "", store.ListOptions{}, rv)
	if err != nil {
		return err
	}
	s.scheduleAll()
	tick := time.NewTicker(s.retry)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-pods:
			if !ok {
				return fmt.Errorf("pod watch closed")
			}
			if pod, isPod := ev.Object.(*corev1.Pod); isPod && (pod.Spec.NodeName == "" || ev.Type != "MODIFIED") {
				// A new pending pod, or a pod gone or added that changes free room.
				s.scheduleAll()
			}
		case _, ok := <-nodes:
			if !ok {
				return fmt.Errorf("node watch closed")
			}
			s.scheduleAll()
		case <-tick.C:
			s.scheduleAll()
		}
	}
}

// scheduleAll tries every pending pod that asks for this scheduler, oldest first.
func (s *Scheduler) scheduleAll() {
	objs, _, err := s.store.List(api.Pods, "", store.ListOptions{FieldSelector: fields.OneTermEqualSelector("spec.nodeName", "")})
	if err != nil {
		log.Printf("scheduler: listing pods: %v", err)
		return
	}
	if len(objs) == 0 {
		return
	}
	nodeObjs, _, err := s.store.List(api.Nodes, "", store.ListOptions{})
	if err != nil {
		log.Printf("scheduler: listing nodes: %v", err)
		return
	}
	nodes := make([]*corev1.Node, 0, len(nodeObjs))
	for _, o := range nodeObjs {
		nodes = append(nodes, o.(*corev1.Node))
	}
	for _, o := range objs {
		pod := o.(*corev1.Pod)
		if pod.Spec.NodeName != "" || pod.DeletionTimestamp != nil || pod.Spec.SchedulerName != Name && pod.Spec.SchedulerName != "" {
			continue
		}
		s.scheduleOne(pod, nodes)
	}
}

func (s *Scheduler) scheduleOne(pod *corev1.Pod, nodes []*corev1.Node) {
	assigned, err := s.assignedPods()
	if err != nil {
		log.Printf("scheduler: %v", err)
		return
	}
	node, diagnosis := Pick(pod, nodes, assigned)
	if node == nil {
		s.unschedulable(pod, diagnosis.Message(len(nodes)))
		return
	}
	s.bind(pod, node.Name)
}

// assignedPods groups the pods that hold room on each node.
func (s *Scheduler) assignedPods() (map[string][]*corev1.Pod, error) {
	objs, _, err := s.store.List(api.Pods, "", store.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("listing pods: %w", err)
	}
	byNode := map[string][]*corev1.Pod{}
	for _, o := range objs {
		p := o.(*corev1.Pod)
		if p.Spec.NodeName == "" || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		byNode[p.Spec.NodeName] = append(byNode[p.Spec.NodeName], p)
	}
	return byNode, nil
}

func (s *Scheduler) bind(pod *corev1.Pod, node string) {
	bound, err := s.store.GuaranteedUpdate(api.Pods, pod.Namespace, pod.Name, func(o api.Object) (api.Object, error) {
		p := o.(*corev1.Pod)
		if p.UID != pod.UID || p.Spec.NodeName != "" {
			return nil, fmt.Errorf("pod %s/%s changed while scheduling", pod.Namespace, pod.Name)
		}
		p.Spec.NodeName = node
		setCondition(&p.Status, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue})
		return p, nil
	})
	if err != nil {
		log.Printf("scheduler: binding %s/%s to %s: %v", pod.Namespace, pod.Name, node, err)
		return
	}
	delete(s.lastFailure, string(pod.UID))
	// Upstream: "Successfully assigned %v/%v to %v".
	s.recorder.Event(bound, "", corev1.EventTypeNormal, "Scheduled",
		fmt.Sprintf("Successfully assigned %s/%s to %s", pod.Namespace, pod.Name, node))
}

func (s *Scheduler) unschedulable(pod *corev1.Pod, message string) {
	updated, err := s.store.GuaranteedUpdate(api.Pods, pod.Namespace, pod.Name, func(o api.Object) (api.Object, error) {
		p := o.(*corev1.Pod)
		if p.UID != pod.UID || p.Spec.NodeName != "" {
			return nil, fmt.Errorf("pod changed while scheduling")
		}
		p.Status.Phase = corev1.PodPending
		setCondition(&p.Status, corev1.PodCondition{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
			Reason: corev1.PodReasonUnschedulable, Message: message,
		})
		return p, nil
	})
	if err != nil {
		return
	}
	if s.lastFailure[string(pod.UID)] == message {
		return
	}
	s.lastFailure[string(pod.UID)] = message
	s.recorder.Event(updated, "", corev1.EventTypeWarning, "FailedScheduling", message)
}

// setCondition sets or replaces a condition, keeping lastTransitionTime when
// the status did not change (upstream's podutil.UpdatePodCondition rule).
func setCondition(st *corev1.PodStatus, c corev1.PodCondition) {
	now := metav1.Now()
	for i := range st.Conditions {
		if st.Conditions[i].Type != c.Type {
			continue
		}
		c.LastTransitionTime = st.Conditions[i].LastTransitionTime
		if st.Conditions[i].Status != c.Status {
			c.LastTransitionTime = now
		}
		st.Conditions[i] = c
		return
	}
	c.LastTransitionTime = now
	st.Conditions = append(st.Conditions, c)
}
