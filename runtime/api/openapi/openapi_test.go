package openapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	restful "github.com/emicklei/go-restful/v3"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/apimachinery/pkg/version"
	openapinamer "k8s.io/apiserver/pkg/endpoints/openapi"
	"k8s.io/kube-openapi/pkg/builder"
	"k8s.io/kube-openapi/pkg/builder3"
	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/util"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// definitions calls GetOpenAPIDefinitions with a ref callback that points at
// #/definitions/<name> and records every name it was asked for.
func definitions(t *testing.T) (map[string]common.OpenAPIDefinition, map[string]bool) {
	t.Helper()
	refs := map[string]bool{}
	defs := GetOpenAPIDefinitions(func(name string) spec.Ref {
		refs[name] = true
		return spec.MustCreateRef("#/definitions/" + common.EscapeJsonPointer(name))
	})
	return defs, refs
}

// servedScheme registers the API groups the control plane serves, as the
// apiserver's scheme does.
func servedScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme,
		discoveryv1.AddToScheme, policyv1.AddToScheme, coordinationv1.AddToScheme,
		eventsv1.AddToScheme, authenticationv1.AddToScheme, authorizationv1.AddToScheme, autoscalingv1.AddToScheme,
	} {
		if err := add(s); err != nil {
			t.Fatal(err)
		}
	}
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	return s
}

func TestDefinitionsForServedTypesUnderKubernetesNames(t *testing.T) {
	defs, _ := definitions(t)
	for name, obj := range map[string]any{
		"io.k8s.api.core.v1.Pod":                                     corev1.Pod{},
		"io.k8s.api.core.v1.PodList":                                 corev1.PodList{},
		"io.k8s.api.core.v1.Node":                                    corev1.Node{},
		"io.k8s.api.core.v1.Namespace":                               corev1.Namespace{},
		"io.k8s.api.core.v1.ConfigMap":                               corev1.ConfigMap{},
		"io.k8s.api.core.v1.Secret":                                  corev1.Secret{},
		"io.k8s.api.core.v1.Event":                                   corev1.Event{},
		"io.k8s.api.core.v1.Service":                                 corev1.Service{},
		"io.k8s.api.core.v1.Endpoints":                               corev1.Endpoints{},
		"io.k8s.api.core.v1.ServiceAccount":                          corev1.ServiceAccount{},
		"io.k8s.api.core.v1.Binding":                                 corev1.Binding{},
		"io.k8s.api.apps.v1.Deployment":                              appsv1.Deployment{},
		"io.k8s.api.apps.v1.ReplicaSet":                              appsv1.ReplicaSet{},
		"io.k8s.api.apps.v1.DaemonSet":                               appsv1.DaemonSet{},
		"io.k8s.api.apps.v1.StatefulSet":                             appsv1.StatefulSet{},
		"io.k8s.api.apps.v1.ControllerRevision":                      appsv1.ControllerRevision{},
		"io.k8s.api.autoscaling.v1.Scale":                            autoscalingv1.Scale{},
		"io.k8s.api.core.v1.ReplicationController":                   corev1.ReplicationController{},
		"io.k8s.api.batch.v1.Job":                                    batchv1.Job{},
		"io.k8s.api.batch.v1.CronJob":                                batchv1.CronJob{},
		"io.k8s.api.discovery.v1.EndpointSlice":                      discoveryv1.EndpointSlice{},
		"io.k8s.api.policy.v1.PodDisruptionBudget":                   policyv1.PodDisruptionBudget{},
		"io.k8s.api.policy.v1.Eviction":                              policyv1.Eviction{},
		"io.k8s.api.coordination.v1.Lease":                           coordinationv1.Lease{},
		"io.k8s.api.events.v1.Event":                                 eventsv1.Event{},
		"io.k8s.api.authentication.v1.SelfSubjectReview":             authenticationv1.SelfSubjectReview{},
		"io.k8s.api.authentication.v1.TokenReview":                   authenticationv1.TokenReview{},
		"io.k8s.api.authorization.v1.SelfSubjectAccessReview":        authorizationv1.SelfSubjectAccessReview{},
		"io.k8s.api.authorization.v1.SelfSubjectRulesReview":         authorizationv1.SelfSubjectRulesReview{},
		"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta":            metav1.ObjectMeta{},
		"io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta":              metav1.ListMeta{},
		"io.k8s.apimachinery.pkg.apis.meta.v1.Status":                metav1.Status{},
		"io.k8s.apimachinery.pkg.apis.meta.v1.Table":                 metav1.Table{},
		"io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions":         metav1.DeleteOptions{},
		"io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent":            metav1.WatchEvent{},
		"io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList":       metav1.APIResourceList{},
		"io.k8s.apimachinery.pkg.apis.meta.v1.APIGroupList":          metav1.APIGroupList{},
		"io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry":    metav1.ManagedFieldsEntry{},
		"io.k8s.apimachinery.pkg.apis.meta.v1.Time":                  metav1.Time{},
		"io.k8s.apimachinery.pkg.apis.meta.v1.PartialObjectMetadata": metav1.PartialObjectMetadata{},
		"io.k8s.apimachinery.pkg.runtime.RawExtension":               runtime.RawExtension{},
		"io.k8s.apimachinery.pkg.version.Info":                       version.Info{},
		"io.k8s.apimachinery.pkg.util.intstr.IntOrString":            intstr.IntOrString{},
		"io.k8s.apimachinery.pkg.api.resource.Quantity":              resource.Quantity{},
	} {
		if got := util.GetCanonicalTypeName(obj); got != name {
			t.Errorf("%T: the builders name it %q, want %q", obj, got, name)
		}
		if _, ok := defs[name]; !ok {
			t.Errorf("no definition %q", name)
		}
	}
}

// Every kind the served scheme knows (including the options and WatchEvent
// types metav1 registers in each group) has a definition under the name the
// apiserver's definition namer derives from the scheme.
func TestEverySchemeKindHasADefinition(t *testing.T) {
	defs, _ := definitions(t)
	s := servedScheme(t)
	for gvk := range s.AllKnownTypes() {
		name, err := s.ToOpenAPIDefinitionName(gvk)
		if err != nil {
			t.Errorf("%v: %v", gvk, err)
			continue
		}
		if _, ok := defs[name]; !ok {
			t.Errorf("%v: no definition %q", gvk, name)
		}
	}
}

func TestClosureIsComplete(t *testing.T) {
	defs, refs := definitions(t)
	if len(defs) < 300 {
		t.Fatalf("only %d definitions", len(defs))
	}
	for name, def := range defs {
		if !strings.HasPrefix(name, "io.k8s.") || strings.Contains(name, "/") {
			t.Errorf("definition %q is not an OpenAPI model name", name)
		}
		for _, dep := range def.Dependencies {
			if _, ok := defs[dep]; !ok {
				t.Errorf("%s depends on %q, which has no definition", name, dep)
			}
		}
	}
	for name := range refs {
		if _, ok := defs[name]; !ok {
			t.Errorf("a ref to %q, which has no definition", name)
		}
	}
}

// property returns property prop of definition def, its Ref unresolved.
func property(t *testing.T, defs map[string]common.OpenAPIDefinition, def, prop string) spec.Schema {
	t.Helper()
	d, ok := defs[def]
	if !ok {
		t.Fatalf("no definition %q", def)
	}
	p, ok := d.Schema.Properties[prop]
	if !ok {
		t.Fatalf("%s has no property %q", def, prop)
	}
	return p
}

func TestPatchAndListExtensions(t *testing.T) {
	defs, _ := definitions(t)

	podSpec := property(t, defs, "io.k8s.api.core.v1.Pod", "spec")
	if ref := podSpec.Ref.String(); ref != "#/definitions/io.k8s.api.core.v1.PodSpec" {
		t.Errorf("Pod.spec refers to %q", ref)
	}
	for _, tc := range []struct {
		def, prop string
		want      map[string]any
	}{
		{"io.k8s.api.core.v1.PodSpec", "containers", map[string]any{
			"x-kubernetes-patch-merge-key": "name",
			"x-kubernetes-patch-strategy":  "merge",
			"x-kubernetes-list-type":       "map",
			"x-kubernetes-list-map-keys":   []any{"name"},
		}},
		{"io.k8s.api.core.v1.Container", "ports", map[string]any{
			"x-kubernetes-patch-merge-key": "containerPort",
			"x-kubernetes-patch-strategy":  "merge",
			"x-kubernetes-list-type":       "map",
			"x-kubernetes-list-map-keys":   []any{"containerPort", "protocol"},
		}},
		{"io.k8s.api.core.v1.Container", "env", map[string]any{
			"x-kubernetes-patch-merge-key": "name",
			"x-kubernetes-patch-strategy":  "merge",
			"x-kubernetes-list-type":       "map",
			"x-kubernetes-list-map-keys":   []any{"name"},
		}},
		{"io.k8s.api.core.v1.Container", "args", map[string]any{
			"x-kubernetes-list-type": "atomic",
		}},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "finalizers", map[string]any{
			"x-kubernetes-patch-strategy": "merge",
			"x-kubernetes-list-type":      "set",
		}},
	} {
		ext := property(t, defs, tc.def, tc.prop).Extensions
		for k, want := range tc.want {
			if got := ext[k]; !reflect.DeepEqual(got, want) {
				t.Errorf("%s.%s %s = %#v, want %#v", tc.def, tc.prop, k, got, want)
			}
		}
	}
	// IntOrString brings its own schema type (Quantity is checked in the
	// built specs, where its v2 and v3 schemas part).
	if got := defs["io.k8s.apimachinery.pkg.util.intstr.IntOrString"].Schema.Format; got != "int-or-string" {
		t.Errorf("IntOrString format %q", got)
	}
}

func gvkExtension(t *testing.T, ext spec.Extensions) []map[string]any {
	t.Helper()
	raw, err := json.Marshal(ext["x-kubernetes-group-version-kind"])
	if err != nil {
		t.Fatal(err)
	}
	var gvks []map[string]any
	if err := json.Unmarshal(raw, &gvks); err != nil {
		t.Fatalf("x-kubernetes-group-version-kind %s: %v", raw, err)
	}
	return gvks
}

func hasGVK(gvks []map[string]any, group, version, kind string) bool {
	return slices.ContainsFunc(gvks, func(m map[string]any) bool {
		return m["group"] == group && m["version"] == version && m["kind"] == kind
	})
}

// webServices are a few routes of the core and apps groups, enough to have
// the builders walk from routes to definitions the way the apiserver does.
func webServices() []*restful.WebService {
	noop := func(*restful.Request, *restful.Response) {}
	core := new(restful.WebService).Path("/api/v1").Produces("application/json")
	core.Route(core.GET("/namespaces/{namespace}/pods/{name}").To(noop).
		Operation("readNamespacedPod").
		Param(core.PathParameter("namespace", "object name and auth scope")).
		Param(core.PathParameter("name", "name of the Pod")).
		Returns(http.StatusOK, "OK", corev1.Pod{}).Writes(corev1.Pod{}))
	core.Route(core.GET("/namespaces/{namespace}/pods").To(noop).
		Operation("listNamespacedPod").
		Param(core.PathParameter("namespace", "object name and auth scope")).
		Returns(http.StatusOK, "OK", corev1.PodList{}).Writes(corev1.PodList{}))
	core.Route(core.POST("/namespaces/{namespace}/pods").To(noop).
		Operation("createNamespacedPod").
		Param(core.PathParameter("namespace", "object name and auth scope")).
		Reads(corev1.Pod{}).Returns(http.StatusCreated, "Created", corev1.Pod{}).Writes(corev1.Pod{}))
	core.Route(core.DELETE("/namespaces/{namespace}/pods/{name}").To(noop).
		Operation("deleteNamespacedPod").
		Param(core.PathParameter("namespace", "object name and auth scope")).
		Param(core.PathParameter("name", "name of the Pod")).
		Reads(metav1.DeleteOptions{}).Returns(http.StatusOK, "OK", metav1.Status{}).Writes(metav1.Status{}))
	apps := new(restful.WebService).Path("/apis/apps/v1").Produces("application/json")
	apps.Route(apps.GET("/namespaces/{namespace}/deployments/{name}").To(noop).
		Operation("readNamespacedDeployment").
		Param(apps.PathParameter("namespace", "object name and auth scope")).
		Param(apps.PathParameter("name", "name of the Deployment")).
		Returns(http.StatusOK, "OK", appsv1.Deployment{}).Writes(appsv1.Deployment{}))
	return []*restful.WebService{core, apps}
}

// TestSpecsBuildLikeTheAPIServer builds v2 and v3 specs with the config
// k8s.io/apiserver/pkg/server's DefaultOpenAPIConfig and
// DefaultOpenAPIV3Config make (that package is not imported: it pulls in
// the whole server), and checks the served kinds carry their GVK.
func TestSpecsBuildLikeTheAPIServer(t *testing.T) {
	namer := openapinamer.NewDefinitionNamer(servedScheme(t))
	info := &spec.Info{InfoProps: spec.InfoProps{Title: "podlab", Version: "test"}}

	v2, err := builder.BuildOpenAPISpec(webServices(), &common.Config{
		Info:                  info,
		GetOperationIDAndTags: openapinamer.GetOperationIDAndTags,
		GetDefinitionName:     namer.GetDefinitionName,
		GetDefinitions:        GetOpenAPIDefinitions,
	})
	if err != nil {
		t.Fatalf("v2: %v", err)
	}
	pod, ok := v2.Definitions["io.k8s.api.core.v1.Pod"]
	if !ok {
		t.Fatalf("v2 has no io.k8s.api.core.v1.Pod; has %d definitions", len(v2.Definitions))
	}
	if gvks := gvkExtension(t, pod.Extensions); !hasGVK(gvks, "", "v1", "Pod") {
		t.Errorf("v2 Pod GVKs %v", gvks)
	}
	if gvks := gvkExtension(t, v2.Definitions["io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"].Extensions); !hasGVK(gvks, "apps", "v1", "DeleteOptions") {
		t.Errorf("v2 DeleteOptions GVKs %v", gvks)
	}
	read := v2.Paths.Paths["/api/v1/namespaces/{namespace}/pods/{name}"].Get
	if read == nil || read.ID != "readCoreV1NamespacedPod" {
		t.Fatalf("v2 read pod operation %+v", read)
	}
	if ref := read.Responses.StatusCodeResponses[http.StatusOK].Schema.Ref.String(); ref != "#/definitions/io.k8s.api.core.v1.Pod" {
		t.Errorf("v2 read pod returns %q", ref)
	}
	if q := v2.Definitions["io.k8s.apimachinery.pkg.api.resource.Quantity"]; !reflect.DeepEqual(q.Type, spec.StringOrArray{"string"}) || q.OneOf != nil {
		t.Errorf("v2 Quantity type %v oneOf %v, want a plain string", q.Type, q.OneOf)
	}
	if _, err := json.Marshal(v2); err != nil {
		t.Fatalf("v2 does not marshal: %v", err)
	}

	v3config := &common.OpenAPIV3Config{
		Info:                  info,
		GetOperationIDAndTags: openapinamer.GetOperationIDAndTags,
		GetDefinitionName:     namer.GetDefinitionName,
		GetDefinitions:        GetOpenAPIDefinitions,
	}
	v3config.Definitions = GetOpenAPIDefinitions(func(name string) spec.Ref {
		defName, _ := v3config.GetDefinitionName(name)
		return spec.MustCreateRef("#/components/schemas/" + common.EscapeJsonPointer(defName))
	})
	v3, err := builder3.BuildOpenAPISpec(webServices(), v3config)
	if err != nil {
		t.Fatalf("v3: %v", err)
	}
	pod3, ok := v3.Components.Schemas["io.k8s.api.core.v1.Pod"]
	if !ok {
		t.Fatalf("v3 has no io.k8s.api.core.v1.Pod")
	}
	if gvks := gvkExtension(t, pod3.Extensions); !hasGVK(gvks, "", "v1", "Pod") {
		t.Errorf("v3 Pod GVKs %v", gvks)
	}
	if _, ok := v3.Components.Schemas["io.k8s.api.apps.v1.DeploymentSpec"]; !ok {
		t.Errorf("v3 lacks DeploymentSpec, a dependency of a served kind")
	}
	if q := v3.Components.Schemas["io.k8s.apimachinery.pkg.api.resource.Quantity"]; q == nil || len(q.OneOf) != 2 {
		t.Errorf("v3 Quantity %+v, want oneOf string and number", q)
	}
	if _, err := json.Marshal(v3); err != nil {
		t.Fatalf("v3 does not marshal: %v", err)
	}
}

// TestTypeConverterForServerSideApply builds the definitions for every
// served kind with builder3, as GenericAPIServer.getOpenAPIModels does, and
// the structured-merge-diff type converter from them.
func TestTypeConverterForServerSideApply(t *testing.T) {
	s := servedScheme(t)
	namer := openapinamer.NewDefinitionNamer(s)
	config := &common.OpenAPIV3Config{
		GetDefinitionName: namer.GetDefinitionName,
		GetDefinitions:    GetOpenAPIDefinitions,
	}
	var names []string
	for gvk := range s.AllKnownTypes() {
		if gvk.Version == runtime.APIVersionInternal {
			continue
		}
		obj, err := s.New(gvk)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, util.GetCanonicalTypeName(obj))
	}
	models, err := builder3.BuildOpenAPIDefinitionsForResources(config, names...)
	if err != nil {
		t.Fatal(err)
	}
	tc, err := managedfields.NewTypeConverter(models, false)
	if err != nil {
		t.Fatalf("type converter: %v", err)
	}

	pod := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name:  "app",
			Image: "nginx:1.27",
			Ports: []corev1.ContainerPort{
				{ContainerPort: 53, Protocol: corev1.ProtocolTCP},
				{ContainerPort: 53, Protocol: corev1.ProtocolUDP},
			},
			Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{
				corev1.ResourceMemory: resource.MustParse("64Mi"),
			}},
		}}},
	}
	typed, err := tc.ObjectToTyped(pod)
	if err != nil {
		t.Fatalf("Pod to typed: %v", err)
	}
	set, err := typed.ToFieldSet()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []fieldpath.Path{
		fieldpath.MakePathOrDie("metadata", "labels", "app"),
		fieldpath.MakePathOrDie("spec", "containers", fieldpath.KeyByFields("name", "app"), "image"),
		fieldpath.MakePathOrDie("spec", "containers", fieldpath.KeyByFields("name", "app"),
			"ports", fieldpath.KeyByFields("containerPort", 53, "protocol", "UDP"), "protocol"),
		fieldpath.MakePathOrDie("spec", "containers", fieldpath.KeyByFields("name", "app"),
			"resources", "limits", "memory"),
	} {
		if !set.Has(p) {
			t.Errorf("field set lacks %v", p)
		}
	}

	back, err := tc.TypedToObject(typed)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.(interface{ GetName() string }).GetName(); got != "web" {
		t.Errorf("round trip name %q", got)
	}

	// The list-map keys are enforced: two containers named alike are not
	// a valid Pod to the converter.
	dup := pod.DeepCopy()
	dup.Spec.Containers = append(dup.Spec.Containers, corev1.Container{Name: "app", Image: "busybox"})
	if _, err := tc.ObjectToTyped(dup); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("duplicate container names: err %v", err)
	}

	deploy := &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "web"}}
	if _, err := tc.ObjectToTyped(deploy); err != nil {
		t.Errorf("Deployment to typed: %v", err)
	}
}
