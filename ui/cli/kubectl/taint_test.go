package kubectl

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestParseTaints(t *testing.T) {
	add, remove, err := parseTaints([]string{"dedicated=lab:NoSchedule", "gpu:NoExecute", "old-", "spot:PreferNoSchedule-"})
	if err != nil {
		t.Fatal(err)
	}
	want := []corev1.Taint{{Key: "dedicated", Value: "lab", Effect: corev1.TaintEffectNoSchedule}, {Key: "gpu", Effect: corev1.TaintEffectNoExecute}}
	if len(add) != 2 || add[0] != want[0] || add[1] != want[1] {
		t.Fatalf("add = %v", add)
	}
	if len(remove) != 2 || remove[0].Key != "old" || remove[0].Effect != "" || remove[1].Effect != corev1.TaintEffectPreferNoSchedule {
		t.Fatalf("remove = %v", remove)
	}
	for spec, msg := range map[string]string{
		"dedicated=lab":                                "invalid taint spec: dedicated=lab",
		"dedicated=lab:NoFoo":                          "invalid taint effect: NoFoo, unsupported taint effect",
		"bad key!=x:NoSchedule":                        "invalid taint spec",
		"k=" + strings.Repeat("v", 64) + ":NoSchedule": "invalid taint spec",
	} {
		if _, _, err := parseTaints([]string{spec}); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: error %v, want %q", spec, err, msg)
		}
	}
}
