package kubectl

import (
	"context"
	"strings"
	"testing"

	"github.com/podlab/podlab/internal/kubetest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

// kubectl's order and words: an added taint goes first, the node's others
// follow; replacing one needs --overwrite and says "modified".
func TestTaintOrderAndMessages(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if _, err := h.Kube.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: kubetest.Node}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	taints := func() string {
		n, err := h.Kube.CoreV1().Nodes().Get(ctx, kubetest.Node, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, t := range n.Spec.Taints {
			s = append(s, t.ToString())
		}
		return strings.Join(s, " ")
	}
	steps := []struct {
		args        []string
		code        int
		out, errOut string
		taintsAfter string
	}{
		{[]string{"dedicated=1:NoSchedule"}, 0, "node/node-1 tainted\n", "", "dedicated=1:NoSchedule"},
		{[]string{"b=2:NoExecute"}, 0, "node/node-1 tainted\n", "", "b=2:NoExecute dedicated=1:NoSchedule"},
		{[]string{"dedicated=9:NoSchedule"}, 1, "", "error: node node-1 already has dedicated taint(s) with same effect(s) and --overwrite is false\n", "b=2:NoExecute dedicated=1:NoSchedule"},
		{[]string{"dedicated=9:NoSchedule", "--overwrite"}, 0, "node/node-1 modified\n", "", "dedicated=9:NoSchedule b=2:NoExecute"},
		{[]string{"c=3:PreferNoSchedule", "b-"}, 0, "node/node-1 modified\n", "", "c=3:PreferNoSchedule dedicated=9:NoSchedule"},
		{[]string{"dedicated:NoSchedule-"}, 0, "node/node-1 untainted\n", "", "c=3:PreferNoSchedule"},
	}
	for _, s := range steps {
		out, errOut, code := h.Run("", append([]string{"taint", "nodes", kubetest.Node}, s.args...)...)
		if code != s.code || out != s.out || errOut != s.errOut {
			t.Fatalf("taint %v: exit %d %q %q, want %d %q %q", s.args, code, out, errOut, s.code, s.out, s.errOut)
		}
		if got := taints(); got != s.taintsAfter {
			t.Fatalf("after taint %v: taints %q, want %q", s.args, got, s.taintsAfter)
		}
	}
}
