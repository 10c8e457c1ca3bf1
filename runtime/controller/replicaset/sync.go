package replicaset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podlab/podlab/runtime/labclock"
)

// minReady is the set's minReadySeconds on the lab's clock.
func minReady(s *set) time.Duration { return labclock.Seconds(int64(s.Spec.MinReadySeconds)) }

// sync is upstream's syncReplicaSet.
func (c *Controller) sync(ctx context.Context, key string) error {
	obj, ok, err := c.sets.GetByKey(key)
	if err != nil {
		return err
	}
	if !ok {
		c.exp.Forget(key)
		return nil
	}
	s := c.kind.convert(obj)
	if s == nil {
		return nil
	}
	needsSync := c.exp.Satisfied(key)
	sel, err := metav1.LabelSelectorAsSelector(s.Spec.Selector)
	if err != nil || sel.Empty() {
		return nil // validation refuses it; upstream logs and skips it
	}
	all, err := c.pods.Pods(s.Namespace).List(labels.Everything())
	if err != nil {
		return err
	}
	var active, terminating []*corev1.Pod
	for _, p := range all {
		if isActive(p) {
			active = append(active, p)
		} else if isTerminating(p) {
			if ref := metav1.GetControllerOf(p); ref != nil && ref.UID == s.UID && sel.Matches(labels.Set(p.Labels)) {
				terminating = append(terminating, p)
			}
		}
	}
	owned, err := c.claim(ctx, s, sel, active)
	if err != nil {
		return err
	}
	var manageErr error
	if needsSync && s.DeletionTimestamp == nil {
		manageErr = c.manage(ctx, key, s, owned)
	}
	status := c.status(s, owned, terminating, manageErr)
	if err := c.writeStatus(ctx, s, status); err != nil {
		return err
	}
	// A set whose pods are ready but not yet available looks again when
	// they will be (upstream's resync after minReadySeconds).
	if manageErr == nil && s.Spec.MinReadySeconds > 0 && status.ReadyReplicas == status.Replicas && status.AvailableReplicas != status.Replicas {
		c.queue.AddAfter(key, minReady(s))
	}
	return manageErr
}

// claim is upstream's PodControllerRefManager.ClaimPods (see doc.go).
func (c *Controller) claim(ctx context.Context, s *set, sel labels.Selector, pods []*corev1.Pod) ([]*corev1.Pod, error) {
	var owned []*corev1.Pod
	var errs []error
	var adoptable *bool // the recheck, made at most once per sync
	canAdopt := func() bool {
		if adoptable == nil {
			fresh, err := c.kind.live(ctx, s.Namespace, s.Name)
			ok := err == nil && fresh.UID == s.UID && fresh.DeletionTimestamp == nil
			if err == nil && !ok {
				err = fmt.Errorf("original %s %s/%s is gone or being deleted", c.kind.gvk.Kind, s.Namespace, s.Name)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("can't adopt pods: %w", err))
			}
			adoptable = &ok
		}
		return *adoptable
	}
	for _, p := range pods {
		ref := metav1.GetControllerOf(p)
		if ref != nil {
			if ref.UID != s.UID {
				continue // another controller's
			}
			if sel.Matches(labels.Set(p.Labels)) {
				owned = append(owned, p)
				continue
			}
			if s.DeletionTimestamp != nil {
				continue
			}
			if err := c.release(ctx, s, p); err != nil && !apierrors.IsNotFound(err) {
				errs = append(errs, err)
			}
			continue
		}
		if s.DeletionTimestamp != nil || p.DeletionTimestamp != nil || !sel.Matches(labels.Set(p.Labels)) {
			continue
		}
		if !canAdopt() {
			continue
		}
		if err := c.adopt(ctx, s, p); err != nil {
			if !apierrors.IsNotFound(err) {
				errs = append(errs, err)
			}
			continue
		}
		owned = append(owned, p)
	}
	return owned, errors.Join(errs...)
}

// controllerRef is the reference a set's pods carry (upstream's
// NewControllerRef: controller and blockOwnerDeletion both true).
func (c *Controller) controllerRef(s *set) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion: c.kind.gvk.GroupVersion().String(), Kind: c.kind.gvk.Kind,
		Name: s.Name, UID: s.UID, Controller: new(true), BlockOwnerDeletion: new(true),
	}
}

// adopt and release patch the pod's ownerReferences as upstream does: a
// strategic merge patch keyed by the owner's uid, guarded by the pod's.
func (c *Controller) adopt(ctx context.Context, s *set, p *corev1.Pod) error {
	return c.patchOwners(ctx, p, []any{c.controllerRef(s)})
}

func (c *Controller) release(ctx context.Context, s *set, p *corev1.Pod) error {
	return c.patchOwners(ctx, p, []any{map[string]any{"$patch": "delete", "uid": s.UID}})
}

func (c *Controller) patchOwners(ctx context.Context, p *corev1.Pod, refs []any) error {
	body, err := json.Marshal(map[string]any{"metadata": map[string]any{"ownerReferences": refs, "uid": p.UID}})
	if err != nil {
		return err
	}
	_, err = c.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, body, metav1.PatchOptions{})
	return err
}

// manage is upstream's manageReplicas.
func (c *Controller) manage(ctx context.Context, key string, s *set, owned []*corev1.Pod) error {
	want := 1
	if s.Spec.Replicas != nil {
		want = int(*s.Spec.Replicas)
	}
	diff := len(owned) - want
	switch {
	case diff < 0:
		n := min(-diff, burstReplicas)
		c.exp.Expect(key, n, nil)
		created, err := slowStartBatch(n, 1, func() error { return c.createPod(ctx, s) })
		// The creations that were not tried or failed will never be
		// observed: take them off the expectations.
		for range n - created {
			c.exp.CreationObserved(key)
		}
		return err
	case diff > 0:
		n := min(diff, burstReplicas)
		victims := c.podsToDelete(s, owned, n)
		keys := make([]string, len(victims))
		for i, p := range victims {
			keys[i] = podKey(p)
		}
		c.exp.Expect(key, 0, keys)
		var mu sync.Mutex
		var errs []error
		var wg sync.WaitGroup
		for _, p := range victims {
			wg.Go(func() {
				if err := c.deletePodOf(ctx, s, p); err != nil {
					c.exp.DeletionObserved(key, podKey(p))
					if !apierrors.IsNotFound(err) {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	return nil
}

// slowStartBatch calls fn count times in batches of initial, then twice
// the last batch, each batch in parallel, stopping after the first batch
// with a failure, so a set that cannot create pods (a quota, an invalid
// template) fails with one request rather than hundreds. It returns the
// number of successful calls.
func slowStartBatch(count, initial int, fn func() error) (int, error) {
	remaining, successes := count, 0
	for batch := min(remaining, initial); batch > 0; batch = min(2*batch, remaining) {
		errc := make(chan error, batch)
		var wg sync.WaitGroup
		for range batch {
			wg.Go(func() {
				if err := fn(); err != nil {
					errc <- err
				}
			})
		}
		wg.Wait()
		successes += batch - len(errc)
		if len(errc) > 0 {
			return successes, <-errc
		}
		remaining -= batch
	}
	return successes, nil
}

// createPod makes one pod from the template, as upstream's
// GetPodFromTemplate: the template's labels, annotations, finalizers and
// spec, generateName "<set>-", the set's controller reference.
func (c *Controller) createPod(ctx context.Context, s *set) error {
	t := s.Spec.Template
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    s.Name + "-",
			Namespace:       s.Namespace,
			Labels:          copyMap(t.Labels),
			Annotations:     copyMap(t.Annotations),
			Finalizers:      append([]string(nil), t.Finalizers...),
			OwnerReferences: []metav1.OwnerReference{c.controllerRef(s)},
		},
		Spec: *t.Spec.DeepCopy(),
	}
	created, err := c.client.CoreV1().Pods(s.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		// A terminating namespace refuses new pods; upstream does not
		// count that as a failure.
		if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			return nil
		}
		c.event(s, corev1.EventTypeWarning, "FailedCreate", fmt.Sprintf("Error creating: %v", err))
		return err
	}
	c.event(s, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: "+created.Name)
	return nil
}

func (c *Controller) deletePodOf(ctx context.Context, s *set, p *corev1.Pod) error {
	err := c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &p.UID}})
	switch {
	case apierrors.IsNotFound(err):
		return err
	case err != nil:
		c.event(s, corev1.EventTypeWarning, "FailedDelete", fmt.Sprintf("Error deleting: %v", err))
		return err
	}
	c.event(s, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: "+p.Name)
	return nil
}

// podsToDelete ranks the set's pods by upstream's rules (ranking.go); the
// rank of a pod is how many active pods of related sets — the set itself,
// and the sets its own controller (a Deployment) owns — share its node.
func (c *Controller) podsToDelete(s *set, owned []*corev1.Pod, n int) []*corev1.Pod {
	related := map[types.UID]bool{s.UID: true}
	if owner := metav1.GetControllerOf(s); owner != nil {
		objs, _ := c.sets.ByIndex("namespace", s.Namespace)
		for _, o := range objs {
			if other := c.kind.convert(o); other != nil {
				if ref := metav1.GetControllerOf(other); ref != nil && ref.UID == owner.UID {
					related[other.UID] = true
				}
			}
		}
	}
	onNode := map[string]int{}
	if all, err := c.pods.Pods(s.Namespace).List(labels.Everything()); err == nil {
		for _, p := range all {
			if ref := metav1.GetControllerOf(p); ref != nil && related[ref.UID] && isActive(p) {
				onNode[p.Spec.NodeName]++
			}
		}
	}
	r := rankedPods{pods: append([]*corev1.Pod(nil), owned...), ranks: make([]int, len(owned)), now: c.now()}
	for i, p := range r.pods {
		r.ranks[i] = onNode[p.Spec.NodeName]
	}
	sort.Sort(r)
	return r.pods[:n]
}

// status is upstream's calculateStatus.
func (c *Controller) status(s *set, owned, terminating []*corev1.Pod, manageErr error) appsv1.ReplicaSetStatus {
	st := *s.Status.DeepCopy()
	tmpl := labels.SelectorFromSet(s.Spec.Template.Labels)
	var full, ready, available int32
	now := c.now()
	for _, p := range owned {
		if tmpl.Matches(labels.Set(p.Labels)) {
			full++
		}
		if isReady(p) {
			ready++
			if isAvailable(p, minReady(s), now) {
				available++
			}
		}
	}
	st.Replicas, st.FullyLabeledReplicas, st.ReadyReplicas, st.AvailableReplicas = int32(len(owned)), full, ready, available
	st.TerminatingReplicas = nil
	if c.kind.hasTerminating {
		st.TerminatingReplicas = new(int32(len(terminating)))
	}
	idx := -1
	for i, cond := range st.Conditions {
		if cond.Type == appsv1.ReplicaSetReplicaFailure {
			idx = i
		}
	}
	switch {
	case manageErr != nil && idx < 0:
		want := 1
		if s.Spec.Replicas != nil {
			want = int(*s.Spec.Replicas)
		}
		reason := ""
		if d := len(owned) - want; d < 0 {
			reason = "FailedCreate"
		} else if d > 0 {
			reason = "FailedDelete"
		}
		st.Conditions = append(st.Conditions, appsv1.ReplicaSetCondition{
			Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(now), Reason: reason, Message: manageErr.Error(),
		})
	case manageErr == nil && idx >= 0:
		st.Conditions = append(st.Conditions[:idx:idx], st.Conditions[idx+1:]...)
	}
	return st
}

// writeStatus stores the status with observedGeneration, only when it
// changed (upstream's updateReplicaSetStatus).
func (c *Controller) writeStatus(ctx context.Context, s *set, st appsv1.ReplicaSetStatus) error {
	st.ObservedGeneration = s.Generation
	cur := s.Status
	if !c.kind.hasTerminating {
		cur.TerminatingReplicas = nil
	}
	if reflect.DeepEqual(normalize(cur), normalize(st)) {
		return nil
	}
	return c.kind.writeStatus(ctx, s, st)
}

func normalize(st appsv1.ReplicaSetStatus) appsv1.ReplicaSetStatus {
	if len(st.Conditions) == 0 {
		st.Conditions = nil
	}
	return st
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
