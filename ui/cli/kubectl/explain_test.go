package kubectl

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/podlab/podlab/ui/cli/internal/clitest"
)

var updateGoldens = flag.Bool("update-goldens", false, "rewrite the golden files in ui/cli/kubectl/testdata")

// cliGolden compares got with testdata/<name>.golden; -update-goldens rewrites it.
func cliGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *updateGoldens {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ui/cli/kubectl -update-goldens)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s:\n%s", name, path, got)
	}
}

// explainOut runs explain without a lab: it needs none.
func explainOut(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return clitest.Offline(t, verbsRoot).Run("", append([]string{"explain"}, args...)...)
}

func TestExplainGoldens(t *testing.T) {
	for _, tc := range []struct{ golden, arg string }{
		{"explain-pods", "pods"},
		{"explain-liveness-probe", "pod.spec.containers.livenessProbe"},
		{"explain-restart-policy", "po.spec.restartPolicy"},
	} {
		out, errOut, code := explainOut(t, tc.arg)
		if code != 0 || errOut != "" {
			t.Fatalf("explain %s: %d %q", tc.arg, code, errOut)
		}
		cliGolden(t, tc.golden, out)
	}
	out, _, _ := explainOut(t, "pods.spec.containers.livenessProbe.httpGet", "--recursive")
	cliGolden(t, "explain-httpget-recursive", out)
}

func TestExplainShapes(t *testing.T) {
	out, _, _ := explainOut(t, "pod.spec")
	for _, want := range []string{
		"FIELD: spec <PodSpec>\n\n\nDESCRIPTION:\n    Specification of the desired behavior of the pod.",
		"  containers\t<[]Container> -required-\n",
		"  restartPolicy\t<string>\n  enum: Always, Never, OnFailure\n",
		"  dnsPolicy\t<string>\n  enum: ClusterFirst, ClusterFirstWithHostNet, Default, None\n",
		"  overhead\t<map[string]Quantity>\n",
		"  nodeSelector\t<map[string]string>\n",
		"  activeDeadlineSeconds\t<integer>\n",
		"  hostNetwork\t<boolean>\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain pod.spec lacks %q", want)
		}
	}
	out, _, _ = explainOut(t, "po.spec.affinity.nodeAffinity")
	if !strings.Contains(out, "FIELD: nodeAffinity <NodeAffinity>") || !strings.Contains(out, "  requiredDuringSchedulingIgnoredDuringExecution\t<NodeSelector>\n") {
		t.Errorf("nodeAffinity:\n%s", out)
	}
	out, _, _ = explainOut(t, "pod.spec.containers")
	if !strings.Contains(out, "  name\t<string> -required-\n") || !strings.Contains(out, "  resources\t<ResourceRequirements>\n") ||
		!strings.Contains(out, "A single application container that you want to run within a pod.") {
		t.Errorf("containers:\n%s", out)
	}
	out, _, _ = explainOut(t, "pods.spec.containers.ports.containerPort")
	if !strings.Contains(out, "FIELD: containerPort <integer>\n\n\nDESCRIPTION:\n") || strings.Contains(out, "FIELDS:") {
		t.Errorf("a scalar field:\n%s", out)
	}
	out, _, _ = explainOut(t, "pod.metadata.creationTimestamp")
	if !strings.Contains(out, "FIELD: creationTimestamp <string>") {
		t.Errorf("a time is a string:\n%s", out)
	}
	out, _, _ = explainOut(t, "pod.spec.containers.livenessProbe.httpGet.port")
	if !strings.Contains(out, "FIELD: port <IntOrString>") {
		t.Errorf("an int-or-string:\n%s", out)
	}
	// Required follows the API's optional markers, not only the json tags.
	out, _, _ = explainOut(t, "node.status.images")
	if !strings.Contains(out, "  names\t<[]string>\n") {
		t.Errorf("node images names is optional:\n%s", out)
	}
	out, _, _ = explainOut(t, "events")
	if !strings.Contains(out, "  involvedObject\t<ObjectReference> -required-\n") || !strings.Contains(out, "  metadata\t<ObjectMeta> -required-\n") ||
		!strings.Contains(out, "  reportingComponent\t<string>\n") {
		t.Errorf("events:\n%s", out)
	}
}

func TestExplainEveryServedResource(t *testing.T) {
	for arg, kind := range map[string]string{"pods": "Pod", "po": "Pod", "nodes": "Node", "no": "Node", "events": "Event", "ev": "Event",
		"namespaces": "Namespace", "ns": "Namespace", "configmaps": "ConfigMap", "cm": "ConfigMap", "secrets": "Secret", "Secret": "Secret"} {
		out, errOut, code := explainOut(t, arg)
		if code != 0 || !strings.HasPrefix(out, "KIND:       "+kind+"\nVERSION:    v1\n\nDESCRIPTION:\n") || !strings.Contains(out, "FIELDS:\n") || !strings.Contains(out, "\n  apiVersion\t<string>\n") {
			t.Errorf("explain %s: %d %q\n%s", arg, code, errOut, out)
		}
	}
	for arg, head := range map[string]string{"deploy": "GROUP:      apps\nKIND:       Deployment\n", "jobs": "GROUP:      batch\nKIND:       Job\n", "svc": "KIND:       Service\n"} {
		if out, _, code := explainOut(t, arg); code != 0 || !strings.HasPrefix(out, head+"VERSION:    v1\n\nDESCRIPTION:\n") {
			t.Errorf("explain %s: %d\n%s", arg, code, out)
		}
	}
	if _, _, code := explainOut(t, "deployments", "--api-version=apps/v1"); code != 0 {
		t.Errorf("explain deployments --api-version=apps/v1: %d", code)
	}
	out, _, _ := explainOut(t, "secrets")
	if !strings.Contains(out, "  data\t<map[string]string>\n") {
		t.Errorf("secret data ([]byte values) is a map of strings:\n%s", out)
	}
}

func TestExplainErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"pods.spec.foo"}, "error: field \"foo\" does not exist\n"},
		{[]string{"pods.spec.foo.bar"}, "error: field \"bar\" does not exist\n"},
		{[]string{"pods.spec.restartPolicy.x"}, "error: field \"x\" does not exist\n"},
		{[]string{"ingresses"}, "error: the server doesn't have a resource type \"ingresses\"\n"},
		{[]string{"pods", "--api-version=apps/v1"}, "error: couldn't find resource for \"apps/v1, Resource=pods\"\n"},
		{nil, "error: You must specify the type of resource to explain. Use \"podlab api-resources\" for a complete list of supported resources.\n\n"},
	} {
		out, errOut, code := explainOut(t, tc.args...)
		if code != 1 || out != "" || errOut != tc.want {
			t.Errorf("explain %v: %d %q %q", tc.args, code, out, errOut)
		}
	}
	if out, _, code := explainOut(t, "pods", "--api-version=v1"); code != 0 || !strings.HasPrefix(out, "KIND:       Pod\n") {
		t.Errorf("--api-version=v1: %d", code)
	}
}

func TestWrapWordsLikeKubectl(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  string
	}{
		{"aaa bbb ccc", 7, "aaa bbb\nccc"},
		{"aaa bbb ccc", 6, "aaa\nbbb\nccc"},
		// A word longer than the width keeps a line of its own, uncut.
		{"see: https://example.com/very/long then more", 10, "see:\nhttps://example.com/very/long\nthen more"},
		// Newlines stay; lines restart counting after them.
		{"one two\nthree four\n", 9, "one two\nthree\nfour\n"},
		{"  - item one", 20, "  - item one"},
	} {
		if got := wrapWords(tc.in, tc.width); got != tc.want {
			t.Errorf("wrapWords(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
	if got := indentLines("a\nb\n", 4); got != "    a\n    b\n    " {
		t.Errorf("indentLines: %q", got)
	}
}
