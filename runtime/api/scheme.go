package api

import (
	"reflect"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
)

// Scheme knows every type the lab serves. The lab keeps no internal types of
// its own: each k8s.io/api type is registered both under its version and as
// the group's internal version (runtime.APIVersionInternal), so the generic
// API server's conversions between the two are identity copies.
var Scheme = runtime.NewScheme()

// Codecs encodes and decodes the lab's types (JSON, YAML, protobuf, CBOR).
var Codecs = serializer.NewCodecFactory(Scheme)

// ParameterCodec decodes query parameters into option types (PodLogOptions,
// PodExecOptions, …) and encodes them for clients.
var ParameterCodec = runtime.NewParameterCodec(Scheme)

// groups are the API groups the lab serves, with the functions that register
// their versioned types.
var groups = []struct {
	gv       schema.GroupVersion
	register func(*runtime.Scheme) error
}{
	{corev1.SchemeGroupVersion, corev1.AddToScheme},
	{authorizationv1.SchemeGroupVersion, authorizationv1.AddToScheme},
	{authenticationv1.SchemeGroupVersion, authenticationv1.AddToScheme},
	{coordinationv1.SchemeGroupVersion, coordinationv1.AddToScheme},
	{policyv1.SchemeGroupVersion, policyv1.AddToScheme},
	{appsv1.SchemeGroupVersion, appsv1.AddToScheme},
	{batchv1.SchemeGroupVersion, batchv1.AddToScheme},
	{discoveryv1.SchemeGroupVersion, discoveryv1.AddToScheme},
	// autoscaling/v1 for its Scale, the kind of the scale subresources.
	{autoscalingv1.SchemeGroupVersion, autoscalingv1.AddToScheme},
}

func init() {
	for _, g := range groups {
		must(g.register(Scheme))
		registerAsInternal(Scheme, g.gv)
	}
	// The generic API server decodes its request options (ListOptions,
	// DeleteOptions, …) as the group-less "v1" and answers with unversioned
	// meta types; register them as upstream's sample-apiserver does.
	metav1.AddToGroupVersion(Scheme, schema.GroupVersion{Version: "v1"})
	Scheme.AddUnversionedTypes(schema.GroupVersion{Version: "v1"},
		&metav1.Status{}, &metav1.APIVersions{}, &metav1.APIGroupList{}, &metav1.APIGroup{}, &metav1.APIResourceList{})
	must(addFieldLabelConversions(Scheme))
	must(addQueryConversions(Scheme))
	addDefaulters(Scheme)
}

// registerAsInternal registers the API types of gv (those declared in the
// group's own Go package, not the meta types every group carries) as the
// group's internal version too.
func registerAsInternal(s *runtime.Scheme, gv schema.GroupVersion) {
	internal := schema.GroupVersion{Group: gv.Group, Version: runtime.APIVersionInternal}
	for kind, t := range s.KnownTypes(gv) {
		if t.PkgPath() == metaPackage {
			continue
		}
		s.AddKnownTypeWithName(internal.WithKind(kind), reflect.New(t).Interface().(runtime.Object))
	}
}

var metaPackage = reflect.TypeOf(metav1.Status{}).PkgPath()

// addDefaulters makes the scheme apply the lab's defaulting (SetDefaults)
// whenever the API server decodes an object, as kube-apiserver applies its
// generated SetDefaults_* functions.
func addDefaulters(s *runtime.Scheme) {
	for _, r := range All {
		s.AddTypeDefaultingFunc(r.New(), func(obj any) { SetDefaults(obj.(Object)) })
	}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
