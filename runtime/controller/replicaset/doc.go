// Package replicaset keeps ReplicaSets (apps/v1) and ReplicationControllers
// (core/v1) at their number of pods, as kube-controller-manager's
// replicaset and replicationcontroller controllers (pkg/controller/replicaset,
// release v1.37; upstream's replication manager is the same controller
// over ReplicationControllers converted to ReplicaSets, and so is this one).
//
// Per set, from a work queue fed by set and pod informers:
//
//   - Claim (upstream's PodControllerRefManager): of the namespace's active
//     pods (not Succeeded or Failed, not being deleted) those whose
//     controller ownerReference is the set's and whose labels its selector
//     matches are its own; an owned pod the selector no longer matches is
//     released (its ownerReference removed) unless the set is being
//     deleted; an orphan the selector matches is adopted (ownerReference
//     controller=true, blockOwnerDeletion=true) after a fresh read of the
//     set proves it is not being deleted. Pods owned by another controller
//     are never touched.
//   - Manage, only when the set's expectations are satisfied (every
//     creation and deletion it asked for has been seen by the informer, or
//     5 min passed) and the set is not being deleted: too few pods are
//     created from the template with generateName "<set>-" (the API server
//     adds 5 random characters), in slow-start batches of 1, 2, 4, …
//     stopping at the first failed batch, at most 500 per sync
//     (burstReplicas); too many are deleted, the ones ranked first by
//     upstream's ActivePodsWithRanks (ranking.go).
//   - Status: replicas, fullyLabeledReplicas (labels match the template's),
//     readyReplicas, availableReplicas (ready for minReadySeconds),
//     terminatingReplicas (ReplicaSets only: the feature is beta, on, in
//     v1.37), observedGeneration, and the ReplicaFailure condition while
//     creating or deleting fails; written through the status subresource
//     only when it changes.
//
// Events, upstream's words: SuccessfulCreate "Created pod: NAME",
// SuccessfulDelete "Deleted pod: NAME", FailedCreate "Error creating: ERR",
// FailedDelete "Error deleting: ERR", from "replicaset-controller" and
// "replication-controller".
//
// Self-healing follows: a deleted pod, or one the taint-eviction controller
// deletes from a dead node, leaves the active set and is replaced; the
// scheduler puts the replacement on a node that is up.
//
// Deviation: minReadySeconds is a duration the lab waits, so it is scaled
// by runtime/labclock like every other timer.
package replicaset
