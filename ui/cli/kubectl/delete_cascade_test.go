package kubectl

import (
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
)

const cascadeRS = `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: NAME
spec:
  replicas: 0
  selector:
    matchLabels: {app: NAME}
  template:
    metadata:
      labels: {app: NAME}
    spec:
      containers:
      - name: app
        image: busybox
`

// --cascade sends its propagationPolicy: with no garbage collector in the
// test lab, orphan and foreground leave the ReplicaSet Terminating with
// the finalizer the API server adds for that policy; background (the
// default, and the deprecated --cascade=true) removes it at once.
func TestDeleteCascadeSendsThePropagationPolicy(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		name, flag, finalizer, warning string
	}{
		{"orphan", "--cascade=orphan", metav1.FinalizerOrphanDependents, ""},
		{"fg", "--cascade=foreground", metav1.FinalizerDeleteDependents, ""},
		{"old-false", "--cascade=false", metav1.FinalizerOrphanDependents,
			"warning: --cascade=false is deprecated (boolean value) and can be replaced with --cascade=orphan.\n"},
		{"bg", "--cascade=background", "", ""},
		{"bare", "--cascade", "", ""},
		{"old-true", "--cascade=true", "",
			"warning: --cascade=true is deprecated (boolean value) and can be replaced with --cascade=background.\n"},
		{"default", "--wait=false", "", ""},
	} {
		manifest := h.File(c.name+".yaml", strings.ReplaceAll(cascadeRS, "NAME", c.name))
		if _, errOut, code := h.Run("", "apply", "-f", manifest); code != 0 {
			t.Fatal(errOut)
		}
		out, errOut, code := h.Run("", "delete", "rs", c.name, c.flag, "--wait=false")
		if code != 0 || out != `replicaset.apps "`+c.name+`" deleted from default namespace`+"\n" || errOut != c.warning {
			t.Errorf("%s: exit %d, %q, stderr %q (want %q)", c.flag, code, out, errOut, c.warning)
			continue
		}
		o, err := h.St.Get(api.ReplicaSets, "default", c.name)
		if c.finalizer == "" {
			if err == nil {
				t.Errorf("%s: the ReplicaSet is still there: %v", c.flag, o.(*appsv1.ReplicaSet).Finalizers)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.flag, err)
			continue
		}
		rs := o.(*appsv1.ReplicaSet)
		if rs.DeletionTimestamp == nil || !slices.Contains(rs.Finalizers, c.finalizer) {
			t.Errorf("%s: deletionTimestamp %v, finalizers %v; want %s", c.flag, rs.DeletionTimestamp, rs.Finalizers, c.finalizer)
		}
	}
	if _, errOut, code := h.Run("", "delete", "rs", "x", "--cascade=sideways"); code != 1 ||
		errOut != "error: invalid cascade value (sideways). Must be \"background\", \"foreground\", or \"orphan\"\n" {
		t.Errorf("--cascade=sideways: exit %d, %q", code, errOut)
	}
}
