package namespace

import (
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
)

// contentRemaining: content is going but not gone; look again later
// (upstream's ResourcesRemainingError).
type contentRemaining struct{ wait time.Duration }

func (e *contentRemaining) Error() string {
	return fmt.Sprintf("some content remains in the namespace, estimate %v before it is removed", e.wait)
}

// sync takes the namespace name one step further towards its removal
// (upstream's namespacedResourcesDeleter.Delete, plus the final delete the
// lab's namespace storage waits for).
func (c *Controller) sync(ctx context.Context, name string) error {
	// Read the namespace itself, not the informer's copy: the finalize
	// below must not act on a view older than the last pass's writes.
	ns, err := c.client.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if ns.DeletionTimestamp == nil {
		return nil
	}
	if ns.Status.Phase != corev1.NamespaceTerminating {
		// The API server marks it so on delete; this covers a namespace
		// whose delete came without (upstream's updateNamespaceStatusFunc).
		ns = ns.DeepCopy()
		ns.Status.Phase = corev1.NamespaceTerminating
		if ns, err = c.client.CoreV1().Namespaces().UpdateStatus(ctx, ns, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	if !slices.Contains(ns.Spec.Finalizers, corev1.FinalizerKubernetes) {
		// Emptied already (by an earlier pass). Others' finalizers are theirs
		// to remove; the namespace goes once none is left.
		if len(ns.Spec.Finalizers) == 0 {
			return c.deleteNamespace(ctx, ns)
		}
		return nil
	}
	ns, wait, err := c.deleteContent(ctx, ns)
	if err != nil {
		return err
	}
	if wait > 0 {
		return &contentRemaining{wait: wait}
	}
	ns, err = c.finalize(ctx, ns)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(ns.Spec.Finalizers) == 0 {
		return c.deleteNamespace(ctx, ns)
	}
	return nil
}

// finalize removes the "kubernetes" finalizer through namespaces/finalize,
// on the latest namespace when another writer got there first.
func (c *Controller) finalize(ctx context.Context, ns *corev1.Namespace) (*corev1.Namespace, error) {
	var out *corev1.Namespace
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cp := ns.DeepCopy()
		cp.Spec.Finalizers = slices.DeleteFunc(cp.Spec.Finalizers, func(f corev1.FinalizerName) bool {
			return f == corev1.FinalizerKubernetes
		})
		var err error
		out, err = c.client.CoreV1().Namespaces().Finalize(ctx, cp, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) {
			latest, getErr := c.client.CoreV1().Namespaces().Get(ctx, ns.Name, metav1.GetOptions{})
			if getErr != nil {
				return getErr
			}
			if latest.UID != ns.UID {
				return apierrors.NewNotFound(corev1.Resource("namespaces"), ns.Name)
			}
			ns = latest
		}
		return err
	})
	return out, err
}

// deleteNamespace deletes the emptied namespace for good; the UID keeps a
// namespace recreated under the same name safe (upstream's deleteNamespace).
func (c *Controller) deleteNamespace(ctx context.Context, ns *corev1.Namespace) error {
	err := c.client.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &ns.UID},
	})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
