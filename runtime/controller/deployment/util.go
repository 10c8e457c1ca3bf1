package deployment

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/utils/dump"
)

// Annotations and labels of upstream's pkg/controller/deployment/util.
const (
	RevisionAnnotation        = "deployment.kubernetes.io/revision"
	RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
	DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
	MaxReplicasAnnotation     = "deployment.kubernetes.io/max-replicas"
	// PodTemplateHashLabel is appsv1.DefaultDeploymentUniqueLabelKey.
	PodTemplateHashLabel = appsv1.DefaultDeploymentUniqueLabelKey

	lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"
	rollbackToAnnotation  = "deprecated.deployment.rollback.to"
	// maxRevHistoryLengthInChars bounds revision-history (upstream's 2000).
	maxRevHistoryLengthInChars = 2000
)

// Condition reasons of upstream's deployment util.
const (
	ReplicaSetUpdatedReason    = "ReplicaSetUpdated"
	FailedRSCreateReason       = "ReplicaSetCreateError"
	NewReplicaSetReason        = "NewReplicaSetCreated"
	FoundNewRSReason           = "FoundNewReplicaSet"
	NewRSAvailableReason       = "NewReplicaSetAvailable"
	TimedOutReason             = "ProgressDeadlineExceeded"
	PausedDeployReason         = "DeploymentPaused"
	ResumedDeployReason        = "DeploymentResumed"
	MinimumReplicasAvailable   = "MinimumReplicasAvailable"
	MinimumReplicasUnavailable = "MinimumReplicasUnavailable"
)

// ComputeHash is upstream's controller.ComputeHash: FNV-32a of the template
// as hashutil.DeepHashObject writes it (dump.ForHash), then the collision
// count as 8 little-endian bytes, safe-encoded.
func ComputeHash(template *corev1.PodTemplateSpec, collisionCount *int32) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%v", dump.ForHash(*template))
	if collisionCount != nil {
		b := make([]byte, 8)
		binary.LittleEndian.PutUint32(b, uint32(*collisionCount))
		h.Write(b)
	}
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// EqualIgnoreHash compares two templates without their pod-template-hash
// labels (upstream's util.EqualIgnoreHash).
func EqualIgnoreHash(a, b *corev1.PodTemplateSpec) bool {
	a, b = a.DeepCopy(), b.DeepCopy()
	delete(a.Labels, PodTemplateHashLabel)
	delete(b.Labels, PodTemplateHashLabel)
	return apiequality.Semantic.DeepEqual(a, b)
}

// Revision reads an object's revision annotation (0 when absent).
func Revision(obj metav1.Object) (int64, error) {
	v, ok := obj.GetAnnotations()[RevisionAnnotation]
	if !ok || v == "" {
		return 0, nil
	}
	return strconv.ParseInt(v, 10, 64)
}

func maxRevision(rss []*appsv1.ReplicaSet) int64 {
	var m int64
	for _, rs := range rss {
		if v, err := Revision(rs); err == nil && v > m {
			m = v
		}
	}
	return m
}

func replicas(rs *appsv1.ReplicaSet) int32 {
	if rs == nil || rs.Spec.Replicas == nil {
		return 0
	}
	return *rs.Spec.Replicas
}

func desired(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

// sums over replica sets, as upstream's Get*ReplicaCountForReplicaSets.
func specReplicas(rss []*appsv1.ReplicaSet) (n int32) {
	for _, rs := range rss {
		n += replicas(rs)
	}
	return
}

func statusReplicas(rss []*appsv1.ReplicaSet) (n int32) {
	for _, rs := range rss {
		if rs != nil {
			n += rs.Status.Replicas
		}
	}
	return
}

func readyReplicas(rss []*appsv1.ReplicaSet) (n int32) {
	for _, rs := range rss {
		if rs != nil {
			n += rs.Status.ReadyReplicas
		}
	}
	return
}

func availableReplicas(rss []*appsv1.ReplicaSet) (n int32) {
	for _, rs := range rss {
		if rs != nil {
			n += rs.Status.AvailableReplicas
		}
	}
	return
}

// terminatingReplicas sums the replica sets' terminating pods; unknown
// (nil) when one of them does not report it (upstream's
// GetTerminatingReplicaCountForReplicaSets).
func terminatingReplicas(rss []*appsv1.ReplicaSet) *int32 {
	var n int32
	for _, rs := range rss {
		switch {
		case rs == nil:
		case rs.Status.TerminatingReplicas == nil:
			return nil
		default:
			n += *rs.Status.TerminatingReplicas
		}
	}
	return &n
}

// activeReplicaSets are those with replicas (upstream's FilterActiveReplicaSets).
func activeReplicaSets(rss []*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	var out []*appsv1.ReplicaSet
	for _, rs := range rss {
		if rs != nil && replicas(rs) > 0 {
			out = append(out, rs)
		}
	}
	return out
}

// byCreation orders oldest first, ties by name (ReplicaSetsByCreationTimestamp).
func byCreation(rss []*appsv1.ReplicaSet) {
	sort.SliceStable(rss, func(i, j int) bool { return olderThan(rss[i], rss[j]) })
}

func olderThan(a, b *appsv1.ReplicaSet) bool {
	if a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.Name < b.Name
	}
	return a.CreationTimestamp.Before(&b.CreationTimestamp)
}

// byRevision orders lowest revision first, ties by creation (ReplicaSetsByRevision).
func byRevision(rss []*appsv1.ReplicaSet) {
	sort.SliceStable(rss, func(i, j int) bool {
		ri, _ := Revision(rss[i])
		rj, _ := Revision(rss[j])
		if ri == rj {
			return olderThan(rss[i], rss[j])
		}
		return ri < rj
	})
}

// bySize orders the largest first; ties go newest first when newer is set
// (ReplicaSetsBySizeNewer, for scaling up) or oldest first (BySizeOlder).
func bySize(rss []*appsv1.ReplicaSet, newer bool) {
	sort.SliceStable(rss, func(i, j int) bool {
		if replicas(rss[i]) == replicas(rss[j]) {
			if newer {
				return olderThan(rss[j], rss[i])
			}
			return olderThan(rss[i], rss[j])
		}
		return replicas(rss[i]) > replicas(rss[j])
	})
}

// findNewReplicaSet is the oldest replica set whose template equals the
// deployment's, hash aside (upstream's FindNewReplicaSet).
func findNewReplicaSet(d *appsv1.Deployment, rss []*appsv1.ReplicaSet) *appsv1.ReplicaSet {
	sorted := append([]*appsv1.ReplicaSet(nil), rss...)
	byCreation(sorted)
	for _, rs := range sorted {
		if EqualIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
			return rs
		}
	}
	return nil
}

// findOldReplicaSets are all the others (upstream's allOldRSs).
func findOldReplicaSets(d *appsv1.Deployment, rss []*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	newRS := findNewReplicaSet(d, rss)
	var old []*appsv1.ReplicaSet
	for _, rs := range rss {
		if newRS != nil && rs.UID == newRS.UID {
			continue
		}
		old = append(old, rs)
	}
	return old
}

func isRollingUpdate(d *appsv1.Deployment) bool {
	return d.Spec.Strategy.Type == appsv1.RollingUpdateDeploymentStrategyType
}

// resolveFenceposts resolves maxSurge (rounded up) and maxUnavailable
// (rounded down) against the desired replicas; when both are 0
// maxUnavailable becomes 1 (upstream's ResolveFenceposts).
func resolveFenceposts(maxSurge, maxUnavailable *intstr.IntOrString, want int32) (int32, int32, error) {
	zero := intstr.FromInt32(0)
	if maxSurge == nil {
		maxSurge = &zero
	}
	if maxUnavailable == nil {
		maxUnavailable = &zero
	}
	surge, err := intstr.GetScaledValueFromIntOrPercent(maxSurge, int(want), true)
	if err != nil {
		return 0, 0, err
	}
	unavailable, err := intstr.GetScaledValueFromIntOrPercent(maxUnavailable, int(want), false)
	if err != nil {
		return 0, 0, err
	}
	if surge == 0 && unavailable == 0 {
		unavailable = 1
	}
	return int32(surge), int32(unavailable), nil
}

// MaxSurge is the rolling update's surge in pods (0 for Recreate).
func MaxSurge(d *appsv1.Deployment) int32 {
	if !isRollingUpdate(d) || d.Spec.Strategy.RollingUpdate == nil {
		return 0
	}
	s, _, _ := resolveFenceposts(d.Spec.Strategy.RollingUpdate.MaxSurge, d.Spec.Strategy.RollingUpdate.MaxUnavailable, desired(d))
	return s
}

// MaxUnavailable is the rolling update's allowance of unavailable pods,
// never more than the replicas (0 for Recreate or no replicas).
func MaxUnavailable(d *appsv1.Deployment) int32 {
	if !isRollingUpdate(d) || d.Spec.Strategy.RollingUpdate == nil || desired(d) == 0 {
		return 0
	}
	_, u, _ := resolveFenceposts(d.Spec.Strategy.RollingUpdate.MaxSurge, d.Spec.Strategy.RollingUpdate.MaxUnavailable, desired(d))
	return min(u, desired(d))
}

// newRSNewReplicas is the size the new replica set may grow to now
// (upstream's NewRSNewReplicas).
func newRSNewReplicas(d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) (int32, error) {
	switch d.Spec.Strategy.Type {
	case appsv1.RollingUpdateDeploymentStrategyType:
		surge, err := intstr.GetScaledValueFromIntOrPercent(d.Spec.Strategy.RollingUpdate.MaxSurge, int(desired(d)), true)
		if err != nil {
			return 0, err
		}
		current := specReplicas(all)
		maxTotal := desired(d) + int32(surge)
		if current >= maxTotal {
			return replicas(newRS), nil
		}
		up := min(maxTotal-current, desired(d)-replicas(newRS))
		return replicas(newRS) + up, nil
	case appsv1.RecreateDeploymentStrategyType:
		return desired(d), nil
	}
	return 0, fmt.Errorf("deployment type %v isn't supported", d.Spec.Strategy.Type)
}

func intAnnotation(rs *appsv1.ReplicaSet, key string) (int32, bool) {
	v, ok := rs.Annotations[key]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, false
	}
	return int32(n), true
}

// setReplicasAnnotations writes desired- and max-replicas; it reports a change.
func setReplicasAnnotations(rs *appsv1.ReplicaSet, want, max int32) bool {
	changed := false
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	for k, v := range map[string]string{DesiredReplicasAnnotation: fmt.Sprint(want), MaxReplicasAnnotation: fmt.Sprint(max)} {
		if rs.Annotations[k] != v {
			rs.Annotations[k] = v
			changed = true
		}
	}
	return changed
}

func replicasAnnotationsNeedUpdate(rs *appsv1.ReplicaSet, want, max int32) bool {
	return rs.Annotations[DesiredReplicasAnnotation] != fmt.Sprint(want) || rs.Annotations[MaxReplicasAnnotation] != fmt.Sprint(max)
}

// skipCopy are the annotations not copied from a deployment to its replica
// sets (upstream's annotationsToSkip).
func skipCopy(k string) bool {
	switch k {
	case lastAppliedAnnotation, RevisionAnnotation, RevisionHistoryAnnotation, DesiredReplicasAnnotation, MaxReplicasAnnotation, rollbackToAnnotation:
		return true
	}
	return false
}

func copyAnnotations(d *appsv1.Deployment, rs *appsv1.ReplicaSet) bool {
	changed := false
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	for k, v := range d.Annotations {
		if skipCopy(k) {
			continue
		}
		if old, ok := rs.Annotations[k]; !ok || old != v {
			rs.Annotations[k] = v
			changed = true
		}
	}
	return changed
}

// setNewReplicaSetAnnotations follows upstream's SetNewReplicaSetAnnotations:
// copy the deployment's annotations, raise the revision (keeping the former
// ones of a rolled-back replica set in revision-history, within 2000
// characters) and, for a replica set being created, the replicas annotations.
func setNewReplicaSetAnnotations(d *appsv1.Deployment, rs *appsv1.ReplicaSet, newRevision string, exists bool) bool {
	changed := copyAnnotations(d, rs)
	oldRevision, had := rs.Annotations[RevisionAnnotation]
	oldN, err := strconv.ParseInt(oldRevision, 10, 64)
	if err != nil {
		if oldRevision != "" {
			return false
		}
		oldN = 0
	}
	newN, err := strconv.ParseInt(newRevision, 10, 64)
	if err != nil {
		return false
	}
	if oldN < newN {
		rs.Annotations[RevisionAnnotation] = newRevision
		changed = true
	}
	if had && oldN < newN {
		history := rs.Annotations[RevisionHistoryAnnotation]
		olds := strings.Split(history, ",")
		if olds[0] == "" {
			rs.Annotations[RevisionHistoryAnnotation] = oldRevision
		} else {
			total, start := len(history)+len(oldRevision)+1, 0
			for total > maxRevHistoryLengthInChars && start < len(olds) {
				total -= len(olds[start]) + 1
				start++
			}
			if total <= maxRevHistoryLengthInChars {
				rs.Annotations[RevisionHistoryAnnotation] = strings.Join(append(olds[start:], oldRevision), ",")
			}
		}
	}
	if !exists && setReplicasAnnotations(rs, desired(d), desired(d)+MaxSurge(d)) {
		changed = true
	}
	return changed
}

func hasProgressDeadline(d *appsv1.Deployment) bool {
	return d.Spec.ProgressDeadlineSeconds != nil && *d.Spec.ProgressDeadlineSeconds != math.MaxInt32
}

func getCondition(s appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range s.Conditions {
		if s.Conditions[i].Type == t {
			return &s.Conditions[i]
		}
	}
	return nil
}

func newCondition(t appsv1.DeploymentConditionType, s corev1.ConditionStatus, reason, msg string, now time.Time) appsv1.DeploymentCondition {
	ts := metav1.NewTime(now)
	return appsv1.DeploymentCondition{Type: t, Status: s, Reason: reason, Message: msg, LastUpdateTime: ts, LastTransitionTime: ts}
}

// setCondition follows upstream's SetDeploymentCondition: the same status and
// reason change nothing; the same status keeps its lastTransitionTime.
func setCondition(s *appsv1.DeploymentStatus, c appsv1.DeploymentCondition) {
	cur := getCondition(*s, c.Type)
	if cur != nil && cur.Status == c.Status && cur.Reason == c.Reason {
		return
	}
	if cur != nil && cur.Status == c.Status {
		c.LastTransitionTime = cur.LastTransitionTime
	}
	removeCondition(s, c.Type)
	s.Conditions = append(s.Conditions, c)
}

func removeCondition(s *appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) {
	var out []appsv1.DeploymentCondition
	for _, c := range s.Conditions {
		if c.Type != t {
			out = append(out, c)
		}
	}
	s.Conditions = out
}

// deploymentComplete: every replica updated and available, nothing old left.
func deploymentComplete(d *appsv1.Deployment, s *appsv1.DeploymentStatus) bool {
	n := desired(d)
	return s.UpdatedReplicas == n && s.Replicas == n && s.AvailableReplicas == n && s.ObservedGeneration >= d.Generation
}

// deploymentProgressing: more updated, ready or available replicas, or fewer old ones.
func deploymentProgressing(d *appsv1.Deployment, s *appsv1.DeploymentStatus) bool {
	old := d.Status
	return s.UpdatedReplicas > old.UpdatedReplicas ||
		s.Replicas-s.UpdatedReplicas < old.Replicas-old.UpdatedReplicas ||
		s.ReadyReplicas > old.ReadyReplicas ||
		s.AvailableReplicas > old.AvailableReplicas
}

// progressDeadline is progressDeadlineSeconds on the lab's clock.
func progressDeadline(d *appsv1.Deployment) time.Duration {
	return labclockSeconds(int64(*d.Spec.ProgressDeadlineSeconds))
}

func deploymentTimedOut(d *appsv1.Deployment, s *appsv1.DeploymentStatus, now time.Time) bool {
	if !hasProgressDeadline(d) {
		return false
	}
	c := getCondition(*s, appsv1.DeploymentProgressing)
	if c == nil || c.Reason == NewRSAvailableReason {
		return false
	}
	if c.Reason == TimedOutReason {
		return true
	}
	return c.LastUpdateTime.Add(progressDeadline(d)).Before(now)
}
