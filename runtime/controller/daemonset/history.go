package daemonset

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/podlab/podlab/runtime/controller/deployment"
)

// revisionPatch is upstream's getPatch: the strategic merge patch that
// restores the set's pod template, {"spec":{"template":{…,"$patch":"replace"}}}.
func revisionPatch(ds *appsv1.DaemonSet) ([]byte, error) {
	raw, err := json.Marshal(ds.Spec.Template)
	if err != nil {
		return nil, err
	}
	var template map[string]any
	if err := json.Unmarshal(raw, &template); err != nil {
		return nil, err
	}
	template["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": template}})
}

// history is upstream's constructHistory: the set's revisions, the one
// matching its template (made if missing, renumbered to be the newest)
// and the others.
func (c *Controller) history(ctx context.Context, ds *appsv1.DaemonSet) (*appsv1.ControllerRevision, []*appsv1.ControllerRevision, error) {
	patch, err := revisionPatch(ds)
	if err != nil {
		return nil, nil, err
	}
	all, err := c.revisions.ControllerRevisions(ds.Namespace).List(labels.Everything())
	if err != nil {
		return nil, nil, err
	}
	var cur, old []*appsv1.ControllerRevision
	for _, r := range all {
		if ref := metav1.GetControllerOf(r); ref == nil || ref.UID != ds.UID {
			continue
		}
		if bytes.Equal(r.Data.Raw, patch) {
			cur = append(cur, r)
		} else {
			old = append(old, r)
		}
	}
	next := int64(1)
	for _, r := range old {
		next = max(next, r.Revision+1)
	}
	if len(cur) == 0 {
		r, err := c.snapshot(ctx, ds, patch, next)
		return r, old, err
	}
	// upstream's dedupCurHistories: keep the newest, delete the rest.
	sort.Slice(cur, func(i, j int) bool { return cur[i].Revision > cur[j].Revision })
	for _, dup := range cur[1:] {
		if err := c.client.AppsV1().ControllerRevisions(ds.Namespace).Delete(ctx, dup.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return nil, nil, err
		}
	}
	r := cur[0]
	if r.Revision < next {
		r = r.DeepCopy()
		r.Revision = next
		if r, err = c.client.AppsV1().ControllerRevisions(ds.Namespace).Update(ctx, r, metav1.UpdateOptions{}); err != nil {
			return nil, nil, err
		}
	}
	return r, old, nil
}

// snapshot is upstream's: revision "<ds>-<hash>" of the template and
// collisionCount, labelled as the template plus the hash; a name taken by
// another template bumps status.collisionCount and retries.
func (c *Controller) snapshot(ctx context.Context, ds *appsv1.DaemonSet, patch []byte, revision int64) (*appsv1.ControllerRevision, error) {
	hash := deployment.ComputeHash(&ds.Spec.Template, ds.Status.CollisionCount)
	lbls := map[string]string{hashLabel: hash}
	for k, v := range ds.Spec.Template.Labels {
		lbls[k] = v
	}
	yes := true
	r := &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{
			Name: ds.Name + "-" + hash, Namespace: ds.Namespace, Labels: lbls, Annotations: ds.Annotations,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: dsKind.GroupVersion().String(), Kind: dsKind.Kind,
				Name: ds.Name, UID: ds.UID, Controller: &yes, BlockOwnerDeletion: &yes}},
		},
		Data:     runtime.RawExtension{Raw: patch},
		Revision: revision,
	}
	out, err := c.client.AppsV1().ControllerRevisions(ds.Namespace).Create(ctx, r, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		return out, err
	}
	existing, getErr := c.client.AppsV1().ControllerRevisions(ds.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
	if getErr != nil {
		return nil, getErr
	}
	if ref := metav1.GetControllerOf(existing); ref != nil && ref.UID == ds.UID && bytes.Equal(existing.Data.Raw, patch) {
		return existing, nil
	}
	fresh, getErr := c.client.AppsV1().DaemonSets(ds.Namespace).Get(ctx, ds.Name, metav1.GetOptions{})
	if getErr != nil {
		return nil, getErr
	}
	n := int32(0)
	if fresh.Status.CollisionCount != nil {
		n = *fresh.Status.CollisionCount
	}
	n++
	fresh.Status.CollisionCount = &n
	if _, err := c.client.AppsV1().DaemonSets(ds.Namespace).UpdateStatus(ctx, fresh, metav1.UpdateOptions{}); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("controller revision %s exists for another template; collisionCount is now %d", r.Name, n)
}

// cleanupHistory is upstream's: beyond revisionHistoryLimit, the oldest
// revisions no pod runs are deleted.
func (c *Controller) cleanupHistory(ctx context.Context, ds *appsv1.DaemonSet, old []*appsv1.ControllerRevision, byNode map[string][]*corev1.Pod) error {
	limit := 10
	if ds.Spec.RevisionHistoryLimit != nil {
		limit = int(*ds.Spec.RevisionHistoryLimit)
	}
	kill := len(old) - limit
	if kill <= 0 {
		return nil
	}
	live := map[string]bool{}
	for _, pods := range byNode {
		for _, p := range pods {
			live[p.Labels[hashLabel]] = true
		}
	}
	sort.Slice(old, func(i, j int) bool { return old[i].Revision < old[j].Revision })
	for _, r := range old {
		if kill <= 0 {
			break
		}
		if live[r.Labels[hashLabel]] {
			continue
		}
		if err := c.client.AppsV1().ControllerRevisions(ds.Namespace).Delete(ctx, r.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		kill--
	}
	return nil
}
