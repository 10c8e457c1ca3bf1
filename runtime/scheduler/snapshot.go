package scheduler

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Cluster is what a decision is made against.
type Cluster struct {
	Nodes []*corev1.Node
	// Pods are the pods bound to nodes; finished pods and pods of unknown
	// nodes take no part, as in upstream's scheduler cache.
	Pods       []*corev1.Pod
	Namespaces []*corev1.Namespace
}

// nodeInfo is a node with what its pods take of it (upstream's NodeInfo).
type nodeInfo struct {
	node *corev1.Node
	pods []*podInfo
	// withAffinity and withRequiredAnti are the pods with pod (anti-)affinity
	// of any kind and with required anti-affinity.
	withAffinity, withRequiredAnti []*podInfo
	requested, nonZero             resources
	allocatable                    resources
	allowedPods                    int64
	ports                          hostPorts
}

func newNodeInfo(n *corev1.Node) *nodeInfo {
	ni := &nodeInfo{node: n, ports: hostPorts{}}
	ni.allocatable.add(n.Status.Allocatable)
	if q, ok := n.Status.Allocatable[corev1.ResourcePods]; ok {
		ni.allowedPods = q.Value()
	}
	return ni
}

func (ni *nodeInfo) addPod(pi *podInfo) {
	ni.pods = append(ni.pods, pi)
	if pi.hasPodAffinity() {
		ni.withAffinity = append(ni.withAffinity, pi)
	}
	if len(pi.requiredAnti) > 0 {
		ni.withRequiredAnti = append(ni.withRequiredAnti, pi)
	}
	ni.requested.plus(pi.requests)
	ni.nonZero.plus(pi.nonZero)
	for _, p := range pi.ports {
		ni.ports.add(p.HostIP, string(p.Protocol), p.HostPort)
	}
}

// hostPorts are the host ports in use on a node: host IP → protocol/port
// (upstream's HostPortInfo; an empty IP is 0.0.0.0, an empty protocol TCP).
type hostPorts map[string]map[protocolPort]struct{}

type protocolPort struct {
	protocol string
	port     int32
}

const bindAllHostIP = "0.0.0.0"

func sanitizePort(ip, protocol string) (string, string) {
	if ip == "" {
		ip = bindAllHostIP
	}
	if protocol == "" {
		protocol = string(corev1.ProtocolTCP)
	}
	return ip, protocol
}

func (h hostPorts) add(ip, protocol string, port int32) {
	if port <= 0 {
		return
	}
	ip, protocol = sanitizePort(ip, protocol)
	if h[ip] == nil {
		h[ip] = map[protocolPort]struct{}{}
	}
	h[ip][protocolPort{protocol, port}] = struct{}{}
}

// conflicts: 0.0.0.0 clashes with the port on any IP, another IP with the
// same IP or 0.0.0.0.
func (h hostPorts) conflicts(ip, protocol string, port int32) bool {
	if port <= 0 {
		return false
	}
	ip, protocol = sanitizePort(ip, protocol)
	pp := protocolPort{protocol, port}
	if ip == bindAllHostIP {
		for _, m := range h {
			if _, ok := m[pp]; ok {
				return true
			}
		}
		return false
	}
	for _, key := range []string{bindAllHostIP, ip} {
		if _, ok := h[key][pp]; ok {
			return true
		}
	}
	return false
}

// snapshot is the cluster as one decision sees it.
type snapshot struct {
	nodes      []*nodeInfo // by name
	byName     map[string]*nodeInfo
	namespaces map[string]*corev1.Namespace
	// imageNodes counts the nodes that have each image (ImageLocality).
	imageNodes map[string]int
}

// newSnapshot groups the cluster's pods by node; cache, if not nil, keeps
// the pods' parsed info across decisions.
func newSnapshot(c Cluster, cache *podInfoCache) *snapshot {
	s := &snapshot{byName: make(map[string]*nodeInfo, len(c.Nodes)), namespaces: make(map[string]*corev1.Namespace, len(c.Namespaces))}
	for _, n := range c.Nodes {
		ni := newNodeInfo(n)
		s.nodes = append(s.nodes, ni)
		s.byName[n.Name] = ni
	}
	sort.Slice(s.nodes, func(i, j int) bool { return s.nodes[i].node.Name < s.nodes[j].node.Name })
	for _, p := range c.Pods {
		if ni := s.byName[p.Spec.NodeName]; ni != nil && !finished(p) {
			ni.addPod(cache.get(p))
		}
	}
	for _, ns := range c.Namespaces {
		s.namespaces[ns.Name] = ns
	}
	return s
}

// nsLabels are the labels of namespace ns (none when it is unknown).
func (s *snapshot) nsLabels(ns string) labels.Set {
	if n := s.namespaces[ns]; n != nil {
		return labels.Set(n.Labels)
	}
	return nil
}

// namespacesMatching lists the namespaces whose labels sel matches.
func (s *snapshot) namespacesMatching(sel labels.Selector) []string {
	var names []string
	for name, ns := range s.namespaces {
		if sel.Matches(labels.Set(ns.Labels)) {
			names = append(names, name)
		}
	}
	return names
}

func (s *snapshot) imageCounts() map[string]int {
	if s.imageNodes == nil {
		s.imageNodes = map[string]int{}
		for _, ni := range s.nodes {
			seen := map[string]bool{}
			for _, img := range ni.node.Status.Images {
				for _, name := range img.Names {
					if !seen[name] {
						seen[name] = true
						s.imageNodes[name]++
					}
				}
			}
		}
	}
	return s.imageNodes
}
