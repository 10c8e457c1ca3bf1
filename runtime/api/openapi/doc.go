// Package openapi has one job: to hold the OpenAPI definitions of every API
// type the control plane serves, as GetOpenAPIDefinitions in
// zz_generated.openapi.go. That file is not written by hand: kube-openapi's
// openapi-gen (go.mod's tool directive) generates it from the k8s.io/api and
// k8s.io/apimachinery types, so the field docs, required fields and the
// x-kubernetes-patch-strategy, -patch-merge-key, -list-type and
// -list-map-keys extensions are upstream's own.
//
// Definitions are keyed by the types' OpenAPI model names,
// io.k8s.api.core.v1.Pod and so on: the upstream packages carry a
// +k8s:openapi-model-package tag and an OpenAPIModelName method, and the
// generated keys and refs call that method. runtime.Scheme's
// ToOpenAPIDefinitionName and kube-openapi's GetCanonicalTypeName resolve a
// Go object to the same name, so the apiserver's definition namer
// (k8s.io/apiserver/pkg/endpoints/openapi.NewDefinitionNamer) passes the keys
// through unchanged and only adds x-kubernetes-group-version-kind.
//
// k8s.io/api/scheduling/v1alpha3 is an input only because batch/v1's JobSpec
// refers to its Workload types; without it those refs would be bare Go names
// that resolve to nothing.
//
// openapi-gen's API linter reports fields of the upstream types that break
// Kubernetes' API naming rules. As in Kubernetes (its
// api/api-rules/violation_exceptions.list), the report is written to a
// committed file, violation_exceptions.list, which keeps the tool from
// failing on them; scripts/check-generated fails when the report changes,
// so a new violation is noticed rather than silently accepted.
//
// Regenerate with `go generate ./runtime/api/openapi` after changing the
// k8s.io module versions; scripts/check-generated tells whether the
// committed file is stale.
package openapi

//go:generate go tool openapi-gen --output-dir . --output-pkg github.com/podlab/podlab/runtime/api/openapi --output-file zz_generated.openapi.go --report-filename violation_exceptions.list k8s.io/api/core/v1 k8s.io/api/apps/v1 k8s.io/api/batch/v1 k8s.io/api/autoscaling/v1 k8s.io/api/discovery/v1 k8s.io/api/policy/v1 k8s.io/api/coordination/v1 k8s.io/api/events/v1 k8s.io/api/authentication/v1 k8s.io/api/authorization/v1 k8s.io/api/scheduling/v1alpha3 k8s.io/apimachinery/pkg/apis/meta/v1 k8s.io/apimachinery/pkg/runtime k8s.io/apimachinery/pkg/version k8s.io/apimachinery/pkg/util/intstr k8s.io/apimachinery/pkg/api/resource
