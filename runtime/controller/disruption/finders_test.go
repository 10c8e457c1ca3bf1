package disruption

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func controlledBy(p *corev1.Pod, apiVersion, kind, name string, uid types.UID) *corev1.Pod {
	p.OwnerReferences = []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid, Controller: new(true)}}
	return p
}

func maxUnavailable(v intstr.IntOrString) func(*policyv1.PodDisruptionBudgetSpec) {
	return func(s *policyv1.PodDisruptionBudgetSpec) { s.MaxUnavailable = &v }
}

func minAvailablePercent(v string) func(*policyv1.PodDisruptionBudgetSpec) {
	return func(s *policyv1.PodDisruptionBudgetSpec) { p := intstr.FromString(v); s.MinAvailable = &p }
}

// Pods of a Deployment count from the Deployment's replicas (through
// their ReplicaSets, old and new counted once); maxUnavailable 1 of 3 with
// three Ready pods allows one disruption.
func TestMaxUnavailableOverADeploymentsPods(t *testing.T) {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "dep"}, Spec: appsv1.DeploymentSpec{Replicas: new(int32(3))}}
	depRef := []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: "dep", Controller: new(true)}}
	rsA := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-a", Namespace: "default", UID: "rs-a", OwnerReferences: depRef}, Spec: appsv1.ReplicaSetSpec{Replicas: new(int32(2))}}
	rsB := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-b", Namespace: "default", UID: "rs-b", OwnerReferences: depRef}, Spec: appsv1.ReplicaSetSpec{Replicas: new(int32(1))}}
	l := newLab(t, pdb(maxUnavailable(intstr.FromInt32(1))), d, rsA, rsB,
		controlledBy(pod("a", true), "apps/v1", "ReplicaSet", "web-a", "rs-a"),
		controlledBy(pod("b", true), "apps/v1", "ReplicaSet", "web-a", "rs-a"),
		controlledBy(pod("c", true), "apps/v1", "ReplicaSet", "web-b", "rs-b"))
	wantStatus(t, l.sync(), 1, 3, 2, 3, policyv1.SufficientPodsReason)
}

// A ReplicaSet of its own, a ReplicationController and a StatefulSet each
// count their replicas; a percentage minAvailable rounds up.
func TestPercentMinAvailableOverControllersPods(t *testing.T) {
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-rs", Namespace: "default", UID: "rs"}, Spec: appsv1.ReplicaSetSpec{Replicas: new(int32(2))}}
	rc := &corev1.ReplicationController{ObjectMeta: metav1.ObjectMeta{Name: "web-rc", Namespace: "default", UID: "rc"}, Spec: corev1.ReplicationControllerSpec{Replicas: new(int32(1))}}
	ss := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "web-ss", Namespace: "default", UID: "ss"}, Spec: appsv1.StatefulSetSpec{Replicas: new(int32(2))}}
	l := newLab(t, pdb(minAvailablePercent("50%")), rs, rc, ss,
		controlledBy(pod("rs-1", true), "apps/v1", "ReplicaSet", "web-rs", "rs"),
		controlledBy(pod("rs-2", false), "apps/v1", "ReplicaSet", "web-rs", "rs"),
		controlledBy(pod("rc-1", true), "v1", "ReplicationController", "web-rc", "rc"),
		controlledBy(pod("ss-0", true), "apps/v1", "StatefulSet", "web-ss", "ss"),
		controlledBy(pod("ss-1", true), "apps/v1", "StatefulSet", "web-ss", "ss"))
	// expected 2+1+2 = 5; 50% of 5 rounds up to 3 desired; 4 healthy.
	wantStatus(t, l.sync(), 1, 4, 3, 5, policyv1.SufficientPodsReason)
}

// A reference whose uid is not the live object's finds no controller: the
// budget fails safe.
func TestAStaleControllerReferenceFailsSafe(t *testing.T) {
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-rs", Namespace: "default", UID: "new"}, Spec: appsv1.ReplicaSetSpec{Replicas: new(int32(2))}}
	l := newLab(t, pdb(maxUnavailable(intstr.FromString("50%"))), rs,
		controlledBy(pod("a", true), "apps/v1", "ReplicaSet", "web-rs", "old"))
	got := l.sync()
	c := got.Status.Conditions[0]
	if got.Status.DisruptionsAllowed != 0 || c.Reason != policyv1.SyncFailedReason || c.Message != `found no controllers for pod "a"` {
		t.Fatalf("status %+v", got.Status)
	}
}
