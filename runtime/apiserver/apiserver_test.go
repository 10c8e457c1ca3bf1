package apiserver_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/podlab/podlab/internal/kubetest"
	"github.com/podlab/podlab/internal/version"
	"github.com/podlab/podlab/runtime/api"
)

func start(t *testing.T) (*kubetest.Server, kubernetes.Interface, context.Context) {
	s := kubetest.Start(t, kubetest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return s, s.Client, ctx
}

// raw sends a request with the lab's token and returns the status and body.
func raw(t *testing.T, s *kubetest.Server, method, path, contentType string, body []byte, header ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.Config.Host+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.Config.BearerToken)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func TestVersionAndDiscovery(t *testing.T) {
	s, c, _ := start(t)
	v, err := c.Discovery().ServerVersion()
	if err != nil || v.GitVersion != version.KubernetesVersion || v.Minor != strings.Split(version.KubernetesVersion, ".")[1] {
		t.Fatalf("version = %+v, %v", v, err)
	}
	groups, resources, err := c.Discovery().ServerGroupsAndResources()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, g := range groups {
		served[g.Name] = true
	}
	for _, g := range []string{"", "authorization.k8s.io", "authentication.k8s.io", "coordination.k8s.io", "policy"} {
		if !served[g] {
			t.Errorf("group %q not discovered (got %v)", g, served)
		}
	}
	found := map[string]metav1.APIResource{}
	for _, l := range resources {
		for _, r := range l.APIResources {
			found[l.GroupVersion+"/"+r.Name] = r
		}
	}
	if pods := found["v1/pods"]; len(pods.ShortNames) != 1 || pods.ShortNames[0] != "po" || pods.Categories[0] != "all" || !pods.Namespaced {
		t.Fatalf("pods in discovery: %+v", pods)
	}
	for _, sub := range []string{"v1/pods/log", "v1/pods/exec", "v1/pods/portforward", "v1/pods/binding", "v1/pods/status", "v1/pods/eviction",
		"v1/namespaces/finalize", "policy/v1/poddisruptionbudgets", "policy/v1/poddisruptionbudgets/status"} {
		if _, ok := found[sub]; !ok {
			t.Errorf("%s not discovered", sub)
		}
	}
	// Aggregated discovery, as client-go ≥1.27 and k9s ask for it.
	code, hdr, body := raw(t, s, "GET", "/apis", "", nil, "Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
	if code != 200 || !strings.Contains(hdr.Get("Content-Type"), "as=APIGroupDiscoveryList") || !strings.Contains(string(body), `"coordination.k8s.io"`) {
		t.Fatalf("aggregated /apis: %d %s %.200s", code, hdr.Get("Content-Type"), body)
	}
}

// Request bodies in JSON, YAML and protobuf; anything else is 415.
func TestRequestBodies(t *testing.T) {
	s, c, ctx := start(t)
	yaml := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  a: b\n"
	if code, _, body := raw(t, s, "POST", "/api/v1/namespaces/default/configmaps", "application/yaml", []byte(yaml)); code != 201 {
		t.Fatalf("YAML create: %d %s", code, body)
	}
	cm := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: metav1.ObjectMeta{Name: "from-proto"}, Data: map[string]string{"x": "y"}}
	var pb bytes.Buffer
	if err := protobufEncoder().Encode(cm, &pb); err != nil {
		t.Fatal(err)
	}
	if code, _, body := raw(t, s, "POST", "/api/v1/namespaces/default/configmaps", "application/vnd.kubernetes.protobuf", pb.Bytes()); code != 201 {
		t.Fatalf("protobuf create: %d %s", code, body)
	}
	if got, err := c.CoreV1().ConfigMaps("default").Get(ctx, "from-proto", metav1.GetOptions{}); err != nil || got.Data["x"] != "y" {
		t.Fatalf("protobuf object: %+v, %v", got, err)
	}
	if code, _, _ := raw(t, s, "POST", "/api/v1/namespaces/default/configmaps", "text/plain", []byte("hello")); code != http.StatusUnsupportedMediaType {
		t.Fatalf("text/plain body: %d", code)
	}
}

func protobufEncoder() runtime.Encoder {
	for _, info := range api.Codecs.SupportedMediaTypes() {
		if info.MediaType == runtime.ContentTypeProtobuf {
			return api.Codecs.EncoderForVersion(info.Serializer, corev1.SchemeGroupVersion)
		}
	}
	panic("no protobuf serializer")
}

// fieldValidation as upstream: Strict refuses unknown fields, Warn warns, Ignore drops them.
func TestFieldValidation(t *testing.T) {
	s, _, _ := start(t)
	body := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"v"},"dataa":{"a":"b"}}`)
	code, _, out := raw(t, s, "POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", "application/json", body)
	if code != 400 || !strings.Contains(string(out), `unknown field \"dataa\"`) {
		t.Fatalf("Strict: %d %s", code, out)
	}
	code, hdr, _ := raw(t, s, "POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Warn", "application/json", body)
	if code != 201 || !strings.Contains(hdr.Get("Warning"), `unknown field \"dataa\"`) {
		t.Fatalf("Warn: %d warning %q", code, hdr.Get("Warning"))
	}
	if code, _, out := raw(t, s, "POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Bogus", "application/json", body); code != http.StatusUnprocessableEntity {
		t.Fatalf("bad fieldValidation: %d %s", code, out)
	}
}

// dryRun=All validates and admits, answers with what would be stored, and
// stores nothing, on every verb; an unknown value is a bad request.
func TestDryRun(t *testing.T) {
	_, c, ctx := start(t)
	all := []string{metav1.DryRunAll}
	cms := c.CoreV1().ConfigMaps("default")
	out, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "dry"}}, metav1.CreateOptions{DryRun: all})
	if err != nil || out.Name != "dry" {
		t.Fatalf("dry create: %+v %v", out, err)
	}
	if _, err := cms.Get(ctx, "dry", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("a dry-run create was stored: %v", err)
	}
	real, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "real"}, Data: map[string]string{"a": "1"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	patched, err := cms.Patch(ctx, "real", types.MergePatchType, []byte(`{"data":{"a":"2"}}`), metav1.PatchOptions{DryRun: all})
	if err != nil || patched.Data["a"] != "2" {
		t.Fatalf("dry patch answered %+v, %v", patched, err)
	}
	if err := cms.Delete(ctx, "real", metav1.DeleteOptions{DryRun: all}); err != nil {
		t.Fatal(err)
	}
	after, err := cms.Get(ctx, "real", metav1.GetOptions{})
	if err != nil || after.Data["a"] != "1" || after.ResourceVersion != real.ResourceVersion {
		t.Fatalf("dry patch or delete changed the object: %+v, %v", after, err)
	}
	// Upstream refuses an unknown value as invalid options (422).
	if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}}, metav1.CreateOptions{DryRun: []string{"Maybe"}}); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), `dryRun: Unsupported value: ["Maybe"]`) {
		t.Fatalf("dryRun=Maybe: %v", err)
	}
	// Validation still runs.
	if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "Bad_Name"}}, metav1.CreateOptions{DryRun: all}); !apierrors.IsInvalid(err) {
		t.Fatalf("invalid dry create: %v", err)
	}
}

// Server-side tables carry the printer's columns, wide ones at priority 1.
func TestTables(t *testing.T) {
	s, c, ctx := start(t)
	if _, err := c.CoreV1().Pods("default").Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "busybox"}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	code, _, body := raw(t, s, "GET", "/api/v1/namespaces/default/pods", "", nil, "Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	var table metav1.Table
	if code != 200 || json.Unmarshal(body, &table) != nil {
		t.Fatalf("table: %d %.300s", code, body)
	}
	var cols []string
	for _, c := range table.ColumnDefinitions {
		if c.Priority == 0 {
			cols = append(cols, c.Name)
		}
	}
	if strings.Join(cols, ",") != "Name,Ready,Status,Restarts,Age" || len(table.Rows) != 1 || table.Rows[0].Cells[2] != "Pending" {
		t.Fatalf("columns %v rows %+v", cols, table.Rows)
	}
	if table.Rows[0].Object.Raw == nil || !strings.Contains(string(table.Rows[0].Object.Raw), "PartialObjectMetadata") {
		t.Fatalf("rows carry no object metadata: %s", table.Rows[0].Object.Raw)
	}
}

// OpenAPI v2 and v3 describe the served types with their GVKs and patch
// strategies, as kubectl explain and client-side validation need.
func TestOpenAPI(t *testing.T) {
	s, _, _ := start(t)
	code, _, body := raw(t, s, "GET", "/openapi/v3", "", nil)
	if code != 200 || !strings.Contains(string(body), `"api/v1"`) {
		t.Fatalf("/openapi/v3: %d %.200s", code, body)
	}
	code, _, body = raw(t, s, "GET", "/openapi/v3/api/v1", "", nil)
	if code != 200 || !strings.Contains(string(body), `"x-kubernetes-group-version-kind"`) || !strings.Contains(string(body), `"x-kubernetes-patch-merge-key": "name"`) && !strings.Contains(string(body), `"x-kubernetes-patch-merge-key":"name"`) {
		t.Fatalf("/openapi/v3/api/v1: %d %.200s", code, body)
	}
	code, _, body = raw(t, s, "GET", "/openapi/v2", "", nil, "Accept", "application/json")
	if code != 200 || !strings.Contains(string(body), `"io.k8s.api.core.v1.Pod"`) {
		t.Fatalf("/openapi/v2: %d %.200s", code, body)
	}
}

// Watches: sendInitialEvents ends its initial list with the bookmark
// kubectl wait and delete wait for (runtime/storage's tests cover the rest:
// resuming, 410 for a resourceVersion too old).
func TestWatchList(t *testing.T) {
	_, c, ctx := start(t)
	cms := c.CoreV1().ConfigMaps("default")
	for _, n := range []string{"a", "b"} {
		if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: n}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	yes := true
	w, err := cms.Watch(ctx, metav1.ListOptions{SendInitialEvents: &yes, AllowWatchBookmarks: true, ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan})
	if err != nil {
		t.Fatal(err)
	}
	var added int
	for ev := range w.ResultChan() {
		if ev.Type == watch.Added {
			added++
			continue
		}
		if ev.Type != watch.Bookmark {
			t.Fatalf("unexpected %s event", ev.Type)
		}
		m, _ := ev.Object.(metav1.Object)
		if m.GetAnnotations()[metav1.InitialEventsAnnotationKey] != "true" || added != 2 {
			t.Fatalf("bookmark %v after %d ADDED events", m.GetAnnotations(), added)
		}
		break
	}
	w.Stop()
}

// Lists page with limit and continue.
func TestListPaging(t *testing.T) {
	_, c, ctx := start(t)
	cms := c.CoreV1().ConfigMaps("default")
	for _, n := range []string{"a", "b", "c"} {
		cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: n}}, metav1.CreateOptions{})
	}
	page, err := cms.List(ctx, metav1.ListOptions{Limit: 2})
	if err != nil || len(page.Items) != 2 || page.Continue == "" {
		t.Fatalf("first page: %d items, continue %q, %v", len(page.Items), page.Continue, err)
	}
	rest2, err := cms.List(ctx, metav1.ListOptions{Limit: 2, Continue: page.Continue})
	if err != nil || len(rest2.Items) == 0 || rest2.Continue != "" {
		t.Fatalf("second page: %+v %v", rest2, err)
	}
}

// Server-side apply records managers and reports conflicts.
func TestServerSideApply(t *testing.T) {
	_, c, ctx := start(t)
	cms := c.CoreV1().ConfigMaps("default")
	apply := func(manager, value string, force bool) error {
		body := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa"},"data":{"k":"` + value + `"}}`)
		_, err := cms.Patch(ctx, "ssa", types.ApplyPatchType, body, metav1.PatchOptions{FieldManager: manager, Force: &force})
		return err
	}
	if err := apply("alice", "1", false); err != nil {
		t.Fatal(err)
	}
	got, _ := cms.Get(ctx, "ssa", metav1.GetOptions{})
	if len(got.ManagedFields) != 1 || got.ManagedFields[0].Manager != "alice" || got.ManagedFields[0].Operation != metav1.ManagedFieldsOperationApply {
		t.Fatalf("managedFields = %+v", got.ManagedFields)
	}
	if err := apply("bob", "2", false); !apierrors.IsConflict(err) || !strings.Contains(err.Error(), `conflict with "alice"`) {
		t.Fatalf("bob's conflicting apply: %v", err)
	}
	if err := apply("bob", "2", true); err != nil {
		t.Fatal(err)
	}
}

// The review APIs answer for the requesting user.
func TestReviews(t *testing.T) {
	_, c, ctx := start(t)
	sar, err := c.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: "delete", Resource: "pods", Namespace: "default"}},
	}, metav1.CreateOptions{})
	if err != nil || !sar.Status.Allowed {
		t.Fatalf("can-i delete pods: %+v, %v", sar, err)
	}
	who, err := c.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil || who.Status.UserInfo.Username != "system:apiserver" {
		t.Fatalf("whoami: %+v, %v", who, err)
	}
}

// Nothing answers without a credential.
func TestNoCredentialNoAnswer(t *testing.T) {
	s, _, _ := start(t)
	anon := kubernetes.NewForConfigOrDie(rest.AnonymousClientConfig(s.Config))
	for _, path := range []string{"/api", "/version", "/healthz", "/api/v1/namespaces/default/pods", "/openapi/v2"} {
		body, err := anon.Discovery().RESTClient().Get().AbsPath(path).DoRaw(context.Background())
		if !apierrors.IsUnauthorized(err) {
			t.Errorf("%s without a credential: %v %.100s", path, err, body)
		}
	}
	wrong := rest.AnonymousClientConfig(s.Config)
	wrong.BearerToken = "not-the-token"
	if _, err := kubernetes.NewForConfigOrDie(wrong).CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{}); !apierrors.IsUnauthorized(err) {
		t.Fatalf("a wrong token: %v", err)
	}
}
