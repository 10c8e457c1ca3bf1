package namespace

import (
	"cmp"
	"context"
	"fmt"
	"log"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/discovery"

	"github.com/podlab/podlab/runtime/labclock"
)

// finalizerEstimate is how long upstream expects an object's finalizers
// (the garbage collector's, say) to take.
const finalizerEstimate = 15 * time.Second

// deleteContent deletes everything in ns and reports how long what remains
// is expected to take (zero when nothing remains), as upstream's
// deleteAllContent: every namespaced resource discovery lists that can be
// deleted, one resource's failure not stopping the others. It writes the
// namespace's deletion conditions when they changed, and returns the
// namespace as it then is.
func (c *Controller) deleteContent(ctx context.Context, ns *corev1.Namespace) (*corev1.Namespace, time.Duration, error) {
	var errs []error
	conds := &conditions{}
	lists, err := c.discover()
	if err != nil {
		// Partial discovery still names resources to delete.
		errs = append(errs, err)
		conds.discoveryFailed(err)
	}
	deletable := discovery.FilteredBy(discovery.SupportsAllVerbs{Verbs: []string{"delete"}}, lists)
	verbs := map[schema.GroupVersionResource]sets.Set[string]{}
	for _, list := range deletable {
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil {
			errs = append(errs, err)
			conds.groupVersionFailed(err)
			continue
		}
		for _, r := range list.APIResources {
			verbs[gv.WithResource(r.Name)] = sets.New([]string(r.Verbs)...)
		}
	}
	gvrs := make([]schema.GroupVersionResource, 0, len(verbs))
	for gvr := range verbs {
		gvrs = append(gvrs, gvr)
	}
	slices.SortFunc(gvrs, func(a, b schema.GroupVersionResource) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Resource, b.Resource))
	})

	var wait time.Duration
	remaining := map[schema.GroupVersionResource]int{}
	finalizers := map[string]int{}
	for _, gvr := range gvrs {
		rest, err := c.deleteResource(ctx, ns, gvr, verbs[gvr])
		if err != nil {
			errs = append(errs, err)
			conds.contentFailed(err)
		}
		wait = max(wait, rest.wait)
		if rest.count > 0 {
			remaining[gvr] = rest.count
			for f, n := range rest.finalizers {
				finalizers[f] += n
			}
		}
	}
	conds.contentLeft(remaining, finalizers)
	// Written whenever they changed, failures and recoveries alike, and
	// never when they did not (upstream's updateConditions).
	updated := ns.DeepCopy()
	if conds.apply(&updated.Status, c.now()) {
		written, err := c.client.CoreV1().Namespaces().UpdateStatus(ctx, updated, metav1.UpdateOptions{})
		switch {
		case err == nil:
			ns = written
		case ctx.Err() == nil:
			// Not worth failing the pass for: the next one writes them again.
			log.Printf("%s: %s: updating conditions: %v", Name, ns.Name, err)
		}
	}
	return ns, wait, utilerrors.NewAggregate(errs)
}

// left is what remains of one resource in a namespace.
type left struct {
	count      int
	finalizers map[string]int
	wait       time.Duration
}

// deleteResource deletes every object of gvr in ns, by collection when the
// resource allows it, else one by one, and looks at what remains
// (upstream's deleteAllContentForGroupVersionResource). Pods are deleted
// like any object: gracefully, their kubelet finishing the job.
func (c *Controller) deleteResource(ctx context.Context, ns *corev1.Namespace, gvr schema.GroupVersionResource, verbs sets.Set[string]) (left, error) {
	var wait time.Duration
	if gvr.Group == "" && gvr.Resource == "pods" {
		wait = c.podsWait(ns)
	}
	client := c.metadata.Resource(gvr).Namespace(ns.Name)
	// Background: dependents go after their owners, never orphaned.
	background := metav1.DeletePropagationBackground
	opts := metav1.DeleteOptions{PropagationPolicy: &background}
	byCollection := verbs.Has("deletecollection")
	if byCollection {
		err := client.DeleteCollection(ctx, opts, metav1.ListOptions{})
		switch {
		case err == nil:
		case apierrors.IsMethodNotSupported(err) || apierrors.IsNotFound(err):
			byCollection = false
		default:
			return left{wait: wait}, err
		}
	}
	if !verbs.Has("list") {
		return left{wait: wait}, nil // nothing to delete one by one, nothing to check
	}
	if !byCollection {
		items, err := client.List(ctx, metav1.ListOptions{})
		if err != nil {
			return left{wait: wait}, err
		}
		for _, item := range items.Items {
			if err := client.Delete(ctx, item.Name, opts); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsMethodNotSupported(err) {
				return left{wait: wait}, err
			}
		}
	}
	items, err := client.List(ctx, metav1.ListOptions{})
	if err != nil {
		return left{wait: wait}, err
	}
	if len(items.Items) == 0 {
		return left{}, nil
	}
	l := left{count: len(items.Items), finalizers: map[string]int{}, wait: wait}
	for _, item := range items.Items {
		for _, f := range item.Finalizers {
			l.finalizers[f]++
		}
	}
	switch {
	case l.wait > 0:
		return l, nil
	case len(l.finalizers) > 0:
		l.wait = labclock.Scaled(finalizerEstimate)
		return l, nil
	}
	return l, fmt.Errorf("unexpected items still remain in namespace: %s for gvr: %v", ns.Name, gvr)
}

// podsWait is how long the namespace's pods may take to stop: the longest
// grace period of those not finished, in the lab's time scale, until that
// long has passed since the namespace's deletion (upstream's
// estimateGracefulTermination).
func (c *Controller) podsWait(ns *corev1.Namespace) time.Duration {
	pods, err := c.pods.Pods(ns.Name).List(labels.Everything())
	if err != nil {
		return 0
	}
	var grace int64
	for _, p := range pods {
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		if g := p.Spec.TerminationGracePeriodSeconds; g != nil && *g > grace {
			grace = *g
		}
	}
	if c.now().Sub(ns.DeletionTimestamp.Time) >= labclock.Seconds(grace) {
		return 0
	}
	return labclock.Seconds(grace)
}
