package tables

import (
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
)

func TestNodeRows(t *testing.T) {
	ready := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "node-1", CreationTimestamp: ago(3 * 24 * time.Hour),
			Labels: map[string]string{"kubernetes.io/hostname": "node-1", "node-role.kubernetes.io/control-plane": ""}},
		Status: corev1.NodeStatus{
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse}, {Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
			Addresses:  []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: "node-1"}, {Type: corev1.NodeInternalIP, Address: "172.18.0.2"}},
			NodeInfo:   corev1.NodeSystemInfo{KernelVersion: "6.1.0-podlab", OSImage: "podlab virtual node", ContainerRuntimeVersion: "docker://20.10.24", KubeletVersion: "v1.34.0-podlab"},
		},
	}
	cordoned := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "node-2", CreationTimestamp: ago(90 * time.Minute),
			Labels: map[string]string{"kubernetes.io/role": "worker", "node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/infra": "true"}},
		Spec: corev1.NodeSpec{Unschedulable: true},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionFalse}},
			Addresses: []corev1.NodeAddress{{Type: corev1.NodeExternalIP, Address: "203.0.113.9"}}},
	}
	silent := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-3", CreationTimestamp: ago(30 * time.Second)},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionUnknown}}}}
	fresh := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-4", CreationTimestamp: ago(5 * time.Second)}}

	wantCells(t, "ready", cells(t, api.Nodes, ready),
		"node-1", "Ready", "control-plane", "3d", "v1.34.0-podlab", "172.18.0.2", "<none>", "podlab virtual node", "6.1.0-podlab", "docker://20.10.24")
	wantCells(t, "cordoned", cells(t, api.Nodes, cordoned),
		"node-2", "NotReady,SchedulingDisabled", "infra,worker", "90m", "", "<none>", "203.0.113.9", "<unknown>", "<unknown>", "<unknown>")
	wantCells(t, "ready unknown", cells(t, api.Nodes, silent)[:3], "node-3", "NotReady", "<none>")
	wantCells(t, "no Ready condition", cells(t, api.Nodes, fresh)[:3], "node-4", "Unknown", "<none>")
}

func TestNodeRoles(t *testing.T) {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{
		"node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/": "", "kubernetes.io/role": "worker",
		"node-role.kubernetes.io/gpu": "false", "kubernetes.io/os": "linux",
	}}}
	if got := NodeRoles(n); !reflect.DeepEqual(got, []string{"gpu", "worker"}) {
		t.Errorf("NodeRoles = %q, want [gpu worker]: label suffixes, sorted, once each", got)
	}
}
