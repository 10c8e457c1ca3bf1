package kubelet

import (
	"bufio"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// defaultLabels are the labels upstream's kubelet puts on its Node and
// reconciles on every registration (kubelet_node_status.go updateDefaultLabels).
func (k *Kubelet) defaultLabels() map[string]string {
	arch := goruntime.GOARCH
	return map[string]string{
		corev1.LabelHostname:      k.cfg.NodeName,
		corev1.LabelOSStable:      "linux",
		corev1.LabelArchStable:    arch,
		"beta.kubernetes.io/os":   "linux",
		"beta.kubernetes.io/arch": arch,
	}
}

// initialNode is the Node the kubelet registers: the configured labels
// under its own, the taints it registers with (upstream's initialNode),
// and the status its setters compute.
func (k *Kubelet) initialNode(now time.Time) *corev1.Node {
	labels := map[string]string{}
	for key, v := range k.cfg.Labels {
		labels[key] = v
	}
	for key, v := range k.defaultLabels() {
		labels[key] = v
	}
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: k.cfg.NodeName, Labels: labels}}
	if len(k.cfg.RegisterWithTaints) > 0 {
		n.Spec.Taints = append([]corev1.Taint(nil), k.cfg.RegisterWithTaints...)
	}
	k.setNodeStatus(n, now)
	return n
}

// capacity is the node's capacity: the configured cpu, memory and pods,
// else the machine's own (every virtual node reports its host's, as a kind
// node does) and the kubelet's --max-pods default.
func (k *Kubelet) capacity() corev1.ResourceList {
	c := corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewQuantity(int64(goruntime.NumCPU()), resource.DecimalSI),
		corev1.ResourceMemory:           *resource.NewQuantity(memTotal(), resource.BinarySI),
		corev1.ResourcePods:             *resource.NewQuantity(110, resource.DecimalSI),
		corev1.ResourceEphemeralStorage: resource.MustParse("50Gi"),
	}
	for name, q := range k.cfg.Capacity {
		c[name] = q.DeepCopy()
	}
	return c
}

// allocatable is the node's allocatable: its capacity, since nothing is
// reserved for the system on a virtual node.
func (k *Kubelet) allocatable() corev1.ResourceList { return k.capacity() }

// setNodeStatus runs the kubelet's node status setters on n: capacity and
// allocatable, addresses, nodeInfo and the conditions it owns. Conditions
// keep their lastTransitionTime while their status stays; every condition
// the kubelet owns gets now as its lastHeartbeatTime, as upstream's setters
// do (the caller decides whether that is worth a write).
func (k *Kubelet) setNodeStatus(n *corev1.Node, now time.Time) {
	n.Status.Capacity = k.capacity()
	n.Status.Allocatable = k.allocatable()

	addrs := []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: k.cfg.NodeName}}
	if k.nodeIP != "" {
		addrs = append([]corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: k.nodeIP}}, addrs...)
	}
	n.Status.Addresses = addrs

	n.Status.NodeInfo = corev1.NodeSystemInfo{
		MachineID: readTrimmed("/etc/machine-id"), BootID: readTrimmed("/proc/sys/kernel/random/boot_id"),
		KubeletVersion:  k.cfg.Version, // kubeProxyVersion stays empty, as upstream kubelets leave it (KEP-4004)
		OperatingSystem: "linux", Architecture: goruntime.GOARCH,
		ContainerRuntimeVersion: k.cfg.RuntimeVersion, OSImage: "podlab virtual node", KernelVersion: readTrimmed("/proc/sys/kernel/osrelease"),
	}

	heartbeat := metav1.NewTime(now)
	owned := []corev1.NodeCondition{
		{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory", Message: "kubelet has sufficient memory available"},
		{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasNoDiskPressure", Message: "kubelet has no disk pressure"},
		{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientPID", Message: "kubelet has sufficient PID available"},
		{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status"},
	}
	conds := make([]corev1.NodeCondition, 0, len(owned)+len(n.Status.Conditions))
	for _, c := range owned {
		c.LastHeartbeatTime, c.LastTransitionTime = heartbeat, heartbeat
		for _, old := range n.Status.Conditions {
			if old.Type == c.Type && old.Status == c.Status && !old.LastTransitionTime.IsZero() {
				c.LastTransitionTime = old.LastTransitionTime
			}
		}
		conds = append(conds, c)
	}
	for _, old := range n.Status.Conditions {
		if !ownedCondition(old.Type) {
			conds = append(conds, old) // another component's (e.g. NetworkUnavailable)
		}
	}
	n.Status.Conditions = conds
}

func ownedCondition(t corev1.NodeConditionType) bool {
	switch t {
	case corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure, corev1.NodeReady:
		return true
	}
	return false
}

func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 4 << 30
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, _ := strconv.ParseInt(fields[1], 10, 64)
			return kb * 1024
		}
	}
	return 4 << 30
}

func readTrimmed(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
