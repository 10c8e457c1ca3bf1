package kubectl

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/ui/cli/internal/clitest"
)

const multiPod = `apiVersion: v1
kind: Pod
metadata:
  name: multi
spec:
  initContainers:
  - name: fill
    image: busybox
  containers:
  - name: web
    image: nginx
  - name: client
    image: busybox
`

func TestGetNamesPrintsWhatItFindsThenTheMissingOnes(t *testing.T) {
	h := newHarness(t)
	h.Run("", "apply", "-f", h.File("web.yaml", clitest.WebPod))
	h.Run("", "apply", "-f", h.File("multi.yaml", multiPod))
	out, errOut, code := h.Run("", "get", "pods", "web", "nope", "multi", "gone")
	if code != 1 || !strings.HasPrefix(out, "NAME    READY   STATUS    RESTARTS   AGE\nweb     0/1     Pending   0          ") || !strings.Contains(out, "\nmulti   0/2     Pending   0   ") {
		t.Fatalf("table: %d\n%s", code, out)
	}
	if errOut != "Error from server (NotFound): pods \"nope\" not found\nError from server (NotFound): pods \"gone\" not found\n" {
		t.Fatalf("stderr: %q", errOut)
	}
	if out, errOut, code := h.Run("", "get", "pods", "nope", "web", "-o", "name"); code != 1 || out != "pod/web\n" || !strings.Contains(errOut, `pods "nope" not found`) {
		t.Fatalf("-o name: %d %q %q", code, out, errOut)
	}
	// One name implies a single object: nothing is printed when it is missing.
	if out, _, code := h.Run("", "get", "pod", "nope", "-o", "json"); code != 1 || out != "" {
		t.Fatalf("single missing: %d %q", code, out)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestGetWatchFollowsOnlyTheNamedObject(t *testing.T) {
	h := newHarness(t)
	h.Run("", "apply", "-f", h.File("web.yaml", clitest.WebPod))
	h.Run("", "apply", "-f", h.File("multi.yaml", multiPod))
	out, _, stop := h.Start("get", "pod", "web", "-w", "-o", "custom-columns=NAME:.metadata.name,TIER:.metadata.labels.tier")
	waitFor(t, "the first row", func() bool { return strings.Contains(out.String(), "web") })
	h.Run("", "label", "pod", "multi", "seen=yes")
	h.Run("", "label", "pod", "web", "tier=back", "--overwrite")
	waitFor(t, "the change", func() bool { return strings.Contains(out.String(), "back") })
	stop()
	if got := out.String(); got != "NAME   TIER\nweb    front\nweb    back\n" {
		t.Fatalf("watch output:\n%s", got)
	}

	// Several names: kubectl prints them, then refuses to watch more than one source.
	o, errOut, code := h.Run("", "get", "pods", "web", "multi", "-w")
	if code != 1 || !strings.Contains(o, "\nweb ") || !strings.Contains(o, "\nmulti ") || errOut != "error: you may only watch a single resource or type of resource at a time\n" {
		t.Fatalf("several names: %d %q %q", code, o, errOut)
	}
}

func TestLogsExecAttachDefaultTheContainer(t *testing.T) {
	h := newHarness(t)
	h.Run("", "apply", "-f", h.File("multi.yaml", multiPod))
	h.Bind("default", "multi")
	const notice = "Defaulted container \"web\" out of: web, client, fill (init)\n"
	if out, errOut, code := h.Run("", "logs", "multi"); code != 0 || out != "logs of multi/web\n" || errOut != notice {
		t.Fatalf("logs: %d %q %q", code, out, errOut)
	}
	if out, errOut, code := h.Run("", "exec", "multi", "--", "date"); code != 0 || out != "multi|web|date\n" || errOut != notice {
		t.Fatalf("exec: %d %q %q", code, out, errOut)
	}
	if out, errOut, code := h.Run("", "attach", "pod/multi"); code != 0 || out != "attached to multi/web\n" || errOut != notice {
		t.Fatalf("attach: %d %q %q", code, out, errOut)
	}
	// The default-container annotation wins, silently.
	h.Run("", "annotate", "pod", "multi", defaultContainerAnnotation+"=client")
	if out, errOut, _ := h.Run("", "logs", "multi"); out != "logs of multi/client\n" || errOut != "" {
		t.Fatalf("annotated logs: %q %q", out, errOut)
	}
	if out, errOut, _ := h.Run("", "exec", "multi", "--", "date"); out != "multi|client|date\n" || errOut != "" {
		t.Fatalf("annotated exec: %q %q", out, errOut)
	}
	// An annotation naming no container: logs says so and takes the first.
	h.Run("", "annotate", "pod", "multi", defaultContainerAnnotation+"=nope", "--overwrite")
	if out, errOut, _ := h.Run("", "logs", "multi"); out != "logs of multi/web\n" || errOut != "Default container name \"nope\" not found in pod multi\n"+notice {
		t.Fatalf("bad annotation: %q %q", out, errOut)
	}
}

func TestExecAndAttachRefuseACompletedPod(t *testing.T) {
	h := newHarness(t)
	h.Run("", "apply", "-f", h.File("web.yaml", clitest.WebPod))
	_, err := h.St.GuaranteedUpdate(api.Pods, "default", "web", func(o api.Object) (api.Object, error) {
		o.(*corev1.Pod).Status.Phase = corev1.PodFailed
		return o, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := h.Run("", "exec", "web", "-c", "app", "--", "ls"); code != 1 || out != "" || errOut != "error: cannot exec into a container in a completed pod; current phase is Failed\n" {
		t.Fatalf("exec: %d %q %q", code, out, errOut)
	}
	if _, errOut, code := h.Run("", "attach", "web"); code != 1 || errOut != "error: cannot attach a container in a completed pod; current phase is Failed\n" {
		t.Fatalf("attach: %d %q", code, errOut)
	}
}

func TestApplyRecordsTheManifestAsWritten(t *testing.T) {
	h := newHarness(t)
	const downward = `apiVersion: v1
kind: Pod
metadata:
  name: env
  annotations:
    team: blue
spec:
  containers:
  - name: app
    image: busybox
    env:
    - name: MEM
      valueFrom:
        resourceFieldRef:
          resource: limits.memory
`
	h.Run("", "apply", "-f", h.File("env.yaml", downward))
	o, _ := h.St.Get(api.Pods, "default", "env")
	want := `{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{"team":"blue"},"name":"env","namespace":"default"},"spec":{"containers":[{"env":[{"name":"MEM","valueFrom":{"resourceFieldRef":{"resource":"limits.memory"}}}],"image":"busybox","name":"app"}]}}` + "\n"
	if got := o.GetAnnotations()[lastApplied]; got != want {
		t.Fatalf("last-applied:\n%s\nwant:\n%s", got, want)
	}
	// Items of a JSON List on one line are told apart by kind and name.
	list := `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"1"}},{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"}}]}`
	if out, errOut, code := h.Run(list, "apply", "-f", "-"); code != 0 || out != "configmap/a created\nconfigmap/b created\n" {
		t.Fatalf("list: %d %q %q", code, out, errOut)
	}
	o, _ = h.St.Get(api.ConfigMaps, "default", "a")
	if got := o.GetAnnotations()[lastApplied]; !strings.HasPrefix(got, `{"apiVersion":"v1","data":{"k":"1"},"kind":"ConfigMap","metadata":{"annotations":{},"name":"a"`) {
		t.Fatalf("list item last-applied: %s", got)
	}
	if out, _, _ := h.Run("", "apply", "-f", h.File("env.yaml", downward)); out != "pod/env unchanged\n" {
		t.Fatalf("re-apply: %q", out)
	}
}

func TestGetJSONPathAndCustomColumns(t *testing.T) {
	h := newHarness(t)
	h.Run("", "apply", "-f", h.File("web.yaml", clitest.WebPod))
	h.Run("", "apply", "-f", h.File("multi.yaml", multiPod))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"get", "pods", "-o", "jsonpath={.items[*].metadata.name}"}, "multi web"},
		{[]string{"get", "pods", "-o", `jsonpath={range .items[*]}{.metadata.name}{"\n"}{end}`}, "multi\nweb\n"},
		{[]string{"get", "pod", "web", "-o", "jsonpath={.spec.containers[0].image}"}, "busybox:1.35"},
		{[]string{"get", "pod", "web", "-o", "jsonpath={.metadata.nothing}"}, ""},
		{[]string{"get", "pods", "-l", "app=none", "-o", "jsonpath={.items[*].metadata.name}"}, ""},
		{[]string{"get", "pods", "-o", "custom-columns=NAME:.metadata.name,CONTAINERS:.spec.containers[*].name,TIER:metadata.labels.tier"},
			"NAME    CONTAINERS   TIER\nmulti   web,client   <none>\nweb     app          front\n"},
		{[]string{"get", "pod/web", "-o", "custom-columns=N:{.metadata.name}", "--no-headers"}, "web\n"},
		{[]string{"get", "pods", "-l", "app=none", "-o", "custom-columns=N:.metadata.name"}, "N\n"},
		{[]string{"get", "pods", "-o", "jsonpath-file=" + h.File("t.jsonpath", "{.items[0].kind}")}, "Pod"},
		{[]string{"get", "pods", "-o", "custom-columns-file=" + h.File("t.columns", "NAME  IMAGE\n.metadata.name  {.spec.containers[0].image}\n")},
			"NAME    IMAGE\nmulti   nginx\nweb     busybox:1.35\n"},
	} {
		out, errOut, code := h.Run("", c.args...)
		if code != 0 || out != c.want || errOut != "" {
			t.Errorf("%v: %d\n%q\nwant %q\nstderr %q", c.args, code, out, c.want, errOut)
		}
	}
	for _, c := range []struct{ output, err string }{
		{"foo", `error: unable to match a printer suitable for the output format "foo", allowed formats are: custom-columns,custom-columns-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,wide,yaml` + "\n"},
		{"jsonpath", "error: template format specified but no template given\n"},
		{"jsonpath={.items[", "error: error parsing jsonpath {.items[, unterminated array\n"},
		{"custom-columns=NAME", "error: unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>\n"},
	} {
		if _, errOut, code := h.Run("", "get", "pods", "-o", c.output); code != 1 || errOut != c.err {
			t.Errorf("-o %s: %d %q", c.output, code, errOut)
		}
	}
}
