package deployment

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// rolloutRolling is upstream's rolloutRolling: grow the new replica set
// within maxSurge, else shrink old ones within maxUnavailable; clean up
// once complete.
func (c *Controller) rolloutRolling(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) error {
	newRS, oldRSs, err := c.allReplicaSets(ctx, d, rsList, true)
	if err != nil {
		return err
	}
	all := append(append([]*appsv1.ReplicaSet(nil), oldRSs...), newRS)
	up, err := c.reconcileNewReplicaSet(ctx, all, newRS, d)
	if err != nil {
		return err
	}
	if up {
		return c.syncRolloutStatus(ctx, all, newRS, d)
	}
	down, err := c.reconcileOldReplicaSets(ctx, all, activeReplicaSets(oldRSs), newRS, d)
	if err != nil {
		return err
	}
	if down {
		return c.syncRolloutStatus(ctx, all, newRS, d)
	}
	if deploymentComplete(d, &d.Status) {
		if err := c.cleanup(ctx, oldRSs, d); err != nil {
			return err
		}
	}
	return c.syncRolloutStatus(ctx, all, newRS, d)
}

func (c *Controller) reconcileNewReplicaSet(ctx context.Context, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment) (bool, error) {
	switch {
	case replicas(newRS) == desired(d):
		return false, nil
	case replicas(newRS) > desired(d):
		scaled, _, err := c.scaleAndRecord(ctx, newRS, desired(d), d)
		return scaled, err
	}
	n, err := newRSNewReplicas(d, all, newRS)
	if err != nil {
		return false, err
	}
	scaled, _, err := c.scaleAndRecord(ctx, newRS, n, d)
	return scaled, err
}

// reconcileOldReplicaSets shrinks old replica sets as far as
// maxUnavailable allows, their unavailable replicas first.
func (c *Controller) reconcileOldReplicaSets(ctx context.Context, all, oldRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment) (bool, error) {
	if specReplicas(oldRSs) == 0 {
		return false, nil
	}
	minAvailable := desired(d) - MaxUnavailable(d)
	newUnavailable := replicas(newRS) - newRS.Status.AvailableReplicas
	maxScaledDown := specReplicas(all) - minAvailable - newUnavailable
	if maxScaledDown <= 0 {
		return false, nil
	}
	oldRSs, cleaned, err := c.cleanupUnhealthyReplicas(ctx, oldRSs, d, maxScaledDown)
	if err != nil {
		return false, err
	}
	all = append(append([]*appsv1.ReplicaSet(nil), oldRSs...), newRS)
	scaledDown, err := c.scaleDownOldForRollingUpdate(ctx, all, oldRSs, d)
	if err != nil {
		return false, err
	}
	return cleaned+scaledDown > 0, nil
}

func (c *Controller) cleanupUnhealthyReplicas(ctx context.Context, oldRSs []*appsv1.ReplicaSet, d *appsv1.Deployment, maxCleanup int32) ([]*appsv1.ReplicaSet, int32, error) {
	byCreation(oldRSs)
	var total int32
	for i, rs := range oldRSs {
		if total >= maxCleanup {
			break
		}
		if replicas(rs) == 0 || replicas(rs) == rs.Status.AvailableReplicas {
			continue
		}
		down := min(maxCleanup-total, replicas(rs)-rs.Status.AvailableReplicas)
		if down < 0 {
			// The status still counts replicas the spec no longer wants (it
			// was just scaled down): upstream refuses to act on it and
			// retries once the replica set's status has caught up.
			return nil, total, fmt.Errorf("when cleaning up unhealthy replicas, got invalid request to scale down %s/%s %d -> %d", rs.Namespace, rs.Name, replicas(rs), replicas(rs)-down)
		}
		_, updated, err := c.scaleAndRecord(ctx, rs, replicas(rs)-down, d)
		if err != nil {
			return nil, total, err
		}
		total += down
		oldRSs[i] = updated
	}
	return oldRSs, total, nil
}

func (c *Controller) scaleDownOldForRollingUpdate(ctx context.Context, all, oldRSs []*appsv1.ReplicaSet, d *appsv1.Deployment) (int32, error) {
	minAvailable := desired(d) - MaxUnavailable(d)
	available := availableReplicas(all)
	if available <= minAvailable {
		return 0, nil
	}
	byCreation(oldRSs)
	want := available - minAvailable
	var total int32
	for _, rs := range oldRSs {
		if total >= want {
			break
		}
		if replicas(rs) == 0 {
			continue
		}
		down := min(replicas(rs), want-total)
		if _, _, err := c.scaleAndRecord(ctx, rs, replicas(rs)-down, d); err != nil {
			return total, err
		}
		total += down
	}
	return total, nil
}

// rolloutRecreate is upstream's rolloutRecreate: old replica sets to 0, and
// the new one up once no old pod runs.
func (c *Controller) rolloutRecreate(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) error {
	newRS, oldRSs, err := c.allReplicaSets(ctx, d, rsList, false)
	if err != nil {
		return err
	}
	all := append(append([]*appsv1.ReplicaSet(nil), oldRSs...), newRS)
	scaled := false
	for _, rs := range activeReplicaSets(oldRSs) {
		s, _, err := c.scaleAndRecord(ctx, rs, 0, d)
		if err != nil {
			return err
		}
		scaled = scaled || s
	}
	if scaled {
		return c.syncRolloutStatus(ctx, all, newRS, d)
	}
	running, err := c.oldPodsRunning(newRS, oldRSs)
	if err != nil {
		return err
	}
	if running {
		return c.syncRolloutStatus(ctx, all, newRS, d)
	}
	if newRS == nil {
		if newRS, oldRSs, err = c.allReplicaSets(ctx, d, rsList, true); err != nil {
			return err
		}
		all = append(append([]*appsv1.ReplicaSet(nil), oldRSs...), newRS)
	}
	if _, _, err := c.scaleAndRecord(ctx, newRS, desired(d), d); err != nil {
		return err
	}
	if deploymentComplete(d, &d.Status) {
		if err := c.cleanup(ctx, oldRSs, d); err != nil {
			return err
		}
	}
	return c.syncRolloutStatus(ctx, all, newRS, d)
}

// oldPodsRunning: old replica sets still report replicas, or a pod of
// theirs has not finished (Failed and Succeeded pods are done).
func (c *Controller) oldPodsRunning(newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet) (bool, error) {
	if statusReplicas(oldRSs) > 0 {
		return true, nil
	}
	for _, rs := range oldRSs {
		sel, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
		if err != nil {
			continue
		}
		pods, err := c.pods.Pods(rs.Namespace).List(sel)
		if err != nil {
			return false, err
		}
		for _, p := range pods {
			ref := metav1.GetControllerOf(p)
			if ref == nil || ref.UID != rs.UID || (newRS != nil && ref.UID == newRS.UID) {
				continue
			}
			if p.Status.Phase != corev1.PodFailed && p.Status.Phase != corev1.PodSucceeded {
				return true, nil
			}
		}
	}
	return false, nil
}

// syncScale is upstream's sync: scale only (a paused deployment, or the
// replicas changed), clean up when paused, and update the status.
func (c *Controller) syncScale(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) error {
	newRS, oldRSs, err := c.allReplicaSets(ctx, d, rsList, false)
	if err != nil {
		return err
	}
	if err := c.scale(ctx, d, newRS, oldRSs); err != nil {
		return err
	}
	if d.Spec.Paused {
		if err := c.cleanup(ctx, oldRSs, d); err != nil {
			return err
		}
	}
	return c.syncStatus(ctx, append(oldRSs, newRS), newRS, d)
}

// scale follows upstream's scale: a single active (or the latest) replica
// set takes the new size; a saturated new one leaves the old at 0; during a
// rolling update the change is spread in proportion to the replica sets'
// sizes against the max-replicas they were last scaled for, the leftover
// going to the largest.
func (c *Controller) scale(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet) error {
	if rs := activeOrLatest(newRS, oldRSs); rs != nil {
		if replicas(rs) == desired(d) {
			return nil
		}
		_, _, err := c.scaleAndRecord(ctx, rs, desired(d), d)
		return err
	}
	if isSaturated(d, newRS) {
		for _, old := range activeReplicaSets(oldRSs) {
			if _, _, err := c.scaleAndRecord(ctx, old, 0, d); err != nil {
				return err
			}
		}
		return nil
	}
	if !isRollingUpdate(d) {
		return nil
	}
	all := activeReplicaSets(append(append([]*appsv1.ReplicaSet(nil), oldRSs...), newRS))
	sizes, op := proportionalSizes(d, all)
	for _, rs := range all {
		if _, _, err := c.scaleReplicaSet(ctx, rs, sizes[rs.Name], d, op); err != nil {
			return err
		}
	}
	return nil
}

// proportionalSizes spreads a change of a rolling deployment's replicas
// over its active replica sets (sorted in place): each gets its share of
// replicas+maxSurge against the max-replicas it was last scaled for, the
// leftover going to the first (the largest: newest first when growing,
// oldest first when shrinking).
func proportionalSizes(d *appsv1.Deployment, all []*appsv1.ReplicaSet) (map[string]int32, string) {
	var allowed int32
	if desired(d) > 0 {
		allowed = desired(d) + MaxSurge(d)
	}
	toAdd := allowed - specReplicas(all)
	op := ""
	switch {
	case toAdd > 0:
		bySize(all, true)
		op = "up"
	case toAdd < 0:
		bySize(all, false)
		op = "down"
	}
	sizes := map[string]int32{}
	var added int32
	for _, rs := range all {
		if toAdd != 0 {
			p := proportion(rs, d, toAdd, added)
			sizes[rs.Name] = replicas(rs) + p
			added += p
		} else {
			sizes[rs.Name] = replicas(rs)
		}
	}
	if toAdd != 0 && len(all) > 0 {
		sizes[all[0].Name] += toAdd - added
		if sizes[all[0].Name] < 0 {
			sizes[all[0].Name] = 0
		}
	}
	return sizes, op
}

// activeOrLatest is the only active replica set, the latest when none is
// active, nil when several are (upstream's FindActiveOrLatest).
func activeOrLatest(newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet) *appsv1.ReplicaSet {
	if newRS == nil && len(oldRSs) == 0 {
		return nil
	}
	sorted := append([]*appsv1.ReplicaSet(nil), oldRSs...)
	byCreation(sorted)
	for i, j := 0, len(sorted)-1; i < j; i, j = i+1, j-1 {
		sorted[i], sorted[j] = sorted[j], sorted[i]
	}
	active := activeReplicaSets(append(sorted, newRS))
	switch len(active) {
	case 0:
		if newRS != nil {
			return newRS
		}
		return sorted[0]
	case 1:
		return active[0]
	}
	return nil
}

func isSaturated(d *appsv1.Deployment, rs *appsv1.ReplicaSet) bool {
	if rs == nil {
		return false
	}
	n, ok := intAnnotation(rs, DesiredReplicasAnnotation)
	return ok && replicas(rs) == desired(d) && n == desired(d) && rs.Status.AvailableReplicas == desired(d)
}

// proportion is upstream's GetProportion / getReplicaSetFraction.
func proportion(rs *appsv1.ReplicaSet, d *appsv1.Deployment, toAdd, added int32) int32 {
	if rs == nil || replicas(rs) == 0 || toAdd == 0 || toAdd == added {
		return 0
	}
	f := fraction(rs, d)
	allowed := toAdd - added
	if toAdd > 0 {
		return min(f, allowed)
	}
	return max(f, allowed)
}

func fraction(rs *appsv1.ReplicaSet, d *appsv1.Deployment) int32 {
	if desired(d) == 0 {
		return -replicas(rs)
	}
	maxNow := desired(d) + MaxSurge(d)
	before, ok := intAnnotation(rs, MaxReplicasAnnotation)
	if !ok || before == 0 {
		// Without the annotation, the deployment's current replicas stand in.
		before = d.Status.Replicas
		if before == 0 {
			return 0
		}
	}
	size := float64(replicas(rs)*maxNow) / float64(before)
	return int32(math.Round(size)) - replicas(rs)
}

func (c *Controller) scaleAndRecord(ctx context.Context, rs *appsv1.ReplicaSet, n int32, d *appsv1.Deployment) (bool, *appsv1.ReplicaSet, error) {
	if replicas(rs) == n {
		return false, rs, nil
	}
	op := "down"
	if replicas(rs) < n {
		op = "up"
	}
	return c.scaleReplicaSet(ctx, rs, n, d, op)
}

// scaleReplicaSet writes the size and the replicas annotations; a new size
// is a ScalingReplicaSet event.
func (c *Controller) scaleReplicaSet(ctx context.Context, rs *appsv1.ReplicaSet, n int32, d *appsv1.Deployment, op string) (bool, *appsv1.ReplicaSet, error) {
	sizeChanged := replicas(rs) != n
	maxR := desired(d) + MaxSurge(d)
	if !sizeChanged && !replicasAnnotationsNeedUpdate(rs, desired(d), maxR) {
		return false, rs, nil
	}
	old := replicas(rs)
	cp := rs.DeepCopy()
	cp.Spec.Replicas = &n
	setReplicasAnnotations(cp, desired(d), maxR)
	updated, err := c.client.AppsV1().ReplicaSets(cp.Namespace).Update(ctx, cp, metav1.UpdateOptions{})
	if err != nil {
		return false, rs, err
	}
	if sizeChanged {
		c.event(d, corev1.EventTypeNormal, "ScalingReplicaSet", fmt.Sprintf("Scaled %s replica set %s from %d to %d", op, updated.Name, old, n))
	}
	return sizeChanged, updated, nil
}

// cleanup deletes the old replica sets beyond revisionHistoryLimit, lowest
// revision first, skipping any that still has or wants replicas or whose
// status is behind (upstream's cleanupDeployment).
func (c *Controller) cleanup(ctx context.Context, oldRSs []*appsv1.ReplicaSet, d *appsv1.Deployment) error {
	// upstream's HasRevisionHistoryLimit: unset or MaxInt32 keeps everything.
	if d.Spec.RevisionHistoryLimit == nil || *d.Spec.RevisionHistoryLimit == math.MaxInt32 {
		return nil
	}
	var alive []*appsv1.ReplicaSet
	for _, rs := range oldRSs {
		if rs != nil && rs.DeletionTimestamp == nil {
			alive = append(alive, rs)
		}
	}
	diff := len(alive) - int(*d.Spec.RevisionHistoryLimit)
	if diff <= 0 {
		return nil
	}
	byRevision(alive)
	for _, rs := range alive[:diff] {
		if rs.Status.Replicas != 0 || replicas(rs) != 0 || rs.Generation > rs.Status.ObservedGeneration {
			continue
		}
		err := c.client.AppsV1().ReplicaSets(rs.Namespace).Delete(ctx, rs.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &rs.UID}})
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}

// calculateStatus is upstream's calculateStatus.
func (c *Controller) calculateStatus(all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment) appsv1.DeploymentStatus {
	available := availableReplicas(all)
	unavailable := max(specReplicas(all)-available, 0)
	s := appsv1.DeploymentStatus{
		ObservedGeneration:  d.Generation,
		Replicas:            statusReplicas(all),
		UpdatedReplicas:     statusReplicas([]*appsv1.ReplicaSet{newRS}),
		ReadyReplicas:       readyReplicas(all),
		AvailableReplicas:   available,
		UnavailableReplicas: unavailable,
		CollisionCount:      d.Status.CollisionCount,
		// DeploymentReplicaSetTerminatingReplicas, beta and on since v1.35.
		TerminatingReplicas: terminatingReplicas(all),
	}
	s.Conditions = append(s.Conditions, d.Status.Conditions...)
	now := c.clock.Now()
	if available >= desired(d)-MaxUnavailable(d) {
		setCondition(&s, newCondition(appsv1.DeploymentAvailable, corev1.ConditionTrue, MinimumReplicasAvailable, "Deployment has minimum availability.", now))
	} else {
		setCondition(&s, newCondition(appsv1.DeploymentAvailable, corev1.ConditionFalse, MinimumReplicasUnavailable, "Deployment does not have minimum availability.", now))
	}
	return s
}

// syncStatus writes the status when it changed (upstream's syncDeploymentStatus).
func (c *Controller) syncStatus(ctx context.Context, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment) error {
	s := c.calculateStatus(all, newRS, d)
	if reflect.DeepEqual(d.Status, s) {
		return nil
	}
	d.Status = s
	return c.updateStatus(ctx, d)
}

// syncRolloutStatus is upstream's syncRolloutStatus: the status with the
// Progressing condition (complete, progressing, or past its deadline) and
// the replica sets' ReplicaFailure condition.
func (c *Controller) syncRolloutStatus(ctx context.Context, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment) error {
	s := c.calculateStatus(all, newRS, d)
	if !hasProgressDeadline(d) {
		removeCondition(&s, appsv1.DeploymentProgressing)
	}
	cur := getCondition(d.Status, appsv1.DeploymentProgressing)
	complete := s.Replicas == s.UpdatedReplicas && cur != nil && cur.Reason == NewRSAvailableReason
	now := c.clock.Now()
	if hasProgressDeadline(d) && !complete {
		switch {
		case deploymentComplete(d, &s):
			msg := fmt.Sprintf("Deployment %q has successfully progressed.", d.Name)
			if newRS != nil {
				msg = fmt.Sprintf("ReplicaSet %q has successfully progressed.", newRS.Name)
			}
			setCondition(&s, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, NewRSAvailableReason, msg, now))
		case deploymentProgressing(d, &s):
			msg := fmt.Sprintf("Deployment %q is progressing.", d.Name)
			if newRS != nil {
				msg = fmt.Sprintf("ReplicaSet %q is progressing.", newRS.Name)
			}
			cond := newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReplicaSetUpdatedReason, msg, now)
			// A progressing rollout renews lastUpdateTime, keeping the transition.
			if cur != nil {
				if cur.Status == corev1.ConditionTrue {
					cond.LastTransitionTime = cur.LastTransitionTime
				}
				removeCondition(&s, appsv1.DeploymentProgressing)
			}
			setCondition(&s, cond)
		case deploymentTimedOut(d, &s, now):
			msg := fmt.Sprintf("Deployment %q has timed out progressing.", d.Name)
			if newRS != nil {
				msg = fmt.Sprintf("ReplicaSet %q has timed out progressing.", newRS.Name)
			}
			setCondition(&s, newCondition(appsv1.DeploymentProgressing, corev1.ConditionFalse, TimedOutReason, msg, now))
		}
	}
	if f := replicaFailure(all, newRS); f != nil {
		setCondition(&s, *f)
	} else {
		removeCondition(&s, appsv1.DeploymentReplicaFailure)
	}
	if reflect.DeepEqual(d.Status, s) {
		c.requeueStuck(d, s, now)
		return nil
	}
	d.Status = s
	return c.updateStatus(ctx, d)
}

// requeueStuck checks the progress deadline again when it would pass.
func (c *Controller) requeueStuck(d *appsv1.Deployment, s appsv1.DeploymentStatus, now time.Time) {
	cur := getCondition(s, appsv1.DeploymentProgressing)
	if !hasProgressDeadline(d) || cur == nil || deploymentComplete(d, &s) || cur.Reason == TimedOutReason {
		return
	}
	key := d.Namespace + "/" + d.Name
	after := cur.LastUpdateTime.Add(progressDeadline(d)).Sub(now)
	if after < time.Second {
		c.queue.AddRateLimited(key)
		return
	}
	c.queue.AddAfter(key, after)
}

// replicaFailure carries a replica set's ReplicaFailure condition (the new
// one's first) over to the deployment.
func replicaFailure(all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) *appsv1.DeploymentCondition {
	for _, rs := range append([]*appsv1.ReplicaSet{newRS}, all...) {
		if rs == nil {
			continue
		}
		for _, rc := range rs.Status.Conditions {
			if rc.Type == appsv1.ReplicaSetReplicaFailure {
				return &appsv1.DeploymentCondition{Type: appsv1.DeploymentReplicaFailure, Status: rc.Status, Reason: rc.Reason, Message: rc.Message,
					LastUpdateTime: rc.LastTransitionTime, LastTransitionTime: rc.LastTransitionTime}
			}
		}
	}
	return nil
}
