package job

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

var everything = labels.Everything()

func labelSet(m map[string]string) labels.Set { return labels.Set(m) }

// claim is upstream's PodControllerRefManager.ClaimPods with the
// job-tracking finalizer: every pod of the namespace (ended ones too: they
// are counted) the job controls and selects, plus adopted orphans.
func (c *Controller) claim(ctx context.Context, j *batchv1.Job) ([]*corev1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(j.Spec.Selector)
	if err != nil || sel.Empty() {
		return nil, nil // validation refuses it
	}
	all, err := c.pods.Pods(j.Namespace).List(everything)
	if err != nil {
		return nil, err
	}
	var owned []*corev1.Pod
	var errs []error
	var adoptable *bool
	canAdopt := func() bool {
		if adoptable == nil {
			fresh, err := c.client.BatchV1().Jobs(j.Namespace).Get(ctx, j.Name, metav1.GetOptions{})
			ok := err == nil && fresh.UID == j.UID && fresh.DeletionTimestamp == nil
			if err != nil {
				errs = append(errs, fmt.Errorf("can't adopt pods: %w", err))
			}
			adoptable = &ok
		}
		return *adoptable
	}
	for _, p := range all {
		ref := metav1.GetControllerOf(p)
		matches := sel.Matches(labels.Set(p.Labels))
		switch {
		case ref != nil && ref.UID != j.UID:
		case ref != nil && matches:
			owned = append(owned, p)
		case ref != nil:
			if j.DeletionTimestamp == nil {
				if err := c.patchPod(ctx, p, map[string]any{"$patch": "delete", "uid": j.UID}, false); err != nil && !apierrors.IsNotFound(err) {
					errs = append(errs, err)
				}
			}
		case matches && j.DeletionTimestamp == nil && p.DeletionTimestamp == nil && canAdopt():
			if err := c.patchPod(ctx, p, controllerRef(j), true); err != nil {
				if !apierrors.IsNotFound(err) {
					errs = append(errs, err)
				}
				continue
			}
			owned = append(owned, p)
		}
	}
	return owned, errors.Join(errs...)
}

// controllerRef is upstream's NewControllerRef (controller and
// blockOwnerDeletion true).
func controllerRef(j *batchv1.Job) metav1.OwnerReference {
	yes := true
	return metav1.OwnerReference{
		APIVersion: jobKind.GroupVersion().String(), Kind: jobKind.Kind,
		Name: j.Name, UID: j.UID, Controller: &yes, BlockOwnerDeletion: &yes,
	}
}

// patchPod adopts (adding the reference and the finalizer) or releases
// (deleting the reference by uid and the finalizer) with upstream's
// strategic merge patch, guarded by the pod's uid.
func (c *Controller) patchPod(ctx context.Context, p *corev1.Pod, ref any, adopt bool) error {
	meta := map[string]any{"ownerReferences": []any{ref}, "uid": p.UID}
	if adopt {
		meta["finalizers"] = []string{batchv1.JobTrackingFinalizer}
	} else {
		meta["$deleteFromPrimitiveList/finalizers"] = []string{batchv1.JobTrackingFinalizer}
	}
	body, err := json.Marshal(map[string]any{"metadata": meta})
	if err != nil {
		return err
	}
	_, err = c.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, body, metav1.PatchOptions{})
	return err
}

// removeFinalizer takes the job-tracking finalizer off a pod
// (upstream's removeTrackingFinalizerPatch).
func (c *Controller) removeFinalizer(ctx context.Context, p *corev1.Pod) error {
	body, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"$deleteFromPrimitiveList/finalizers": []string{batchv1.JobTrackingFinalizer}, "uid": p.UID}})
	if err != nil {
		return err
	}
	_, err = c.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, body, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// syncOrphan removes the finalizer from a pod whose job is gone (upstream's
// handleOrphanPod); a pod with a live job is that job's business.
func (c *Controller) syncOrphan(ctx context.Context, key string) error {
	ns, name, _ := splitKey(key)
	p, err := c.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil || !hasFinalizer(p) {
		return err
	}
	if ref := metav1.GetControllerOf(p); ref != nil && c.resolve(ns, ref) != nil {
		return nil
	}
	if ref := metav1.GetControllerOf(p); ref == nil {
		// An orphan a live job's selector matches may still be adopted.
		jobs, _ := c.jobs.Jobs(ns).List(everything)
		for _, j := range jobs {
			if sel, err := metav1.LabelSelectorAsSelector(j.Spec.Selector); err == nil && !sel.Empty() && sel.Matches(labels.Set(p.Labels)) && j.DeletionTimestamp == nil {
				return nil
			}
		}
	}
	return c.removeFinalizer(ctx, p)
}

func splitKey(key string) (string, string, bool) {
	for i := range key {
		if key[i] == '/' {
			return key[:i], key[i+1:], true
		}
	}
	return "", key, false
}

// createPods makes n pods (one per index when Indexed) in slow-start
// batches; it returns how many it created.
func (c *Controller) createPods(ctx context.Context, j *batchv1.Job, indexes []int, n int) (int, error) {
	key := jobKey(j)
	c.exp.Expect(key, n, nil)
	template := j.Spec.Template.DeepCopy()
	if isIndexed(j) {
		addIndexEnv(template)
	}
	template.Finalizers = appendIfMissing(template.Finalizers, batchv1.JobTrackingFinalizer)
	created, next := 0, 0
	var err error
	for batch := min(n, 1); batch > 0 && err == nil; batch = min(2*batch, n-next) {
		errc := make(chan error, batch)
		var wg sync.WaitGroup
		for range batch {
			ix := -1
			if indexes != nil {
				ix = indexes[next]
			}
			next++
			wg.Go(func() {
				if err := c.createPod(ctx, j, template, ix); err != nil {
					errc <- err
				}
			})
		}
		wg.Wait()
		created += batch - len(errc)
		if len(errc) > 0 {
			err = <-errc
		}
	}
	for range n - created {
		c.exp.CreationObserved(key)
	}
	return created, err
}

// createPod is upstream's GetPodFromTemplate plus the completion index.
func (c *Controller) createPod(ctx context.Context, j *batchv1.Job, t *corev1.PodTemplateSpec, ix int) error {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    j.Name + "-",
			Namespace:       j.Namespace,
			Labels:          copyMap(t.Labels),
			Annotations:     copyMap(t.Annotations),
			Finalizers:      append([]string(nil), t.Finalizers...),
			OwnerReferences: []metav1.OwnerReference{controllerRef(j)},
		},
		Spec: *t.Spec.DeepCopy(),
	}
	if ix >= 0 {
		// Upstream: the index as annotation and label (PodIndexLabel is
		// GA), hostname "<job>-<index>", generateName "<job>-<index>-".
		s := strconv.Itoa(ix)
		if pod.Annotations == nil {
			pod.Annotations = map[string]string{}
		}
		if pod.Labels == nil {
			pod.Labels = map[string]string{}
		}
		pod.Annotations[batchv1.JobCompletionIndexAnnotation] = s
		pod.Labels[batchv1.JobCompletionIndexAnnotation] = s
		pod.Spec.Hostname = fmt.Sprintf("%s-%d", j.Name, ix)
		pod.GenerateName = generateNameWithIndex(j.Name, ix)
	}
	created, err := c.client.CoreV1().Pods(j.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			return nil
		}
		c.event(j, corev1.EventTypeWarning, "FailedCreate", fmt.Sprintf("Error creating: %v", err))
		return err
	}
	c.event(j, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: "+created.Name)
	return nil
}

// generateNameWithIndex is upstream's podGenerateNameWithIndex: the job's
// name cut so that the name with the 5 random characters fits 63.
func generateNameWithIndex(name string, ix int) string {
	suffix := fmt.Sprintf("-%d-", ix)
	if max := 63 - 5 - len(suffix); len(name) > max {
		name = name[:max]
	}
	return name + suffix
}

// addIndexEnv is upstream's addCompletionIndexEnvVariables:
// JOB_COMPLETION_INDEX from the annotation, in every container that does
// not set it.
func addIndexEnv(t *corev1.PodTemplateSpec) {
	add := func(cs []corev1.Container) {
		for i := range cs {
			found := false
			for _, e := range cs[i].Env {
				found = found || e.Name == "JOB_COMPLETION_INDEX"
			}
			if !found {
				cs[i].Env = append(cs[i].Env, corev1.EnvVar{Name: "JOB_COMPLETION_INDEX", ValueFrom: &corev1.EnvVarSource{
					FieldRef: &corev1.ObjectFieldSelector{FieldPath: fmt.Sprintf("metadata.annotations['%s']", batchv1.JobCompletionIndexAnnotation)}}})
			}
		}
	}
	add(t.Spec.InitContainers)
	add(t.Spec.Containers)
}

// deletePods deletes pods, keeping their finalizers (the tracking removes
// them once counted); it returns how many it deleted and how many of those
// were ready.
func (c *Controller) deletePods(ctx context.Context, j *batchv1.Job, pods []*corev1.Pod) (int, int, error) {
	key := jobKey(j)
	keys := make([]string, len(pods))
	for i, p := range pods {
		keys[i] = podKey(p)
	}
	c.exp.Expect(key, 0, keys)
	var mu sync.Mutex
	var errs []error
	deleted, ready := 0, 0
	var wg sync.WaitGroup
	for _, p := range pods {
		wg.Go(func() {
			err := c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &p.UID}})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				deleted++
				if isReady(p) {
					ready++
				}
				c.event(j, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: "+p.Name)
			case apierrors.IsNotFound(err):
				c.exp.DeletionObserved(key, podKey(p))
			default:
				c.exp.DeletionObserved(key, podKey(p))
				c.event(j, corev1.EventTypeWarning, "FailedDelete", fmt.Sprintf("Error deleting: %v", err))
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	return deleted, ready, errors.Join(errs...)
}

// forRemoval picks n active pods to delete, upstream's controller.ActivePods
// order: unscheduled first, then pending before running, not ready before
// ready, more restarts first, the newest first.
func forRemoval(pods []*corev1.Pod, n int) []*corev1.Pod {
	if n <= 0 {
		return nil
	}
	out := append([]*corev1.Pod(nil), pods...)
	phase := map[corev1.PodPhase]int{corev1.PodPending: 0, corev1.PodUnknown: 1, corev1.PodRunning: 2}
	sort.SliceStable(out, func(a, b int) bool {
		pa, pb := out[a], out[b]
		if (pa.Spec.NodeName == "") != (pb.Spec.NodeName == "") {
			return pa.Spec.NodeName == ""
		}
		if phase[pa.Status.Phase] != phase[pb.Status.Phase] {
			return phase[pa.Status.Phase] < phase[pb.Status.Phase]
		}
		if isReady(pa) != isReady(pb) {
			return !isReady(pa)
		}
		if ra, rb := restarts(pa), restarts(pb); ra != rb {
			return ra > rb
		}
		return pb.CreationTimestamp.Before(&pa.CreationTimestamp)
	})
	return out[:min(n, len(out))]
}

func restarts(p *corev1.Pod) int32 {
	var n int32
	for _, cs := range p.Status.InitContainerStatuses {
		n += cs.RestartCount
	}
	for _, cs := range p.Status.ContainerStatuses {
		n += cs.RestartCount
	}
	return n
}

func isReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func appendIfMissing(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
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
