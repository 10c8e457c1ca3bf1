// Package podgc deletes the pods nothing else will, as
// kube-controller-manager's pod garbage collector (pkg/controller/podgc,
// release v1.37) does, every gcCheckPeriod (20 s), durations scaled by
// runtime/labclock:
//
//   - orphaned pods: bound to a node that does not exist. A node missing
//     from the cache is quarantined for 40 s and then read from the API;
//     if it is still not found, its pods are marked Failed with the
//     DisruptionTarget condition (reason DeletionByPodGC, "PodGC: node no
//     longer exists") and deleted at once (grace period 0) — no kubelet is
//     left to confirm a graceful deletion;
//   - terminating pods never scheduled: deleted at once;
//   - terminating pods on a node that is not Ready and carries the
//     node.kubernetes.io/out-of-service taint: marked Failed and deleted
//     at once;
//   - terminated pods (Succeeded or Failed) beyond
//     --terminated-pod-gc-threshold (12500): the oldest deleted first,
//     evicted ones before them.
//
// It follows pods and nodes through client-go informers; status is
// written through pods/status, deletions through the API.
package podgc
