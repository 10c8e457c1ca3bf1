package registry_test

import (
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"
)

// workloadKinds are a valid object of every kind with a spec and a status,
// with the spec field an update changes and the status field /status
// writes (both integers).
var workloadKinds = []struct {
	gvr            schema.GroupVersionResource
	manifest       string
	spec, status   []string
	scales, orphan bool // a scale subresource; orphans by default
}{
	{schema.GroupVersionResource{Version: "v1", Resource: "replicationcontrollers"}, `
apiVersion: v1
kind: ReplicationController
metadata: {name: obj}
spec:
  template:
    metadata: {labels: {app: obj}}
    spec: {containers: [{name: app, image: nginx}]}
status: {replicas: 4}`, []string{"spec", "minReadySeconds"}, []string{"status", "replicas"}, true, true},
	{schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}, `
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: obj}
spec:
  selector: {matchLabels: {app: obj}}
  template:
    metadata: {labels: {app: obj}}
    spec: {containers: [{name: app, image: nginx}]}
status: {replicas: 4}`, []string{"spec", "minReadySeconds"}, []string{"status", "replicas"}, true, false},
	{schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "statefulsets"}, `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: obj}
spec:
  selector: {matchLabels: {app: obj}}
  template:
    metadata: {labels: {app: obj}}
    spec: {containers: [{name: app, image: nginx}]}
status: {replicas: 4}`, []string{"spec", "minReadySeconds"}, []string{"status", "replicas"}, true, false},
	{schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "daemonsets"}, `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: obj}
spec:
  selector: {matchLabels: {app: obj}}
  template:
    metadata: {labels: {app: obj}}
    spec: {containers: [{name: app, image: nginx}]}
status: {desiredNumberScheduled: 4, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0}`, []string{"spec", "minReadySeconds"}, []string{"status", "desiredNumberScheduled"}, false, false},
	{schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "cronjobs"}, `
apiVersion: batch/v1
kind: CronJob
metadata: {name: obj}
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec: {restartPolicy: Never, containers: [{name: app, image: busybox}]}`, []string{"spec", "startingDeadlineSeconds"}, nil, false, false},
}

// Every kind with a spec and a status follows upstream's shared rules:
// status reset on create and kept by the main resource, generation 1 then
// bumped by spec changes only, /status writing only the status, a scale
// subresource where upstream has one, and the default garbage collection
// policy of its group version.
func TestEveryWorkloadKindSharesTheSpecStatusRules(t *testing.T) {
	s, _, ctx := start(t)
	dc := dynamic.NewForConfigOrDie(s.Config)
	for _, k := range workloadKinds {
		t.Run(k.gvr.Resource, func(t *testing.T) {
			res := dc.Resource(k.gvr).Namespace("default")
			obj := &unstructured.Unstructured{}
			if err := yaml.Unmarshal([]byte(k.manifest), &obj.Object); err != nil {
				t.Fatal(err)
			}
			got, err := res.Create(ctx, obj, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			st, _, _ := unstructured.NestedMap(got.Object, "status")
			for f, v := range st {
				if v != int64(0) {
					t.Errorf("created with status.%s %v, want an empty status", f, v)
				}
			}
			if got.GetGeneration() != 1 {
				t.Errorf("created with generation %d", got.GetGeneration())
			}
			if err := unstructured.SetNestedField(got.Object, int64(5), k.spec...); err != nil {
				t.Fatal(err)
			}
			if got, err = res.Update(ctx, got, metav1.UpdateOptions{}); err != nil || got.GetGeneration() != 2 {
				t.Fatalf("spec update: %v, generation %d", err, got.GetGeneration())
			}
			if k.status != nil {
				unstructured.SetNestedField(got.Object, int64(1), k.status...)
				unstructured.SetNestedField(got.Object, int64(9), k.spec...)
				if got, err = res.UpdateStatus(ctx, got, metav1.UpdateOptions{}); err != nil {
					t.Fatalf("status update: %v", err)
				}
				st, _, _ := unstructured.NestedInt64(got.Object, k.status...)
				sp, _, _ := unstructured.NestedInt64(got.Object, k.spec...)
				if st != 1 || sp != 5 || got.GetGeneration() != 2 {
					t.Errorf("after /status: status %d, spec %d, generation %d; want 1, 5, 2", st, sp, got.GetGeneration())
				}
				unstructured.SetNestedField(got.Object, int64(3), k.status...)
				if got, err = res.Update(ctx, got, metav1.UpdateOptions{}); err != nil {
					t.Fatal(err)
				}
				if st, _, _ := unstructured.NestedInt64(got.Object, k.status...); st != 1 {
					t.Errorf("the main resource wrote the status: %d", st)
				}
			}
			if k.scales {
				scale := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "autoscaling/v1", "kind": "Scale",
					"metadata": map[string]any{"name": "obj", "namespace": "default"}, "spec": map[string]any{"replicas": int64(2)}}}
				if _, err := res.Update(ctx, scale, metav1.UpdateOptions{}, "scale"); err != nil {
					t.Fatalf("scaling: %v", err)
				}
				sc, err := res.Get(ctx, "obj", metav1.GetOptions{}, "scale")
				var typed autoscalingv1.Scale
				if err == nil {
					err = runtimeFromUnstructured(sc, &typed)
				}
				if err != nil || typed.Spec.Replicas != 2 || typed.Status.Selector != "app=obj" {
					t.Errorf("scale %+v, %v", typed, err)
				}
				if got, _ = res.Get(ctx, "obj", metav1.GetOptions{}); got.GetGeneration() != 3 {
					t.Errorf("scaling left generation %d, want 3", got.GetGeneration())
				}
			}
			if err := res.Delete(ctx, "obj", metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
			after, err := res.Get(ctx, "obj", metav1.GetOptions{})
			switch {
			case k.orphan && (err != nil || len(after.GetFinalizers()) != 1 || after.GetFinalizers()[0] != metav1.FinalizerOrphanDependents):
				t.Errorf("a default delete: %v, finalizers %v; want the orphan finalizer", err, after.GetFinalizers())
			case !k.orphan && err == nil:
				t.Errorf("a default delete left finalizers %v", after.GetFinalizers())
			}
		})
	}
}

func runtimeFromUnstructured(u *unstructured.Unstructured, into any) error {
	return runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into)
}
