package client

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Evict asks the API to evict a pod: a policy/v1 Eviction posted to its
// pods/eviction subresource, as kubectl drain sends one. The pod is deleted
// with opts (its grace period, preconditions, dry run) when its
// PodDisruptionBudget allows; a budget that does not answers 429 Too Many
// Requests (apierrors.IsTooManyRequests).
func (c *Client) Evict(ctx context.Context, namespace, pod string, opts metav1.DeleteOptions) error {
	e := &policyv1.Eviction{
		TypeMeta:      metav1.TypeMeta{APIVersion: policyv1.SchemeGroupVersion.String(), Kind: "Eviction"},
		ObjectMeta:    metav1.ObjectMeta{Name: pod, Namespace: namespace},
		DeleteOptions: &opts,
	}
	err := c.restFor(corev1.SchemeGroupVersion).Post().Namespace(namespace).Resource("pods").Name(pod).
		SubResource("eviction").Body(e).Do(ctx).Error()
	return c.unavailable(err)
}
