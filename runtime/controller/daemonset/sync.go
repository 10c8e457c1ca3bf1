package daemonset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// sync is upstream's syncDaemonSet.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := splitKey(key)
	if err != nil {
		return nil
	}
	cached, err := c.sets.DaemonSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.exp.Forget(key)
		return nil
	}
	if err != nil {
		return err
	}
	ds := cached.DeepCopy()
	sel, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
	if err != nil || sel.Empty() {
		return nil // validation refuses it; upstream records SelectingAll and skips it
	}
	if ds.DeletionTimestamp != nil {
		return nil
	}
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return err
	}
	cur, old, err := c.history(ctx, ds)
	if err != nil {
		return err
	}
	hash := cur.Labels[hashLabel]
	if !c.exp.Satisfied(key) {
		return c.updateStatus(ctx, ds, sel, nodes, hash)
	}
	byNode, err := c.podsByNode(ctx, ds, sel)
	if err != nil {
		return err
	}
	err = c.manage(ctx, ds, nodes, byNode, hash)
	if err == nil && c.exp.Satisfied(key) && ds.Spec.UpdateStrategy.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		if byNode, err = c.podsByNode(ctx, ds, sel); err == nil {
			err = c.rollingUpdate(ctx, ds, nodes, byNode, hash)
		}
	}
	if err == nil && c.exp.Satisfied(key) {
		err = c.cleanupHistory(ctx, ds, old, byNode)
	}
	if statusErr := c.updateStatus(ctx, ds, sel, nodes, hash); err == nil {
		err = statusErr
	}
	return err
}

func splitKey(key string) (string, string, error) {
	for i := range key {
		if key[i] == '/' {
			return key[:i], key[i+1:], nil
		}
	}
	return "", "", fmt.Errorf("bad key %q", key)
}

// podsByNode is upstream's getNodesToDaemonPods: the set's claimed pods
// (terminal ones being deleted left out) by the node they are for.
func (c *Controller) podsByNode(ctx context.Context, ds *appsv1.DaemonSet, sel labels.Selector) (map[string][]*corev1.Pod, error) {
	all, err := c.pods.Pods(ds.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	out := map[string][]*corev1.Pod{}
	var errs []error
	for _, p := range all {
		matches := sel.Matches(labels.Set(p.Labels))
		ref := metav1.GetControllerOf(p)
		switch {
		case ref != nil && ref.UID != ds.UID:
			continue
		case ref != nil && !matches:
			// upstream's release: the pod no longer matches
			if err := c.patchOwners(ctx, p, map[string]any{"$patch": "delete", "uid": ds.UID}); err != nil && !apierrors.IsNotFound(err) {
				errs = append(errs, err)
			}
			continue
		case ref == nil:
			if !matches || p.DeletionTimestamp != nil {
				continue
			}
			yes := true
			if err := c.patchOwners(ctx, p, metav1.OwnerReference{APIVersion: dsKind.GroupVersion().String(), Kind: dsKind.Kind,
				Name: ds.Name, UID: ds.UID, Controller: &yes, BlockOwnerDeletion: &yes}); err != nil {
				if !apierrors.IsNotFound(err) {
					errs = append(errs, err)
				}
				continue
			}
		}
		if p.DeletionTimestamp != nil && (p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed) {
			continue
		}
		if n := targetNode(p); n != "" {
			out[n] = append(out[n], p)
		}
	}
	return out, errors.Join(errs...)
}

func (c *Controller) patchOwners(ctx context.Context, p *corev1.Pod, ref any) error {
	body, err := json.Marshal(map[string]any{"metadata": map[string]any{"ownerReferences": []any{ref}, "uid": p.UID}})
	if err != nil {
		return err
	}
	_, err = c.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, body, metav1.PatchOptions{})
	return err
}

// byAge is upstream's podByCreationTimestampAndPhase: pods on a node
// first, then the oldest.
func byAge(pods []*corev1.Pod) {
	sort.SliceStable(pods, func(i, j int) bool {
		a, b := pods[i], pods[j]
		if (a.Spec.NodeName != "") != (b.Spec.NodeName != "") {
			return a.Spec.NodeName != ""
		}
		if a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.Name < b.Name
		}
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	})
}

// manage is upstream's manage: every node gets what podsShouldBeOnNode says.
func (c *Controller) manage(ctx context.Context, ds *appsv1.DaemonSet, nodes []*corev1.Node, byNode map[string][]*corev1.Pod, hash string) error {
	var create []string
	var del []*corev1.Pod
	known := map[string]bool{}
	for _, n := range nodes {
		known[n.Name] = true
		need, drop := c.podsShouldBeOnNode(ds, n, byNode[n.Name], hash)
		if need {
			create = append(create, n.Name)
		}
		del = append(del, drop...)
	}
	// Pods for nodes that no longer exist are never scheduled: delete them.
	for node, pods := range byNode {
		if known[node] {
			continue
		}
		for _, p := range pods {
			if p.Spec.NodeName == "" && p.DeletionTimestamp == nil {
				del = append(del, p)
			}
		}
	}
	return c.syncNodes(ctx, ds, del, create, hash)
}

// podsShouldBeOnNode is upstream's: whether the node needs a pod, and
// which of its pods go.
func (c *Controller) podsShouldBeOnNode(ds *appsv1.DaemonSet, node *corev1.Node, pods []*corev1.Pod, hash string) (bool, []*corev1.Pod) {
	run, keep := shouldRun(node, ds)
	var del []*corev1.Pod
	switch {
	case run && len(pods) == 0:
		return true, nil
	case keep:
		var running []*corev1.Pod
		for _, p := range pods {
			if p.DeletionTimestamp != nil {
				continue
			}
			switch p.Status.Phase {
			case corev1.PodFailed, corev1.PodSucceeded:
				// upstream backs off per node, fighting a kubelet that rejects pods
				id := string(ds.UID) + "/" + node.Name
				if delay, waiting := c.failed.wait(id, c.now()); waiting {
					c.queue.AddAfter(dsKey(ds), delay)
					continue
				}
				if p.Status.Phase == corev1.PodFailed {
					c.event(ds, corev1.EventTypeWarning, "FailedDaemonPod",
						fmt.Sprintf("Found failed daemon pod %s/%s on node %s, will try to kill it", p.Namespace, p.Name, node.Name))
				} else {
					c.event(ds, corev1.EventTypeNormal, "SucceededDaemonPod",
						fmt.Sprintf("Found succeeded daemon pod %s/%s on node %s, will try to delete it", p.Namespace, p.Name, node.Name))
				}
				del = append(del, p)
			default:
				running = append(running, p)
			}
		}
		byAge(running)
		if surge(ds, 1) == 0 {
			if len(running) > 1 {
				del = append(del, running[1:]...)
			}
			break
		}
		// With surge: an old and a new pod may share the node while the
		// old is ready and the new is not yet available.
		var oldestNew, oldestOld *corev1.Pod
		for _, p := range running {
			if p.Labels[hashLabel] == hash {
				if oldestNew == nil {
					oldestNew = p
					continue
				}
			} else if oldestOld == nil {
				oldestOld = p
				continue
			}
			del = append(del, p)
		}
		if oldestNew != nil && oldestOld != nil && (!isReady(oldestOld) || isAvailable(oldestNew, minReady(ds), c.now())) {
			del = append(del, oldestOld)
		}
	case len(pods) > 0:
		for _, p := range pods {
			if p.DeletionTimestamp == nil {
				del = append(del, p)
			}
		}
	}
	return false, del
}

// syncNodes is upstream's: the creations for nodes (slow start) and the
// deletions, each capped at burstReplicas, with expectations.
func (c *Controller) syncNodes(ctx context.Context, ds *appsv1.DaemonSet, del []*corev1.Pod, create []string, hash string) error {
	create = create[:min(len(create), burstReplicas)]
	del = del[:min(len(del), burstReplicas)]
	if len(create) == 0 && len(del) == 0 {
		return nil
	}
	key := dsKey(ds)
	keys := make([]string, len(del))
	for i, p := range del {
		keys[i] = podKey(p)
	}
	c.exp.Expect(key, len(create), keys)
	template := podTemplate(ds, hash)
	var mu sync.Mutex
	var errs []error
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	pos := 0
	for batch := min(len(create), 1); batch > 0; batch = min(2*batch, len(create)-pos) {
		var wg sync.WaitGroup
		before := len(errs)
		for _, node := range create[pos : pos+batch] {
			wg.Go(func() {
				if err := c.createPod(ctx, ds, template, node); err != nil {
					c.exp.CreationObserved(key)
					fail(err)
				}
			})
		}
		wg.Wait()
		pos += batch
		if len(errs) > before {
			for range len(create) - pos { // never tried: never observed
				c.exp.CreationObserved(key)
			}
			break
		}
	}
	var wg sync.WaitGroup
	for _, p := range del {
		wg.Go(func() {
			err := c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &p.UID}})
			switch {
			case err == nil:
				c.event(ds, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: "+p.Name)
			case apierrors.IsNotFound(err):
				c.exp.DeletionObserved(key, podKey(p))
			default:
				c.exp.DeletionObserved(key, podKey(p))
				c.event(ds, corev1.EventTypeWarning, "FailedDelete", fmt.Sprintf("Error deleting: %v", err))
				fail(err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// createPod is upstream's CreatePods for one node: generateName "<ds>-",
// the controller reference, the node's matchFields affinity.
func (c *Controller) createPod(ctx context.Context, ds *appsv1.DaemonSet, t corev1.PodTemplateSpec, node string) error {
	t = *t.DeepCopy()
	yes := true
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: ds.Name + "-", Namespace: ds.Namespace,
			Labels: t.Labels, Annotations: t.Annotations, Finalizers: t.Finalizers,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: dsKind.GroupVersion().String(), Kind: dsKind.Kind,
				Name: ds.Name, UID: ds.UID, Controller: &yes, BlockOwnerDeletion: &yes}},
		},
		Spec: t.Spec,
	}
	pod.Spec.Affinity = nodeAffinityFor(pod.Spec.Affinity, node)
	created, err := c.client.CoreV1().Pods(ds.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			return nil
		}
		c.event(ds, corev1.EventTypeWarning, "FailedCreate", fmt.Sprintf("Error creating: %v", err))
		return err
	}
	c.event(ds, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: "+created.Name)
	return nil
}

// updateStatus is upstream's updateDaemonSetStatus.
func (c *Controller) updateStatus(ctx context.Context, ds *appsv1.DaemonSet, sel labels.Selector, nodes []*corev1.Node, hash string) error {
	byNode, err := c.podsByNode(ctx, ds, sel)
	if err != nil {
		return err
	}
	now := c.now()
	gen := templateGeneration(ds)
	var desired, current, misscheduled, ready, available, updated int32
	for _, n := range nodes {
		run, _ := shouldRun(n, ds)
		pods := byNode[n.Name]
		if !run {
			if len(pods) > 0 {
				misscheduled++
			}
			continue
		}
		desired++
		if len(pods) == 0 {
			continue
		}
		current++
		byAge(pods)
		p := pods[0]
		if isReady(p) {
			ready++
			if isAvailable(p, minReady(ds), now) {
				available++
			}
		}
		if isUpdated(p, hash, gen) {
			updated++
		}
	}
	st := ds.Status
	st.ObservedGeneration = ds.Generation
	st.DesiredNumberScheduled, st.CurrentNumberScheduled, st.NumberMisscheduled = desired, current, misscheduled
	st.NumberReady, st.NumberAvailable, st.UpdatedNumberScheduled = ready, available, updated
	st.NumberUnavailable = desired - available
	if ds.Spec.MinReadySeconds > 0 && ready != available {
		c.queue.AddAfter(dsKey(ds), minReady(ds))
	}
	if reflect.DeepEqual(st, ds.Status) {
		return nil
	}
	ds.Status = st
	_, err = c.client.AppsV1().DaemonSets(ds.Namespace).UpdateStatus(ctx, ds, metav1.UpdateOptions{})
	return err
}
