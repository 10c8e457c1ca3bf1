// Package deployment rolls Deployments out, as kube-controller-manager's
// deployment controller (pkg/controller/deployment, release v1.37) does.
// It only writes ReplicaSets and the Deployment's status; the ReplicaSet
// controller (runtime/controller/replicaset) makes and removes the pods.
//
// The ReplicaSet of a pod template is named <deployment>-<pod-template-hash>
// and carries the pod-template-hash label in its labels, selector and
// template; the hash is upstream's controller.ComputeHash: FNV-32a over the
// template dumped by k8s.io/utils/dump.ForHash, then status.collisionCount
// (when set) as 8 little-endian bytes, rendered by rand.SafeEncodeString.
// A name taken by a foreign ReplicaSet bumps collisionCount.
//
// Each ReplicaSet carries deployment.kubernetes.io/revision (the newest is
// one more than the highest of the old ones; a ReplicaSet brought back by a
// rollback gets a new revision and keeps its former ones in
// revision-history), and desired-replicas / max-replicas (spec.replicas and
// spec.replicas+maxSurge when last scaled), from which a scaling of the
// Deployment in the middle of a rollout is spread over its ReplicaSets in
// proportion. The Deployment's own annotations are copied to its new
// ReplicaSet, and the Deployment carries the revision of its new one.
//
// RollingUpdate: maxSurge (rounded up) and maxUnavailable (rounded down),
// 25 % each by default, both resolved against spec.replicas, maxUnavailable
// made 1 when both come to 0. The new ReplicaSet grows while the total of
// all replicas stays within replicas+maxSurge; old ones shrink, first their
// unavailable replicas, then while the available ones stay above
// replicas-maxUnavailable. Recreate: old ReplicaSets go to 0, and once none
// of their pods runs the new one is scaled to spec.replicas.
//
// A paused Deployment is only scaled and cleaned up. Once a rollout is
// complete, old ReplicaSets beyond revisionHistoryLimit with no replicas
// are deleted, oldest revision first.
//
// Status: replicas, updatedReplicas, readyReplicas, availableReplicas,
// terminatingReplicas (beta, on by default since v1.35),
// unavailableReplicas, observedGeneration, collisionCount and the
// conditions Available (MinimumReplicasAvailable / MinimumReplicasUnavailable)
// and, with a progress deadline, Progressing (NewReplicaSetCreated,
// FoundNewReplicaSet, ReplicaSetUpdated, NewReplicaSetAvailable,
// ProgressDeadlineExceeded, DeploymentPaused, DeploymentResumed); the
// deadline (progressDeadlineSeconds, scaled by runtime/labclock) is checked
// by requeueing the Deployment for when it would pass. Scaling a ReplicaSet
// is a ScalingReplicaSet event: "Scaled up replica set web-5d78f9c6b from 0
// to 3".
//
// Rollback is no business of the controller at apps/v1: `kubectl rollout
// undo` copies the old ReplicaSet's template into the Deployment.
//
// It follows Deployments, ReplicaSets and pods through client-go informers
// and syncs a Deployment at a time from a work queue. It imports client-go,
// the API types, k8s.io/utils/dump (the hash's rendering), runtime/api and
// runtime/labclock.
package deployment
