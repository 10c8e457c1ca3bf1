package api

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SetPodCondition sets or replaces a pod condition and reports whether
// anything changed. lastTransitionTime moves only when the status flips
// (upstream's podutil.UpdatePodCondition), so writing the same condition
// again changes nothing and wakes nobody.
func SetPodCondition(st *corev1.PodStatus, c corev1.PodCondition) bool {
	now := metav1.Now()
	for i := range st.Conditions {
		old := st.Conditions[i]
		if old.Type != c.Type {
			continue
		}
		if old.Status == c.Status {
			c.LastTransitionTime = old.LastTransitionTime
		} else {
			c.LastTransitionTime = now
		}
		same := old.Status == c.Status && old.Reason == c.Reason && old.Message == c.Message &&
			old.LastProbeTime.Equal(&c.LastProbeTime) && old.LastTransitionTime.Equal(&c.LastTransitionTime) &&
			old.ObservedGeneration == c.ObservedGeneration
		st.Conditions[i] = c
		return !same
	}
	c.LastTransitionTime = now
	st.Conditions = append(st.Conditions, c)
	return true
}
