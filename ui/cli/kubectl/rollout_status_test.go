package kubectl

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The daemon set lines are kubectl's DaemonSetStatusViewer's.
func TestDaemonSetRolloutStatus(t *testing.T) {
	ds := func(gen, observed int64, desired, updated, available int32) *appsv1.DaemonSet {
		return &appsv1.DaemonSet{
			ObjectMeta: metav1.ObjectMeta{Name: "logs", Generation: gen},
			Spec:       appsv1.DaemonSetSpec{UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType}},
			Status:     appsv1.DaemonSetStatus{ObservedGeneration: observed, DesiredNumberScheduled: desired, UpdatedNumberScheduled: updated, NumberAvailable: available},
		}
	}
	for _, tc := range []struct {
		ds   *appsv1.DaemonSet
		want string
		done bool
	}{
		{ds(2, 1, 2, 2, 2), "Waiting for daemon set spec update to be observed...\n", false},
		{ds(2, 2, 3, 1, 3), "Waiting for daemon set \"logs\" rollout to finish: 1 out of 3 new pods have been updated...\n", false},
		{ds(2, 2, 3, 3, 2), "Waiting for daemon set \"logs\" rollout to finish: 2 of 3 updated pods are available...\n", false},
		{ds(2, 2, 3, 3, 3), "daemon set \"logs\" successfully rolled out\n", true},
	} {
		got, done, err := daemonSetStatus(tc.ds)
		if err != nil || got != tc.want || done != tc.done {
			t.Errorf("status %q %v %v, want %q %v", got, done, err, tc.want, tc.done)
		}
	}
	onDelete := ds(1, 1, 1, 1, 1)
	onDelete.Spec.UpdateStrategy.Type = appsv1.OnDeleteDaemonSetStrategyType
	if _, _, err := daemonSetStatus(onDelete); err == nil || !strings.Contains(err.Error(), "only available for RollingUpdate strategy type") {
		t.Errorf("OnDelete: %v", err)
	}
}
