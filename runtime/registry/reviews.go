package registry

import (
	"context"
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
)

// Authorization returns the authorization.k8s.io/v1 storage: the questions
// `kubectl auth can-i` and k9s ask about the requesting user, answered by the
// API server's own authorizer (upstream's selfsubject*review registries).
func Authorization(authz authorizer.Authorizer, rules authorizer.RuleResolver) map[string]rest.Storage {
	return map[string]rest.Storage{
		"selfsubjectaccessreviews": &accessReviewREST{authz: authz},
		"selfsubjectrulesreviews":  &rulesReviewREST{rules: rules},
	}
}

// Authentication returns the authentication.k8s.io/v1 storage: who am I
// (`kubectl auth whoami`).
func Authentication() map[string]rest.Storage {
	return map[string]rest.Storage{"selfsubjectreviews": &selfReviewREST{}}
}

func requestUser(ctx context.Context) (user.Info, error) {
	u, ok := genericapirequest.UserFrom(ctx)
	if !ok {
		return nil, apierrors.NewBadRequest("no user present on request")
	}
	return u, nil
}

type accessReviewREST struct{ authz authorizer.Authorizer }

var _ rest.Creater = (*accessReviewREST)(nil)

func (r *accessReviewREST) New() runtime.Object { return &authorizationv1.SelfSubjectAccessReview{} }
func (r *accessReviewREST) Destroy()            {}
func (r *accessReviewREST) NamespaceScoped() bool {
	return false
}
func (r *accessReviewREST) GetSingularName() string { return "selfsubjectaccessreview" }

func (r *accessReviewREST) Create(ctx context.Context, obj runtime.Object, _ rest.ValidateObjectFunc, _ *metav1.CreateOptions) (runtime.Object, error) {
	sar, ok := obj.(*authorizationv1.SelfSubjectAccessReview)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a SelfSubjectAccessReview: %#v", obj))
	}
	spec := sar.Spec
	if (spec.ResourceAttributes == nil) == (spec.NonResourceAttributes == nil) {
		return nil, apierrors.NewInvalid(authorizationv1.SchemeGroupVersion.WithKind("SelfSubjectAccessReview").GroupKind(), "",
			field.ErrorList{field.Invalid(field.NewPath("spec", "resourceAttributes"), spec.NonResourceAttributes, "exactly one of nonResourceAttributes or resourceAttributes must be specified")})
	}
	u, err := requestUser(ctx)
	if err != nil {
		return nil, err
	}
	attrs := authorizer.AttributesRecord{User: u}
	if ra := spec.ResourceAttributes; ra != nil {
		attrs.ResourceRequest = true
		attrs.Verb, attrs.Namespace, attrs.APIGroup, attrs.APIVersion = ra.Verb, ra.Namespace, ra.Group, ra.Version
		attrs.Resource, attrs.Subresource, attrs.Name = ra.Resource, ra.Subresource, ra.Name
	} else {
		attrs.Verb, attrs.Path = spec.NonResourceAttributes.Verb, spec.NonResourceAttributes.Path
	}
	decision, reason, evalErr := r.authz.Authorize(ctx, attrs)
	sar.Status = authorizationv1.SubjectAccessReviewStatus{
		Allowed: decision == authorizer.DecisionAllow,
		Denied:  decision == authorizer.DecisionDeny,
		Reason:  reason,
	}
	if evalErr != nil {
		sar.Status.EvaluationError = evalErr.Error()
	}
	return sar, nil
}

type rulesReviewREST struct{ rules authorizer.RuleResolver }

var _ rest.Creater = (*rulesReviewREST)(nil)

func (r *rulesReviewREST) New() runtime.Object   { return &authorizationv1.SelfSubjectRulesReview{} }
func (r *rulesReviewREST) Destroy()              {}
func (r *rulesReviewREST) NamespaceScoped() bool { return false }
func (r *rulesReviewREST) GetSingularName() string {
	return "selfsubjectrulesreview"
}

func (r *rulesReviewREST) Create(ctx context.Context, obj runtime.Object, _ rest.ValidateObjectFunc, _ *metav1.CreateOptions) (runtime.Object, error) {
	srr, ok := obj.(*authorizationv1.SelfSubjectRulesReview)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a SelfSubjectRulesReview: %#v", obj))
	}
	u, err := requestUser(ctx)
	if err != nil {
		return nil, err
	}
	resourceRules, nonResourceRules, incomplete, evalErr := r.rules.RulesFor(ctx, u, srr.Spec.Namespace)
	st := authorizationv1.SubjectRulesReviewStatus{Incomplete: incomplete}
	for _, rr := range resourceRules {
		st.ResourceRules = append(st.ResourceRules, authorizationv1.ResourceRule{
			Verbs: rr.GetVerbs(), APIGroups: rr.GetAPIGroups(), Resources: rr.GetResources(), ResourceNames: rr.GetResourceNames(),
		})
	}
	for _, nr := range nonResourceRules {
		st.NonResourceRules = append(st.NonResourceRules, authorizationv1.NonResourceRule{Verbs: nr.GetVerbs(), NonResourceURLs: nr.GetNonResourceURLs()})
	}
	if evalErr != nil {
		st.EvaluationError = evalErr.Error()
	}
	srr.Status = st
	return srr, nil
}

type selfReviewREST struct{}

var _ rest.Creater = (*selfReviewREST)(nil)

func (r *selfReviewREST) New() runtime.Object     { return &authenticationv1.SelfSubjectReview{} }
func (r *selfReviewREST) Destroy()                {}
func (r *selfReviewREST) NamespaceScoped() bool   { return false }
func (r *selfReviewREST) GetSingularName() string { return "selfsubjectreview" }

func (r *selfReviewREST) Create(ctx context.Context, obj runtime.Object, _ rest.ValidateObjectFunc, _ *metav1.CreateOptions) (runtime.Object, error) {
	review, ok := obj.(*authenticationv1.SelfSubjectReview)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a SelfSubjectReview: %#v", obj))
	}
	u, err := requestUser(ctx)
	if err != nil {
		return nil, err
	}
	info := authenticationv1.UserInfo{Username: u.GetName(), UID: u.GetUID(), Groups: u.GetGroups()}
	for k, v := range u.GetExtra() {
		if info.Extra == nil {
			info.Extra = map[string]authenticationv1.ExtraValue{}
		}
		info.Extra[k] = v
	}
	review.Status.UserInfo = info
	review.CreationTimestamp = metav1.Now()
	return review, nil
}
