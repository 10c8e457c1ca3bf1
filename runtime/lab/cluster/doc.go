// Package cluster is a lab's shape: which virtual nodes it has, each with
// its role (control-plane or worker), labels, taints and capacity. It reads
// and validates the cluster file of `podlab up --cluster FILE`, makes the
// default shape (a kubeadm-like control plane and N workers), and writes
// the shape a lab records at its first start in the same format. It imports
// k8s.io/api, k8s.io/apimachinery, YAML and runtime/api (for its manifest
// errors), nothing of podlab's components.
//
// The cluster file:
//
//	# podlab up --cluster lab.yaml
//	nodes:
//	- name: control-plane
//	  role: control-plane        # labelled and tainted as kubeadm does
//	- name: node-1               # role defaults to worker
//	  labels:
//	    topology.kubernetes.io/zone: zone-a
//	    disktype: ssd
//	  capacity: {cpu: "2", memory: 4Gi, pods: 20}
//	- name: node-2
//	  role: worker
//	  labels: {topology.kubernetes.io/zone: zone-b}
//	  taints:
//	  - {key: gpu, value: "true", effect: NoSchedule}
//
// Every field but name is optional. A capacity left out is the machine's
// own (every node of a kind cluster reports its host's), pods 110 (the
// kubelet's --max-pods default).
package cluster
