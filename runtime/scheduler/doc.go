// Package scheduler places pending pods on the lab's nodes as
// kube-scheduler v1.37 does with its default profile (v1.37 is the release
// of go.mod's k8s.io/api; its rules and messages are the ones followed).
// It watches pods, nodes and namespaces through client-go informers, keeps
// the pods waiting for a node in a work queue, and binds each pod it can
// place through pods/binding, with a Scheduled event.
//
// # Decisions
//
// A decision (framework.go) runs the default profile's plugins, a file
// each, in the order of upstream's default_plugins.go:
//
//	filter: NodeName, NodeUnschedulable, TaintToleration, NodeAffinity,
//	        NodePorts, NodeResourcesFit, PodTopologySpread, InterPodAffinity
//	score (weight): TaintToleration (3), NodeAffinity (2),
//	        NodeResourcesFit with LeastAllocated (1), PodTopologySpread (2),
//	        InterPodAffinity (2), NodeResourcesBalancedAllocation (1),
//	        ImageLocality (1)
//
// PreFilter steps may restrict the pod to some nodes (NodeName, and
// NodeAffinity's matchFields on metadata.name) or reject it on every node.
// Each node reports the reasons of the first filter that rejects it, in
// upstream's words, and a pod no node fits gets the FailedScheduling
// message of upstream's FitError — the reasons counted and sorted, one
// plugin per node — followed by DefaultPreemption's part. The feasible
// nodes are scored by every score plugin (a plugin with nothing to weigh
// for the pod is skipped, as upstream's PreScore skips it), each plugin's
// scores normalised to 0–100 as its NormalizeScore does, weighted and
// summed; the highest total wins. Upstream leaves equal totals to chance
// (v1.37 takes whichever its parallel search put first; earlier releases
// drew one at random); podlab gives them to the node first by name, so a
// decision can be replayed and explained. Node affinity, tolerations and
// pod requests are matched and summed by k8s.io/component-helpers, as
// upstream does.
//
// Left out of the profile, because the lab has none of their objects and
// upstream's plugins would skip: the volume plugins, dynamic resources,
// declared node features and pod groups. Not done as upstream: preemption
// (podlab never evicts; the message says what upstream says when no pod
// has a lower priority, which holds in the lab, whose admission gives every
// pod priority 0), the priority order of the queue (PrioritySort: with
// equal priorities it is arrival order, as here), and
// percentageOfNodesToScore (every node is filtered and scored; upstream
// does the same below 100 nodes). Pods with scheduling gates wait, as
// upstream's SchedulingGates keeps them out of the queue. The system
// default spreading of PodTopologySpread applies to a pod whose controller
// is a ReplicationController, ReplicaSet or StatefulSet, with the pod's
// labels as the selector, since the lab serves none of the objects
// upstream reads that selector from.
//
// # Explanations
//
// The last decision for each pod is kept, by UID and within bounds
// (explain.go): for every node the rejecting plugin and its reasons, or
// every score plugin's raw and normalised score and the weighted total.
// ExplainHandler serves it to `podlab explain-schedule`; for a pod with no
// record (placed before the control plane started) it works the decision
// out against the current cluster and says so. Scoring and explaining
// write nothing.
//
// # The queue
//
// A pod no node fits gets upstream's PodScheduled=False condition (written
// through pods/status only when it changes) and a FailedScheduling event,
// and is put aside until a cluster event could make it fit (queue.go),
// after upstream's scheduling queue. The scheduler never reacts to its own
// writes, so unschedulable pods cost nothing while the cluster is quiet.
package scheduler
