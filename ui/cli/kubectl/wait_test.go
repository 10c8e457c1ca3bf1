package kubectl

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

func TestWaitConditions(t *testing.T) {
	pod := &corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{
		{Type: corev1.PodReady, Status: corev1.ConditionTrue}, {Type: corev1.ContainersReady, Status: corev1.ConditionFalse}}}}
	for spec, want := range map[string]bool{
		"condition=Ready":                      true,
		"condition=ready=true":                 true,
		"condition=ContainersReady":            false,
		"condition=ContainersReady=False":      true,
		"jsonpath={.status.phase}=Running":     true,
		"jsonpath='{.status.phase}'=Succeeded": false,
		"delete":                               false,
		"jsonpath={.status.phase}":             true,
		"jsonpath={.status.podIP}":             false,
	} {
		met, err := waitCondition(spec)
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		if got := met(pod); got != want {
			t.Errorf("--for=%s on a running, ready pod: %v, want %v", spec, got, want)
		}
	}
	// Any kind's status.conditions, as kubectl reads them.
	deploy := &appsv1.Deployment{Status: appsv1.DeploymentStatus{Conditions: []appsv1.DeploymentCondition{
		{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue}, {Type: appsv1.DeploymentProgressing, Status: corev1.ConditionFalse}}}}
	for spec, want := range map[string]bool{
		"condition=Available": true, "condition=Progressing": false, "condition=Progressing=False": true, "condition=ReplicaFailure": false,
	} {
		met, _ := waitCondition(spec)
		if got := met(deploy); got != want {
			t.Errorf("--for=%s on a deployment: %v, want %v", spec, got, want)
		}
	}
	if _, err := waitCondition("ready"); err == nil {
		t.Fatal("an unknown condition was accepted")
	}
}
