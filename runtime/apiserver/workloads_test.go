package apiserver_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The workload and Service APIs are discovered as kube-apiserver lists
// them: the groups in its order, each resource with upstream's short
// names, categories and subresources, the scale subresources as
// autoscaling/v1 Scale.
func TestWorkloadDiscovery(t *testing.T) {
	s, c, _ := start(t)
	groups, resources, err := c.Discovery().ServerGroupsAndResources()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range groups {
		names = append(names, g.Name)
	}
	want := []string{"", "apps", "authentication.k8s.io", "authorization.k8s.io", "batch", "policy", "coordination.k8s.io", "discovery.k8s.io"}
	if !slices.Equal(names, want) {
		t.Errorf("groups %q, want %q (kube-apiserver's order)", names, want)
	}
	found := map[string]metav1.APIResource{}
	for _, l := range resources {
		for _, r := range l.APIResources {
			found[l.GroupVersion+"/"+r.Name] = r
		}
	}
	for name, w := range map[string]struct{ short, categories string }{
		"v1/services": {"svc", "all"}, "v1/endpoints": {"ep", ""}, "v1/replicationcontrollers": {"rc", "all"},
		"apps/v1/deployments": {"deploy", "all"}, "apps/v1/replicasets": {"rs", "all"}, "apps/v1/daemonsets": {"ds", "all"},
		"apps/v1/statefulsets": {"sts", "all"}, "apps/v1/controllerrevisions": {"", ""},
		"batch/v1/jobs": {"", "all"}, "batch/v1/cronjobs": {"cj", "all"}, "discovery.k8s.io/v1/endpointslices": {"", ""},
	} {
		r, ok := found[name]
		if !ok {
			t.Errorf("%s not discovered", name)
			continue
		}
		if got := strings.Join(r.ShortNames, ","); got != w.short || strings.Join(r.Categories, ",") != w.categories || !r.Namespaced {
			t.Errorf("%s: short names %v, categories %v, namespaced %v; want %q, %q", name, r.ShortNames, r.Categories, r.Namespaced, w.short, w.categories)
		}
	}
	for _, sub := range []string{"v1/services/status", "v1/replicationcontrollers/status", "apps/v1/deployments/status", "apps/v1/replicasets/status",
		"apps/v1/daemonsets/status", "apps/v1/statefulsets/status", "batch/v1/jobs/status", "batch/v1/cronjobs/status"} {
		if _, ok := found[sub]; !ok {
			t.Errorf("%s not discovered", sub)
		}
	}
	for _, sub := range []string{"v1/replicationcontrollers/scale", "apps/v1/deployments/scale", "apps/v1/replicasets/scale", "apps/v1/statefulsets/scale"} {
		r, ok := found[sub]
		if !ok || r.Group != "autoscaling" || r.Version != "v1" || r.Kind != "Scale" || !slices.Contains(r.Verbs, "patch") {
			t.Errorf("%s: %+v, want autoscaling/v1 Scale with get, patch and update", sub, r)
		}
	}
	if _, ok := found["apps/v1/daemonsets/scale"]; ok {
		t.Errorf("daemon sets have no scale subresource upstream")
	}

	// The server's tables: `kubectl get deployments` columns.
	code, _, body := raw(t, s, "GET", "/apis/apps/v1/namespaces/default/deployments", "", nil, "Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	var table metav1.Table
	if code != 200 || json.Unmarshal(body, &table) != nil {
		t.Fatalf("deployments table: %d %s", code, body)
	}
	var cols []string
	for _, c := range table.ColumnDefinitions {
		cols = append(cols, c.Name)
	}
	if got := strings.Join(cols, ","); got != "Name,Ready,Up-to-date,Available,Age,Containers,Images,Selector" {
		t.Errorf("deployment columns %s", got)
	}
}
