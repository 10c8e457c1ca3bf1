package registry

import (
	"context"
	"slices"
	"strconv"
	"strings"

	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/podlab/podlab/runtime/api"
)

// Policy returns the storage of policy/v1: PodDisruptionBudgets and their
// status, which the disruption controller keeps and evictions
// (pods/eviction, in the core group) spend.
func Policy(cfg Config) (map[string]rest.Storage, error) {
	return build(cfg, newPodDisruptionBudgets)
}

func newPodDisruptionBudgets(cfg Config) (map[string]rest.Storage, error) {
	store, status, err := pdbStores(cfg)
	if err != nil {
		return nil, err
	}
	return map[string]rest.Storage{
		"poddisruptionbudgets":        &resourceREST{Store: store, res: api.PodDisruptionBudgets},
		"poddisruptionbudgets/status": &statusREST{status},
	}, nil
}

// pdbStores builds the PodDisruptionBudgets' store and their status store.
func pdbStores(cfg Config) (main, status *genericregistry.Store, err error) {
	s := pdbStrategy{newStrategy(api.PodDisruptionBudgets)}
	store, err := newStore(cfg, api.PodDisruptionBudgets, s, nil)
	if err != nil {
		return nil, nil, err
	}
	return store, statusStore(store, pdbStatusStrategy{s}), nil
}

// pdbStrategy follows upstream's pkg/registry/policy/poddisruptionbudget:
// a new budget starts with no status and generation 1; the main resource
// never writes status; a spec change bumps the generation, which the
// disruption controller's observedGeneration then catches up with.
type pdbStrategy struct{ strategy }

func (pdbStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	pdb := obj.(*policyv1.PodDisruptionBudget)
	pdb.Status = policyv1.PodDisruptionBudgetStatus{}
	pdb.Generation = 1
}

func (pdbStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	newPDB, oldPDB := obj.(*policyv1.PodDisruptionBudget), old.(*policyv1.PodDisruptionBudget)
	newPDB.Status = oldPDB.Status
	newPDB.Generation = oldPDB.Generation
	if !apiequality.Semantic.DeepEqual(newPDB.Spec, oldPDB.Spec) {
		newPDB.Generation++
	}
}

func (pdbStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	pdb := obj.(*policyv1.PodDisruptionBudget)
	return append(api.ValidateCreate(pdb), validatePDBSpec(&pdb.Spec, field.NewPath("spec"))...)
}

func (pdbStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	pdb := obj.(*policyv1.PodDisruptionBudget)
	return append(api.ValidateUpdate(pdb, old.(api.Object)), validatePDBSpec(&pdb.Spec, field.NewPath("spec"))...)
}

func (s pdbStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return statusResetFields(s.res)
}

// pdbStatusStrategy is poddisruptionbudgets/status: the status only.
type pdbStatusStrategy struct{ pdbStrategy }

func (pdbStatusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	newPDB, oldPDB := obj.(*policyv1.PodDisruptionBudget), old.(*policyv1.PodDisruptionBudget)
	newPDB.Spec = oldPDB.Spec
	newPDB.Generation = oldPDB.Generation
}

func (pdbStatusStrategy) ValidateUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	return validatePDBStatus(&obj.(*policyv1.PodDisruptionBudget).Status, field.NewPath("status"))
}

func (s pdbStatusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return specResetFields(s.res)
}

// unhealthyPodEvictionPolicies are the policies upstream supports.
var unhealthyPodEvictionPolicies = []string{string(policyv1.AlwaysAllow), string(policyv1.IfHealthyBudget)}

// validatePDBSpec is upstream's ValidatePodDisruptionBudgetSpec
// (pkg/apis/policy/validation), with its messages.
func validatePDBSpec(spec *policyv1.PodDisruptionBudgetSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.MinAvailable != nil && spec.MaxUnavailable != nil {
		errs = append(errs, field.Invalid(p, spec, "minAvailable and maxUnavailable cannot be both set"))
	}
	if spec.MinAvailable != nil {
		errs = append(errs, validateIntOrPercent(*spec.MinAvailable, p.Child("minAvailable"))...)
	}
	if spec.MaxUnavailable != nil {
		errs = append(errs, validateIntOrPercent(*spec.MaxUnavailable, p.Child("maxUnavailable"))...)
	}
	errs = append(errs, metav1validation.ValidateLabelSelector(spec.Selector, metav1validation.LabelSelectorValidationOptions{}, p.Child("selector"))...)
	if pol := spec.UnhealthyPodEvictionPolicy; pol != nil && !slices.Contains(unhealthyPodEvictionPolicies, string(*pol)) {
		errs = append(errs, field.NotSupported(p.Child("unhealthyPodEvictionPolicy"), *pol, unhealthyPodEvictionPolicies))
	}
	return errs
}

// validateIntOrPercent is upstream's ValidatePositiveIntOrPercent and
// IsNotMoreThan100Percent (pkg/apis/apps/validation).
func validateIntOrPercent(v intstr.IntOrString, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch v.Type {
	case intstr.String:
		for _, msg := range validation.IsValidPercent(v.StrVal) {
			errs = append(errs, field.Invalid(p, v, msg))
		}
		if n, err := strconv.Atoi(strings.TrimSuffix(v.StrVal, "%")); err == nil && strings.HasSuffix(v.StrVal, "%") && n > 100 {
			errs = append(errs, field.Invalid(p, v, "must not be greater than 100%"))
		}
	case intstr.Int:
		errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(int64(v.IntValue()), p)...)
	default:
		errs = append(errs, field.Invalid(p, v, "must be an integer or percentage (e.g '5%')"))
	}
	return errs
}

// validatePDBStatus is upstream's ValidatePodDisruptionBudgetStatusUpdate.
func validatePDBStatus(st *policyv1.PodDisruptionBudgetStatus, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, f := range []struct {
		name string
		v    int32
	}{{"disruptionsAllowed", st.DisruptionsAllowed}, {"currentHealthy", st.CurrentHealthy}, {"desiredHealthy", st.DesiredHealthy}, {"expectedPods", st.ExpectedPods}} {
		errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(int64(f.v), p.Child(f.name))...)
	}
	errs = append(errs, metav1validation.ValidateConditions(st.Conditions, p.Child("conditions"))...)
	return errs
}
