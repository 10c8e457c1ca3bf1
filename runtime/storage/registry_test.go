package storage

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/watch"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage/names"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/client-go/kubernetes/scheme"
)

// configMapStrategy is the least a registry needs for ConfigMaps.
type configMapStrategy struct {
	runtime.ObjectTyper
	names.NameGenerator
}

func (configMapStrategy) NamespaceScoped() bool                                            { return true }
func (configMapStrategy) PrepareForCreate(context.Context, runtime.Object)                 {}
func (configMapStrategy) Validate(context.Context, runtime.Object) field.ErrorList         { return nil }
func (configMapStrategy) WarningsOnCreate(context.Context, runtime.Object) []string        { return nil }
func (configMapStrategy) Canonicalize(runtime.Object)                                      {}
func (configMapStrategy) AllowCreateOnUpdate(context.Context) bool                         { return false }
func (configMapStrategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}
func (configMapStrategy) ValidateUpdate(context.Context, runtime.Object, runtime.Object) field.ErrorList {
	return nil
}
func (configMapStrategy) WarningsOnUpdate(context.Context, runtime.Object, runtime.Object) []string {
	return nil
}
func (configMapStrategy) AllowUnconditionalUpdate(context.Context) bool { return true }

// The decorator wired into a real genericregistry.Store, as the API server
// will use it.
func TestRegistryStore(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	strategy := configMapStrategy{scheme.Scheme, names.SimpleNameGenerator}
	gr := schema.GroupResource{Resource: "configmaps"}
	reg := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &corev1.ConfigMap{} },
		NewListFunc:               func() runtime.Object { return &corev1.ConfigMapList{} },
		DefaultQualifiedResource:  gr,
		SingularQualifiedResource: schema.GroupResource{Resource: "configmap"},
		CreateStrategy:            strategy,
		UpdateStrategy:            strategy,
		DeleteStrategy:            strategy,
		TableConvertor:            rest.NewDefaultTableConvertor(gr),
	}
	config := storagebackend.NewDefaultConfig("", scheme.Codecs.LegacyCodec(corev1.SchemeGroupVersion)).ForResource(gr)
	err = reg.CompleteWithOptions(&generic.StoreOptions{RESTOptions: generic.RESTOptions{
		StorageConfig:  config,
		Decorator:      db.Decorator(),
		ResourcePrefix: "configmaps",
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := genericapirequest.WithNamespace(context.Background(), "default")

	w, err := reg.Watch(ctx, &metainternalversion.ListOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	obj, err := reg.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg"}, Data: map[string]string{"k": "v1"}}, rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := obj.(*corev1.ConfigMap)
	if created.UID == "" || created.ResourceVersion == "" || created.Namespace != "default" {
		t.Fatalf("created %+v, want uid, resourceVersion and namespace set by the registry", created.ObjectMeta)
	}
	expectRegistryEvent(t, w, watch.Added, created.ResourceVersion)

	got, err := reg.Get(ctx, "cfg", &metav1.GetOptions{})
	if err != nil || got.(*corev1.ConfigMap).Data["k"] != "v1" {
		t.Fatalf("Get: %v %v", got, err)
	}

	// An update that changes nothing keeps the resourceVersion.
	same, _, err := reg.Update(ctx, "cfg", rest.DefaultUpdatedObjectInfo(created.DeepCopy()), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil || same.(*corev1.ConfigMap).ResourceVersion != created.ResourceVersion {
		t.Fatalf("no-op Update: %v %v, want resourceVersion %s", same, err, created.ResourceVersion)
	}
	changed := created.DeepCopy()
	changed.Data["k"] = "v2"
	upd, _, err := reg.Update(ctx, "cfg", rest.DefaultUpdatedObjectInfo(changed), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	updated := upd.(*corev1.ConfigMap)
	expectRegistryEvent(t, w, watch.Modified, updated.ResourceVersion)
	// A stale resourceVersion is a conflict.
	if _, _, err := reg.Update(ctx, "cfg", rest.DefaultUpdatedObjectInfo(changed), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{}); err == nil {
		t.Error("Update with a stale resourceVersion succeeded")
	}

	list, err := reg.List(ctx, &metainternalversion.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l := list.(*corev1.ConfigMapList); len(l.Items) != 1 || l.ResourceVersion != updated.ResourceVersion {
		t.Errorf("List = %d items at %s, want 1 at %s", len(l.Items), l.ResourceVersion, updated.ResourceVersion)
	}

	if _, _, err := reg.Delete(ctx, "cfg", rest.ValidateAllObjectFunc, &metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	expectRegistryEvent(t, w, watch.Deleted, "")
	if _, err := reg.Get(ctx, "cfg", &metav1.GetOptions{}); err == nil {
		t.Error("Get after Delete succeeded")
	}
}

func expectRegistryEvent(t *testing.T, w watch.Interface, typ watch.EventType, rv string) {
	t.Helper()
	select {
	case e := <-w.ResultChan():
		cm, ok := e.Object.(*corev1.ConfigMap)
		if e.Type != typ || !ok || (rv != "" && cm.ResourceVersion != rv) {
			t.Fatalf("got %s %#v, want %s at %q", e.Type, e.Object, typ, rv)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s event", typ)
	}
}
