package kubelet

import (
	"bufio"
	"context"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/kubelet/podspec"
	"github.com/podlab/podlab/runtime/labclock"
)

// registerNode creates or refreshes this node's Node object, as the kubelet
// registers itself with the API server.
func (k *Kubelet) registerNode() error {
	node := k.nodeObject()
	podspec.NodeAllocatable = node.Status.Allocatable
	cur, err := k.st.Get(api.Nodes, "", k.cfg.NodeName)
	if apierrors.IsNotFound(err) {
		_, err = k.st.Create(api.Nodes, node)
		return err
	}
	if err != nil {
		return err
	}
	old := cur.(*corev1.Node)
	// Labels, taints and unschedulable are the learner's to change; keep them.
	for key, v := range node.Labels {
		if old.Labels == nil {
			old.Labels = map[string]string{}
		}
		old.Labels[key] = v
	}
	old.Status = node.Status
	_, err = k.st.Update(api.Nodes, old)
	return err
}

func (k *Kubelet) nodeObject() *corev1.Node {
	now := metav1.Now()
	hostname := k.cfg.NodeName
	arch := goruntime.GOARCH
	alloc := corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewQuantity(int64(goruntime.NumCPU()), resource.DecimalSI),
		corev1.ResourceMemory:           *resource.NewQuantity(memTotal(), resource.BinarySI),
		corev1.ResourcePods:             *resource.NewQuantity(110, resource.DecimalSI), // the kubelet's --max-pods default
		corev1.ResourceEphemeralStorage: resource.MustParse("50Gi"),
	}
	cond := func(t corev1.NodeConditionType, s corev1.ConditionStatus, reason, msg string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: t, Status: s, Reason: reason, Message: msg, LastHeartbeatTime: now, LastTransitionTime: now}
	}
	addrs := []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: hostname}}
	if k.nodeIP != "" {
		addrs = append([]corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: k.nodeIP}}, addrs...)
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: k.cfg.NodeName,
			Labels: map[string]string{
				"kubernetes.io/hostname": hostname, "kubernetes.io/os": "linux", "kubernetes.io/arch": arch,
				"beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": arch,
			},
		},
		Status: corev1.NodeStatus{
			Capacity:    alloc,
			Allocatable: alloc,
			Conditions: []corev1.NodeCondition{
				cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
				cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
				cond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
				cond(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "kubelet is posting ready status"),
			},
			Addresses: addrs,
			NodeInfo: corev1.NodeSystemInfo{
				KubeletVersion: k.cfg.Version, KubeProxyVersion: k.cfg.Version,
				OperatingSystem: "linux", Architecture: arch,
				ContainerRuntimeVersion: k.cfg.RuntimeVersion, OSImage: "podlab virtual node", KernelVersion: kernelVersion(),
			},
		},
	}
}

// heartbeat refreshes the node's conditions every 10 s (scaled).
func (k *Kubelet) heartbeat(ctx context.Context) {
	t := time.NewTicker(labclock.Scaled(heartbeat))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			now := metav1.Now()
			k.st.GuaranteedUpdate(api.Nodes, "", k.cfg.NodeName, func(o api.Object) (api.Object, error) {
				n := o.(*corev1.Node)
				for i := range n.Status.Conditions {
					n.Status.Conditions[i].LastHeartbeatTime = now
				}
				return n, nil
			})
		}
	}
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

func kernelVersion() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
