package kubectl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/ui/cli/internal/clitest"
)

func TestApplyCreatesConfiguresAndLeavesUnchanged(t *testing.T) {
	h := newHarness(t)
	f := h.File("web.yaml", clitest.WebPod)
	if out, errOut, code := h.Run("", "apply", "-f", f); code != 0 || out != "pod/web created\n" {
		t.Fatalf("first apply: %q %q %d", out, errOut, code)
	}
	if out, _, _ := h.Run("", "apply", "-f", f); out != "pod/web unchanged\n" {
		t.Fatalf("second apply: %q", out)
	}
	// Someone else adds a label; the manifest drops tier and changes the image.
	h.Run("", "label", "pod", "web", "owner=ops")
	h.File("web.yaml", strings.Replace(strings.Replace(clitest.WebPod, "    tier: front\n", "", 1), "busybox:1.35", "busybox:1.36", 1))
	if out, errOut, _ := h.Run("", "apply", "-f", f); out != "pod/web configured\n" {
		t.Fatalf("third apply: %q %q", out, errOut)
	}
	o, _ := h.St.Get(api.Pods, "default", "web")
	p := o.(*corev1.Pod)
	if _, ok := p.Labels["tier"]; ok || p.Labels["owner"] != "ops" || p.Labels["app"] != "web" || p.Spec.Containers[0].Image != "busybox:1.36" {
		t.Fatalf("three-way merge result: labels %v image %s", p.Labels, p.Spec.Containers[0].Image)
	}
}

func TestApplyOfABadFileAppliesNothing(t *testing.T) {
	h := newHarness(t)
	dir := filepath.Join(h.Dir, "m")
	os.Mkdir(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(clitest.WebPod), 0o644)
	os.WriteFile(filepath.Join(dir, "b.yaml"), []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: app\n    image: busybox\n    ports:\n    - containerPort: 99999\n"), 0o644)
	_, errOut, code := h.Run("", "apply", "-f", dir)
	if code != 1 || !strings.Contains(errOut, "b.yaml:10: spec.containers[0].ports[0].containerPort: Invalid value: 99999") || !strings.Contains(errOut, "nothing was applied") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if objs, _, _ := h.St.List(api.Pods, "", metav1.ListOptions{}); len(objs) != 0 {
		t.Fatalf("%d pods were created from a bad set", len(objs))
	}
}

func TestApplyFromStdinAndNamespaceMismatch(t *testing.T) {
	h := newHarness(t)
	if out, _, code := h.Run(clitest.WebPod, "apply", "-n", "team", "-f", "-"); code != 0 || out != "pod/web created\n" {
		t.Fatalf("apply from stdin into team: %q %d", out, code)
	}
	if _, err := h.St.Get(api.Pods, "team", "web"); err != nil {
		t.Fatal(err)
	}
	inOther := strings.Replace(clitest.WebPod, "  name: web\n", "  name: web\n  namespace: default\n", 1)
	_, errOut, code := h.Run(inOther, "apply", "-n", "team", "-f", "-")
	if code != 1 || !strings.Contains(errOut, `the namespace from the provided object "default" does not match the namespace "team"`) {
		t.Fatalf("mismatch: %d %q", code, errOut)
	}
}

func TestGetOutputsAndErrors(t *testing.T) {
	h := newHarness(t)
	if _, errOut, code := h.Run("", "get", "pods"); code != 0 || errOut != "No resources found in default namespace.\n" {
		t.Fatalf("empty get: %d %q", code, errOut)
	}
	h.Run("", "apply", "-f", h.File("web.yaml", clitest.WebPod))
	out, _, _ := h.Run("", "get", "pods")
	if !strings.HasPrefix(out, "NAME   READY   STATUS    RESTARTS   AGE\nweb    0/1     Pending   0          ") {
		t.Fatalf("table:\n%s", out)
	}
	if out, _, _ := h.Run("", "get", "po/web", "-o", "name"); out != "pod/web\n" {
		t.Fatalf("-o name: %q", out)
	}
	if out, _, _ := h.Run("", "get", "pod", "web", "-o", "yaml"); !strings.Contains(out, "kind: Pod\n") || !strings.Contains(out, "restartPolicy: Always") {
		t.Fatalf("-o yaml:\n%s", out)
	}
	if _, errOut, code := h.Run("", "get", "pod", "nope"); code != 1 || errOut != "Error from server (NotFound): pods \"nope\" not found\n" {
		t.Fatalf("not found: %d %q", code, errOut)
	}
	if _, errOut, code := h.Run("", "get", "ingresses"); code != 1 || !strings.Contains(errOut, `the server doesn't have a resource type "ingresses"`) {
		t.Fatalf("unknown type: %d %q", code, errOut)
	}
	if out, _, _ := h.Run("", "get", "pods", "-l", "tier=back"); out != "" {
		t.Fatalf("selector matched: %q", out)
	}
}

func TestLabelAndAnnotateRules(t *testing.T) {
	h := newHarness(t)
	h.Run("", "apply", "-f", h.File("web.yaml", clitest.WebPod))
	if _, errOut, code := h.Run("", "label", "pod", "web", "tier=back"); code != 1 || errOut != "error: 'tier' already has a value (front), and --overwrite is false\n" {
		t.Fatalf("label without overwrite: %d %q", code, errOut)
	}
	if out, _, _ := h.Run("", "label", "pod", "web", "tier=back", "--overwrite"); out != "pod/web labeled\n" {
		t.Fatalf("overwrite: %q", out)
	}
	if out, _, _ := h.Run("", "label", "pod", "web", "tier-"); out != "pod/web unlabeled\n" {
		t.Fatalf("remove: %q", out)
	}
	if out, _, _ := h.Run("", "annotate", "pod/web", "note=hello"); out != "pod/web annotated\n" {
		t.Fatalf("annotate: %q", out)
	}
	o, _ := h.St.Get(api.Pods, "default", "web")
	if _, ok := o.GetLabels()["tier"]; ok || o.GetAnnotations()["note"] != "hello" {
		t.Fatalf("labels %v annotations %v", o.GetLabels(), o.GetAnnotations())
	}
}

func TestDeleteMessages(t *testing.T) {
	h := newHarness(t)
	h.Run("", "apply", "-f", h.File("web.yaml", clitest.WebPod))
	out, errOut, code := h.Run("", "delete", "pod", "web")
	if code != 0 || out != "pod \"web\" deleted from default namespace\n" {
		t.Fatalf("delete: %d %q %q", code, out, errOut)
	}
	if _, errOut, code := h.Run("", "delete", "pod", "web"); code != 1 || errOut != "Error from server (NotFound): pods \"web\" not found\n" {
		t.Fatalf("delete again: %d %q", code, errOut)
	}
	h.Run("", "apply", "-f", h.File("web.yaml", clitest.WebPod))
	out, errOut, _ = h.Run("", "delete", "pod", "web", "--grace-period=0", "--force")
	if !strings.Contains(errOut, "Immediate deletion does not wait for confirmation") || out != "pod \"web\" force deleted from default namespace\n" {
		t.Fatalf("force delete: %q %q", out, errOut)
	}
}

func TestCreateConfigMapAndSecret(t *testing.T) {
	h := newHarness(t)
	f := h.File("app.properties", "color=blue\n")
	if out, errOut, code := h.Run("", "create", "configmap", "app", "--from-literal=mode=dev", "--from-file="+f); code != 0 || out != "configmap/app created\n" {
		t.Fatalf("configmap: %d %q %q", code, out, errOut)
	}
	o, _ := h.St.Get(api.ConfigMaps, "default", "app")
	if cm := o.(*corev1.ConfigMap); cm.Data["mode"] != "dev" || cm.Data["app.properties"] != "color=blue\n" {
		t.Fatalf("data = %v", cm.Data)
	}
	if out, _, _ := h.Run("", "create", "secret", "generic", "db", "--from-literal=password=s3cret"); out != "secret/db created\n" {
		t.Fatalf("secret: %q", out)
	}
	o, _ = h.St.Get(api.Secrets, "default", "db")
	if s := o.(*corev1.Secret); string(s.Data["password"]) != "s3cret" || s.Type != corev1.SecretTypeOpaque {
		t.Fatalf("secret = %+v", s)
	}
}

func TestLogsAndExecArguments(t *testing.T) {
	h := newHarness(t)
	h.RunningPod("web")
	if out, _, _ := h.Run("", "logs", "pod/web"); out != "logs of web/app\n" {
		t.Fatalf("logs: %q", out)
	}
	if out, errOut, code := h.Run("", "exec", "web", "-c", "app", "--", "ls", "-l", "/"); code != 0 || out != "web|app|ls -l /\n" {
		t.Fatalf("exec: %d %q %q", code, out, errOut)
	}
}

func TestEditThroughEditor(t *testing.T) {
	h := newHarness(t)
	h.Run("", "apply", "-f", h.File("web.yaml", clitest.WebPod))
	script := h.File("editor.sh", "#!/bin/sh\nsed -i 's/tier: front/tier: edited/' \"$1\"\n")
	os.Chmod(script, 0o755)
	t.Setenv("KUBE_EDITOR", script)
	if out, errOut, code := h.Run("", "edit", "pod", "web"); code != 0 || out != "pod/web edited\n" {
		t.Fatalf("edit: %d %q %q", code, out, errOut)
	}
	o, _ := h.St.Get(api.Pods, "default", "web")
	if o.GetLabels()["tier"] != "edited" {
		t.Fatalf("labels after edit: %v", o.GetLabels())
	}
	noop := h.File("noop.sh", "#!/bin/sh\ntrue\n")
	os.Chmod(noop, 0o755)
	t.Setenv("KUBE_EDITOR", noop)
	if out, _, _ := h.Run("", "edit", "pod/web"); out != "Edit cancelled, no changes made.\n" {
		t.Fatalf("unchanged edit: %q", out)
	}
	bad := h.File("bad.sh", "#!/bin/sh\nsed -i 's/restartPolicy: Always/restartPolicy: Never/' \"$1\"\n")
	os.Chmod(bad, 0o755)
	t.Setenv("KUBE_EDITOR", bad)
	_, errOut, code := h.Run("", "edit", "pod", "web")
	if code != 1 || !strings.Contains(errOut, "pod updates may not change fields other than") || !strings.Contains(errOut, "A copy of your changes has been stored to") {
		t.Fatalf("forbidden edit: %d %q", code, errOut)
	}
}

func TestAttach(t *testing.T) {
	h := newHarness(t)
	h.RunningPod("web")
	if out, errOut, code := h.Run("", "attach", "web", "-c", "app"); code != 0 || out != "attached to web/app\n" {
		t.Fatalf("attach: %d %q %q", code, out, errOut)
	}
}
