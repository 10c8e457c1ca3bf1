package registry_test

import (
	"slices"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Namespaces have no deletecollection, as upstream's storage: discovery
// does not list the verb, DELETE on the collection is 405, and every
// namespace is still there (none skipped its Terminating phase).
func TestNamespacesHaveNoDeleteCollection(t *testing.T) {
	_, c, ctx := start(t)
	resources, err := c.Discovery().ServerResourcesForGroupVersion("v1")
	if err != nil {
		t.Fatal(err)
	}
	verbs := map[string][]string{}
	for _, r := range resources.APIResources {
		verbs[r.Name] = r.Verbs
	}
	if got, want := verbs["namespaces"], []string{"create", "delete", "get", "list", "patch", "update", "watch"}; !slices.Equal(sorted(got), want) {
		t.Errorf("namespaces verbs %v, want upstream's %v", got, want)
	}
	for _, r := range []string{"pods", "configmaps", "nodes"} {
		if !slices.Contains(verbs[r], "deletecollection") {
			t.Errorf("%s verbs %v lack deletecollection", r, verbs[r])
		}
	}
	before, err := c.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil || len(before.Items) == 0 {
		t.Fatalf("namespaces: %v %v", before, err)
	}
	err = c.CoreV1().RESTClient().Delete().Resource("namespaces").Do(ctx).Error()
	if !apierrors.IsMethodNotSupported(err) {
		t.Fatalf("DELETE /api/v1/namespaces: %v, want 405 MethodNotAllowed", err)
	}
	after, err := c.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil || len(after.Items) != len(before.Items) {
		t.Fatalf("namespaces after the refused DELETE: %d (%v), were %d", len(after.Items), err, len(before.Items))
	}
	for _, ns := range after.Items {
		if ns.DeletionTimestamp != nil {
			t.Errorf("namespace %s is Terminating", ns.Name)
		}
	}
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
