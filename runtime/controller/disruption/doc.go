// Package disruption keeps the status of PodDisruptionBudgets, as
// kube-controller-manager's disruption controller (pkg/controller/disruption,
// release v1.37) does, so evictions (pods/eviction, kubectl drain) know how
// many of a budget's pods may go.
//
// For each budget it counts the pods its selector matches in its namespace:
// expectedPods, desiredHealthy (minAvailable when it is a number; computed
// from the pods' controllers' scale for maxUnavailable or a percentage),
// currentHealthy (Ready pods neither terminating nor just evicted), and
// disruptionsAllowed = currentHealthy - desiredHealthy (never below 0, and 0
// while no pod is expected). For maxUnavailable or a percentage, the
// expected pods are the desired replicas of the pods' controllers, found as
// upstream's finders find them: a ReplicationController, the Deployment
// over a pod's ReplicaSet, a ReplicaSet no Deployment controls, a
// StatefulSet (upstream's generic scale-subresource finder has no other
// kind to serve here). Bare pods are unmanaged: as upstream, they count
// for a numeric minAvailable, and are left out (with an UnmanagedPods
// warning) of a maxUnavailable or percentage budget; a pod whose
// controller cannot be found makes the budget fail safe (0 disruptions,
// condition DisruptionAllowed False, reason SyncFailed).
//
// An eviction records its pod in the budget's disruptedPods; the pod does
// not count as healthy until it is gone or, deleted or not, for
// DeletionTimeout (2 min, scaled by runtime/labclock), after which it is
// dropped from the map. The status is written through
// poddisruptionbudgets/status only when it changes.
package disruption
