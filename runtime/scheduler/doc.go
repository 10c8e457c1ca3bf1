// Package scheduler places pending pods on the lab's nodes, as
// kube-scheduler does: it watches pods and nodes through client-go
// informers, keeps the pods waiting for a node in a work queue, and binds
// each pod it can place through pods/binding, with a Scheduled event.
//
// Its filters are kube-scheduler's default ones (filters.go, interpod.go):
// a node must be schedulable, match the pod's nodeName, tolerate the node's
// taints, match its nodeSelector and required node affinity, have room for
// its requests and satisfy the required inter-pod (anti-)affinity.
//
// A pod no node fits gets upstream's PodScheduled=False condition (written
// through pods/status only when it changes) and a FailedScheduling event,
// and is put aside until a cluster event could make it fit (queue.go),
// after upstream's scheduling queue. The scheduler never reacts to its own
// writes, so unschedulable pods cost nothing while the cluster is quiet.
package scheduler
