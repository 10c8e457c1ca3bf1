package tainteviction

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func secs(n int64) *int64 { return &n }

func TestDecide(t *testing.T) {
	noExec := corev1.Taint{Key: "maintenance", Value: "true", Effect: corev1.TaintEffectNoExecute}
	other := corev1.Taint{Key: "flaky", Effect: corev1.TaintEffectNoExecute}
	cases := []struct {
		name   string
		taints []corev1.Taint
		tols   []corev1.Toleration
		evict  bool
		after  time.Duration
	}{
		{"no taints", nil, nil, false, 0},
		{"not tolerated", []corev1.Taint{noExec}, nil, true, 0},
		{"tolerated forever", []corev1.Taint{noExec}, []corev1.Toleration{{Key: "maintenance", Operator: corev1.TolerationOpEqual, Value: "true", Effect: corev1.TaintEffectNoExecute}}, false, 0},
		{"tolerated for a while", []corev1.Taint{noExec}, []corev1.Toleration{{Key: "maintenance", Operator: corev1.TolerationOpExists, TolerationSeconds: secs(60)}}, true, time.Minute},
		{"the shortest toleration wins", []corev1.Taint{noExec, other}, []corev1.Toleration{
			{Key: "maintenance", Operator: corev1.TolerationOpExists, TolerationSeconds: secs(60)},
			{Key: "flaky", Operator: corev1.TolerationOpExists, TolerationSeconds: secs(5)},
		}, true, 5 * time.Second},
		{"one of two taints untolerated", []corev1.Taint{noExec, other}, []corev1.Toleration{{Key: "maintenance", Operator: corev1.TolerationOpExists}}, true, 0},
		{"zero seconds is at once", []corev1.Taint{noExec}, []corev1.Toleration{{Key: "maintenance", Operator: corev1.TolerationOpExists, TolerationSeconds: secs(0)}}, true, 0},
		{"the first matching toleration is the one used", []corev1.Taint{noExec}, []corev1.Toleration{
			{Key: "maintenance", Operator: corev1.TolerationOpExists},
			{Operator: corev1.TolerationOpExists, TolerationSeconds: secs(5)},
		}, false, 0},
		{"a NoSchedule toleration does not cover NoExecute", []corev1.Taint{noExec}, []corev1.Toleration{{Key: "maintenance", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}, true, 0},
	}
	for _, c := range cases {
		evict, after := Decide(c.taints, c.tols)
		if evict != c.evict || after != c.after {
			t.Errorf("%s: Decide = %v, %v; want %v, %v", c.name, evict, after, c.evict, c.after)
		}
	}
}
