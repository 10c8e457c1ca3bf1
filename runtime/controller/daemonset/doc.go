// Package daemonset runs one pod of each DaemonSet (apps/v1) on every node
// that should run it, as kube-controller-manager's daemon set controller
// (pkg/controller/daemon, release v1.37) does.
//
// Per daemon set, from a work queue fed by daemon set, pod, node and
// controller revision informers:
//
//   - Eligibility (upstream's NodeShouldRunDaemonPod): the pod the node
//     would get — the template with the daemon tolerations added — fits
//     the node's name (spec.nodeName), its required node affinity and node
//     selector (component-helpers' nodeaffinity) and tolerates its
//     NoSchedule and NoExecute taints (component-helpers'
//     FindMatchingUntoleratedTaint). A pod keeps running on a node that
//     still fits by name and affinity and whose NoExecute taints it
//     tolerates; elsewhere it is deleted (numberMisscheduled until then).
//   - Daemon tolerations (upstream's AddOrUpdateDaemonPodTolerations):
//     node.kubernetes.io/not-ready and unreachable NoExecute with no
//     tolerationSeconds; disk-pressure, memory-pressure, pid-pressure and
//     unschedulable NoSchedule; network-unavailable NoSchedule for
//     hostNetwork pods.
//   - Pods are created with generateName "<ds>-", the controller reference,
//     the labels controller-revision-hash (the current revision's) and
//     pod-template-generation, and a required node affinity whose only term
//     is matchFields metadata.name In [node] (upstream's
//     ReplaceDaemonSetPodNodeNameNodeAffinity): the lab's scheduler binds
//     them. Creations go in slow-start batches, at most 250 per sync
//     (upstream's BurstReplicas). A failed daemon pod is deleted (Warning
//     FailedDaemonPod) after a per-node backoff from 1 s doubling to 15 min;
//     extra pods on one node are deleted, the oldest kept.
//   - History (upstream's constructHistory): a ControllerRevision
//     "<ds>-<hash>" holds the template as a strategic merge patch; the
//     revision matching the template becomes the newest; revisions beyond
//     revisionHistoryLimit that no pod uses are deleted.
//   - Updates: RollingUpdate replaces old pods node by node, at most
//     maxUnavailable nodes without an available pod at once, or with
//     maxSurge a new pod starts beside the old one, which is deleted once
//     the new is available; OnDelete only replaces pods deleted by hand.
//   - Status: desiredNumberScheduled, currentNumberScheduled, numberReady,
//     numberAvailable, numberUnavailable, numberMisscheduled,
//     updatedNumberScheduled, observedGeneration (what `kubectl rollout
//     status ds` reads).
//
// Events, upstream's words, from "daemonset-controller": SuccessfulCreate
// "Created pod: NAME", SuccessfulDelete "Deleted pod: NAME", FailedCreate
// "Error creating: ERR", FailedDaemonPod "Found failed daemon pod NS/NAME on
// node NODE, will try to kill it", SucceededDaemonPod "Found succeeded
// daemon pod NS/NAME on node NODE, will try to delete it".
//
// Deviation: minReadySeconds and the failed-pod backoff are scaled by
// runtime/labclock.
package daemonset
