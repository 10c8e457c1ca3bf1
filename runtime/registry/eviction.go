package registry

import (
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/util/dryrun"
	"k8s.io/client-go/util/retry"
	pdbhelper "k8s.io/component-helpers/apps/poddisruptionbudget"

	"github.com/podlab/podlab/runtime/api"
)

// Upstream's eviction limits (pkg/registry/core/pod/storage/eviction.go):
// conflicts are retried 20 times half a second apart, and a budget with
// more evictions than maxDisruptedPods not yet confirmed refuses more.
var evictionRetry = wait.Backoff{Steps: 20, Duration: 500 * time.Millisecond, Factor: 1.0, Jitter: 0.1}

const maxDisruptedPods = 2000

// The DisruptionTarget condition an eviction marks its pod with first.
const (
	evictionReason  = "EvictionByEvictionAPI"
	evictionMessage = "Eviction API: evicting"
)

// violation is upstream's message for an eviction a budget refuses.
const violation = "Cannot evict pod as it would violate the pod's disruption budget."

// evictionREST serves pods/eviction as kube-apiserver's EvictionREST: a
// policy/v1 Eviction posted for a pod deletes it with the Eviction's
// DeleteOptions (its grace period, preconditions and dry run) when the one
// PodDisruptionBudget selecting it allows a disruption, or at once when the
// pod is not running (pending, finished or already terminating); a budget
// with no disruption to spare answers 429 Too Many Requests, which kubectl
// drain retries.
type evictionREST struct {
	// pods is the pods' store writing through the status strategy: the
	// DisruptionTarget condition is status.
	pods *genericregistry.Store
	// pdbs and pdbStatus read and spend the budgets.
	pdbs, pdbStatus *genericregistry.Store
}

var (
	_ rest.NamedCreater             = (*evictionREST)(nil)
	_ rest.GroupVersionKindProvider = (*evictionREST)(nil)
	_ rest.GroupVersionAcceptor     = (*evictionREST)(nil)
)

func newEvictionREST(cfg Config, pods *genericregistry.Store, status podStatusStrategy) (*evictionREST, error) {
	st := *pods
	st.UpdateStrategy, st.ResetFieldsStrategy = status, status
	pdbs, pdbStatus, err := pdbStores(cfg)
	if err != nil {
		return nil, err
	}
	return &evictionREST{pods: &st, pdbs: pdbs, pdbStatus: pdbStatus}, nil
}

func (r *evictionREST) New() runtime.Object { return &policyv1.Eviction{} }
func (r *evictionREST) Destroy()            {}

// GroupVersionKind: discovery lists pods/eviction as policy/v1 Eviction,
// which is how kubectl drain finds it.
func (r *evictionREST) GroupVersionKind(schema.GroupVersion) schema.GroupVersionKind {
	return policyv1.SchemeGroupVersion.WithKind("Eviction")
}

// AcceptsGroupVersion: policy/v1 only (upstream also takes the v1beta1
// Eviction, which kubectl stopped sending in 1.22).
func (r *evictionREST) AcceptsGroupVersion(gv schema.GroupVersion) bool {
	return gv == policyv1.SchemeGroupVersion
}

// deleteOptionsOf is the Eviction's DeleteOptions with the request's dry
// run, which must agree with the Eviction's own (upstream's propagateDryRun).
func deleteOptionsOf(e *policyv1.Eviction, opts *metav1.CreateOptions) (*metav1.DeleteOptions, error) {
	if e.DeleteOptions == nil {
		return &metav1.DeleteOptions{DryRun: opts.DryRun}, nil
	}
	if len(e.DeleteOptions.DryRun) == 0 {
		e.DeleteOptions.DryRun = opts.DryRun
		return e.DeleteOptions, nil
	}
	if len(opts.DryRun) > 0 && !slices.Equal(opts.DryRun, e.DeleteOptions.DryRun) {
		return nil, fmt.Errorf("Non-matching dry-run options in request and content: %v and %v", opts.DryRun, e.DeleteOptions.DryRun)
	}
	return e.DeleteOptions, nil
}

func (r *evictionREST) Create(ctx context.Context, name string, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	eviction, ok := obj.(*policyv1.Eviction)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a Eviction object: %T", obj))
	}
	if name != eviction.Name {
		return nil, apierrors.NewBadRequest("name in URL does not match name in Eviction object")
	}
	opts, err := deleteOptionsOf(eviction, options)
	if err != nil {
		return nil, err
	}
	if createValidation != nil {
		if err := createValidation(ctx, eviction.DeepCopyObject()); err != nil {
			return nil, err
		}
	}

	// A pod that is not running disrupts nothing: delete it, budgets
	// unasked, retrying conflicts unless the caller named a resourceVersion.
	var pod *corev1.Pod
	deleted := false
	retryable := apierrors.IsConflict
	if !rvUnset(opts) {
		retryable = func(error) bool { return false }
	}
	err = retry.OnError(evictionRetry, retryable, func() error {
		o, err := r.pods.Get(ctx, name, &metav1.GetOptions{})
		if err != nil {
			return err
		}
		pod = o.(*corev1.Pod)
		if !ignoresBudgets(pod) {
			return nil
		}
		del := opts
		if enforceResourceVersion(pod) && rvUnset(opts) {
			del = withResourceVersion(opts, pod.ResourceVersion)
		}
		if err := r.markAndDelete(ctx, name, del); err != nil {
			return err
		}
		deleted = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	if deleted {
		return &metav1.Status{Status: metav1.StatusSuccess}, nil
	}

	refusal, pdbName, pinVersion, err := r.spendBudget(ctx, pod, dryrun.IsDryRun(opts.DryRun))
	if wait.Interrupted(err) {
		err = apierrors.NewTimeoutError(fmt.Sprintf("couldn't update PodDisruptionBudget %q due to conflicts", pdbName), 10)
	}
	if err != nil {
		return nil, err
	}
	if refusal != nil {
		return refusal, nil
	}
	// No budget, or one spent; or an unready pod a healthy budget lets go,
	// on the condition that it has not become ready meanwhile.
	del := opts
	if pinVersion {
		del = withResourceVersion(opts, pod.ResourceVersion)
	}
	if err := r.markAndDelete(ctx, name, del); err != nil {
		if apierrors.IsConflict(err) && pinVersion && rvUnset(opts) {
			return nil, stillProcessing(pdbName)
		}
		return nil, err
	}
	return &metav1.Status{Status: metav1.StatusSuccess}, nil
}

// spendBudget applies the pod's PodDisruptionBudget, if any: it returns a
// failure status to answer with (more than one budget), the budget's name,
// whether the delete must pin the pod's resourceVersion (an unready pod let
// go without spending), or an error (429 when the budget has no disruption
// to spare).
func (r *evictionREST) spendBudget(ctx context.Context, pod *corev1.Pod, dryRun bool) (*metav1.Status, string, bool, error) {
	pdbs, err := r.budgetsOf(ctx, pod)
	if err != nil {
		return nil, "", false, err
	}
	switch len(pdbs) {
	case 0:
		return nil, "", false, nil
	case 1:
	default:
		return &metav1.Status{Status: metav1.StatusFailure, Code: 500,
			Message: "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."}, "", false, nil
	}
	pdb := &pdbs[0]
	if !podReady(pod) {
		// An unhealthy pod does not count towards the budget: it may go
		// when the policy says always, or while the budget is met anyway.
		if p := pdb.Spec.UnhealthyPodEvictionPolicy; p != nil && *p == policyv1.AlwaysAllow {
			return nil, pdb.Name, true, nil
		}
		if pdb.Status.CurrentHealthy >= pdb.Status.DesiredHealthy && pdb.Status.DesiredHealthy > 0 {
			return nil, pdb.Name, true, nil
		}
	}
	refresh := false
	err = retry.RetryOnConflict(evictionRetry, func() error {
		if refresh {
			o, err := r.pdbs.Get(ctx, pdb.Name, &metav1.GetOptions{})
			if err != nil {
				return err
			}
			pdb = o.(*policyv1.PodDisruptionBudget)
		}
		refresh = true
		return r.checkAndDecrement(ctx, pod.Name, pdb.DeepCopy(), dryRun)
	})
	return nil, pdb.Name, false, err
}

// checkAndDecrement takes one disruption from the budget, recording the pod
// among its disruptedPods so the disruption controller does not count it
// healthy while it terminates (upstream's checkAndDecrement).
func (r *evictionREST) checkAndDecrement(ctx context.Context, podName string, pdb *policyv1.PodDisruptionBudget, dryRun bool) error {
	switch {
	case pdb.Status.ObservedGeneration < pdb.Generation:
		return stillProcessing(pdb.Name)
	case pdb.Status.DisruptionsAllowed < 0:
		return apierrors.NewForbidden(policyv1.Resource("poddisruptionbudget"), pdb.Name, fmt.Errorf("pdb disruptions allowed is negative"))
	case len(pdb.Status.DisruptedPods) > maxDisruptedPods:
		return apierrors.NewForbidden(policyv1.Resource("poddisruptionbudget"), pdb.Name, fmt.Errorf("DisruptedPods map too big - too many evictions not confirmed by PDB controller"))
	case pdb.Status.DisruptionsAllowed == 0:
		err := apierrors.NewTooManyRequests(violation, 0)
		err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{
			Type:    policyv1.DisruptionBudgetCause,
			Message: fmt.Sprintf("The disruption budget %s needs %d healthy pods and has %d currently", pdb.Name, pdb.Status.DesiredHealthy, pdb.Status.CurrentHealthy),
		})
		return err
	}
	pdb.Status.DisruptionsAllowed--
	if pdb.Status.DisruptionsAllowed == 0 {
		pdbhelper.UpdateDisruptionAllowedCondition(pdb)
	}
	if dryRun {
		return nil
	}
	if pdb.Status.DisruptedPods == nil {
		pdb.Status.DisruptedPods = map[string]metav1.Time{}
	}
	pdb.Status.DisruptedPods[podName] = metav1.Now()
	_, _, err := r.pdbStatus.Update(ctx, pdb.Name, rest.DefaultUpdatedObjectInfo(pdb), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	return err
}

// budgetsOf lists the budgets of the pod's namespace whose selector
// matches it; an invalid selector matches nothing, an empty one (policy/v1)
// every pod.
func (r *evictionREST) budgetsOf(ctx context.Context, pod *corev1.Pod) ([]policyv1.PodDisruptionBudget, error) {
	o, err := r.pdbs.List(ctx, &metainternalversion.ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []policyv1.PodDisruptionBudget
	for _, pdb := range o.(*policyv1.PodDisruptionBudgetList).Items {
		if pdb.Namespace != pod.Namespace {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil || !sel.Matches(labels.Set(pod.Labels)) {
			continue
		}
		out = append(out, pdb)
	}
	return out, nil
}

// markAndDelete marks the pod a disruption target, unless this is a dry
// run, then deletes it with opts (upstream's addConditionAndDeletePod):
// the condition goes to the pod as stored now, the preconditions checked
// against it, and a resourceVersion precondition moves past the mark.
func (r *evictionREST) markAndDelete(ctx context.Context, name string, opts *metav1.DeleteOptions) error {
	if !dryrun.IsDryRun(opts.DryRun) {
		latest := func(_ context.Context, _, old runtime.Object) (runtime.Object, error) {
			pod := old.(*corev1.Pod).DeepCopy()
			if pre := opts.Preconditions; pre != nil {
				if uid := pre.UID; uid != nil && *uid != "" && *uid != pod.UID {
					return nil, apierrors.NewConflict(schema.GroupResource{Resource: "Pod"}, pod.Name,
						fmt.Errorf("the UID in the precondition (%s) does not match the UID in record (%s). The object might have been deleted and then recreated", *uid, pod.UID))
				}
				if rv := pre.ResourceVersion; rv != nil && *rv != "" && *rv != pod.ResourceVersion {
					return nil, apierrors.NewConflict(schema.GroupResource{Resource: "Pod"}, pod.Name,
						fmt.Errorf("the ResourceVersion in the precondition (%s) does not match the ResourceVersion in record (%s). The object might have been modified", *rv, pod.ResourceVersion))
				}
			}
			return pod, nil
		}
		mark := func(_ context.Context, obj, _ runtime.Object) (runtime.Object, error) {
			pod := obj.(*corev1.Pod)
			api.SetPodCondition(&pod.Status, corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
				Reason: evictionReason, Message: evictionMessage, ObservedGeneration: pod.Generation})
			return pod, nil
		}
		updated, _, err := r.pods.Update(ctx, name, rest.DefaultUpdatedObjectInfo(nil, latest, mark), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
		if err != nil {
			return err
		}
		if !rvUnset(opts) {
			opts = withResourceVersion(opts, updated.(*corev1.Pod).ResourceVersion)
		}
	}
	_, _, err := r.pods.Delete(ctx, name, rest.ValidateAllObjectFunc, opts)
	return err
}

// ignoresBudgets: a pending, finished or terminating pod is no disruption
// (upstream's canIgnorePDB).
func ignoresBudgets(pod *corev1.Pod) bool {
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed, corev1.PodPending:
		return true
	}
	return pod.DeletionTimestamp != nil
}

// enforceResourceVersion: deleting a running pod unasked pins its
// resourceVersion, so it cannot have become ready (and protected) meanwhile.
func enforceResourceVersion(pod *corev1.Pod) bool {
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		return false
	}
	return pod.DeletionTimestamp == nil
}

func rvUnset(o *metav1.DeleteOptions) bool {
	return o.Preconditions == nil || o.Preconditions.ResourceVersion == nil
}

func withResourceVersion(o *metav1.DeleteOptions, rv string) *metav1.DeleteOptions {
	o = o.DeepCopy()
	if o.Preconditions == nil {
		o.Preconditions = &metav1.Preconditions{}
	}
	o.Preconditions.ResourceVersion = &rv
	return o
}

// stillProcessing is the 429 of a budget the disruption controller has not
// caught up with yet.
func stillProcessing(pdb string) error {
	err := apierrors.NewTooManyRequests(violation, 10)
	err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{
		Type: policyv1.DisruptionBudgetCause, Message: fmt.Sprintf("The disruption budget %s is still being processed by the server.", pdb),
	})
	return err
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
