// Package nodelifecycle is the lab's node lifecycle controller: what
// kube-controller-manager's node-lifecycle-controller does in release
// v1.37, with its default flags, every duration scaled by runtime/labclock.
//
// Health monitoring. Every --node-monitor-period (5 s) it looks at each
// node's heartbeats: the renewTime of its Lease in kube-node-lease (renewed
// by the kubelet every 10 s) and the lastHeartbeatTime of its Ready
// condition (written every 5 min, or on change). When neither moved for
// --node-monitor-grace-period (50 s since v1.32; 40 s before), or for
// --node-startup-grace-period (60 s) from its creation for a node that never
// posted a status, its Ready, MemoryPressure, DiskPressure and PIDPressure
// conditions become Unknown — reason NodeStatusUnknown, "Kubelet stopped
// posting node status." (NodeStatusNeverUpdated, "Kubelet never posted node
// status.", for a condition never posted) — written through nodes/status,
// and the Ready condition of the node's pods becomes False through
// pods/status (upstream's MarkPodsNotReady).
//
// TaintBasedEvictions. A node whose Ready condition is Unknown gets the
// NoExecute taint node.kubernetes.io/unreachable, one whose Ready is False
// node.kubernetes.io/not-ready, stamped with timeAdded; the two are
// swapped when the state flips and removed once the node is Ready again.
// The taints are added at --node-eviction-rate (0.1 nodes a second) per
// zone, and not at all while every zone is fully disrupted (no Ready node
// at all: the fault is then more likely the control plane's) or while a
// zone is partially disrupted (at least 3 and 55 % of its nodes not Ready)
// in a lab of 50 nodes or fewer. The taint-eviction controller then evicts
// the pods that do not tolerate them; admission gives every pod 300 s
// tolerations of both, so pods on an unreachable node are deleted after
// 300 s. No kubelet confirms such a deletion, so the pod stays Terminating
// (v1.37 no longer sets the NodeLost reason that made kubectl print
// Unknown) until its node comes back or is deleted.
//
// TaintNodesByCondition. A cordoned node (spec.unschedulable) carries
// node.kubernetes.io/unschedulable:NoSchedule, a node whose Ready condition
// is False node.kubernetes.io/not-ready:NoSchedule, Unknown
// node.kubernetes.io/unreachable:NoSchedule, and the pressure conditions
// their own NoSchedule taints — so the scheduler, kubectl describe and the
// learner all see the same reason.
//
// The controller follows nodes, leases and pods through client-go
// informers and writes only when something changes.
package nodelifecycle
