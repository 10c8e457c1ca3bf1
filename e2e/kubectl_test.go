package e2e

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/internal/clientbin"
)

// The real kubectl 1.37 against a live lab, with
// KUBECONFIG=$(podlab kubeconfig) and nothing else: each subtest checks
// what upstream's kubectl prints against a real cluster for the same
// commands. The subtests share one lab and run in order; each works on
// objects of its own, or leaves the shared ones as it found them.

// kubectlPods are the pods the subtests share: an nginx with a named port,
// a shell that sleeps (and ends at once on SIGTERM), a pod that completed,
// one that failed, one no node fits, the pod the patches change, and one
// whose deletion the tests watch.
const kubectlPods = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web, edit: before}
spec:
  containers:
  - name: nginx
    image: nginx
    ports:
    - name: http
      containerPort: 80
---
apiVersion: v1
kind: Pod
metadata:
  name: sleeper
  labels: {app: sleeper}
spec:
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
---
apiVersion: v1
kind: Pod
metadata: {name: done}
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "echo done"]
---
apiVersion: v1
kind: Pod
metadata: {name: failed}
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "exit 1"]
---
apiVersion: v1
kind: Pod
metadata: {name: stuck}
spec:
  nodeSelector: {disk: none}
  containers:
  - name: app
    image: busybox
---
apiVersion: v1
kind: Pod
metadata: {name: patched}
spec:
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
---
apiVersion: v1
kind: Pod
metadata: {name: victim}
spec:
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "trap 'sleep 1; exit 0' TERM; while true; do sleep 1; done"]
`

// kubectlPodNames are kubectlPods' names, in the order applied.
var kubectlPodNames = []string{"web", "sleeper", "done", "failed", "stuck", "patched", "victim"}

func TestKubectl(t *testing.T) {
	bin := clientbin.Kubectl(t)
	l := newLab(t)
	k := newKubectl(t, l, bin)

	out := k.applyFile(t, "pods.yaml", kubectlPods+"---\n"+streamPods)
	var want strings.Builder
	for _, n := range append(slices.Clone(kubectlPodNames), "files", "ticker") {
		want.WriteString("pod/" + n + " created\n")
	}
	if out != want.String() {
		t.Fatalf("kubectl apply -f printed\n%s\nwant\n%s", out, want.String())
	}
	for _, n := range []string{"web", "sleeper", "patched", "victim", "files", "ticker"} {
		l.waitRunning(n)
	}
	l.waitPod("done", time.Minute, "Succeeded", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodSucceeded })
	l.waitPod("failed", time.Minute, "Failed", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })

	t.Run("version", func(t *testing.T) { kubectlVersion(t, k, "1.37") })
	t.Run("api-resources", func(t *testing.T) { kubectlAPIResources(t, k) })
	t.Run("get-pods", func(t *testing.T) { kubectlGetPods(t, l.in(t), k) })
	t.Run("get-pods-watch", func(t *testing.T) { kubectlGetPodsWatch(t, k) })
	t.Run("describe-pod", func(t *testing.T) { kubectlDescribePod(t, k) })
	t.Run("same-as-podlab", func(t *testing.T) { kubectlParity(t, l.in(t), k) })
	t.Run("apply-twice", func(t *testing.T) { kubectlApplyTwice(t, k) })
	t.Run("apply-server-side", func(t *testing.T) { kubectlServerSideApply(t, k) })
	t.Run("status-managed-fields", func(t *testing.T) { kubectlStatusManagedFields(t, k) })
	t.Run("diff", func(t *testing.T) { kubectlDiff(t, k) })
	t.Run("dry-run-server", func(t *testing.T) { kubectlDryRunServer(t, k) })
	t.Run("create", func(t *testing.T) { kubectlCreate(t, k) })
	t.Run("label-annotate", func(t *testing.T) { kubectlLabelAnnotate(t, k) })
	t.Run("taint", func(t *testing.T) { kubectlTaint(t, k) })
	t.Run("cordon", func(t *testing.T) { kubectlCordon(t, k) })
	t.Run("patch", func(t *testing.T) { kubectlPatch(t, k) })
	t.Run("edit", func(t *testing.T) { kubectlEdit(t, k) })
	t.Run("explain", func(t *testing.T) { kubectlExplain(t, k) })
	t.Run("delete", func(t *testing.T) { kubectlDelete(t, l.in(t), k) })
	t.Run("auth", func(t *testing.T) { kubectlAuth(t, l.in(t), k) })
	t.Run("events", func(t *testing.T) { kubectlEvents(t, k) })

	// What waits on containers' own time runs side by side once the
	// subtests above are done: each works on pods of its own or only
	// reads the shared ones. The streaming commands are in
	// kubectl_streams_test.go.
	parallel := func(name string, f func(t *testing.T)) {
		t.Run(name, func(t *testing.T) { t.Parallel(); f(t) })
	}
	parallel("wait", func(t *testing.T) { kubectlWait(t, k) })
	parallel("logs", func(t *testing.T) { kubectlLogs(t, k) })
	parallel("exec", func(t *testing.T) { kubectlExec(t, k) })
	parallel("exec-tty", func(t *testing.T) { kubectlExecTTY(t, k) })
	parallel("cp", func(t *testing.T) { kubectlCp(t, k) })
	parallel("port-forward", func(t *testing.T) { kubectlPortForward(t, k) })
}

// kubectlVersion: the server is v1.37.2; kubectl 1.37 prints no skew
// warning, 1.30 prints upstream's (1.30 is seven minors behind).
func kubectlVersion(t *testing.T, k *kubectl, minor string) {
	r := k.run(t, "version")
	clientLine := regexp.QuoteMeta("Client Version: v" + minor + ".")
	if !regexp.MustCompile(`^`+clientLine+`\d+\nKustomize Version: v\S+\nServer Version: v1\.37\.2\n$`).MatchString(r.stdout) || r.code != 0 {
		t.Fatalf("want Client Version: v%s.x, Kustomize Version and Server Version: v1.37.2: %v", minor, r)
	}
	wantErr := ""
	if minor != "1.37" && minor != "1.36" {
		wantErr = "WARNING: version difference between client (" + minor + ") and server (1.37) exceeds the supported minor version skew of +/-1\n"
	}
	if r.stderr != wantErr {
		t.Fatalf("stderr %q, want %q", r.stderr, wantErr)
	}

	var v struct {
		ServerVersion struct {
			Major, Minor, GitVersion, GoVersion, Platform string
		}
	}
	if err := json.Unmarshal([]byte(k.ok(t, "version", "-o", "json")), &v); err != nil {
		t.Fatal(err)
	}
	sv := v.ServerVersion
	if sv.Major != "1" || sv.Minor != "37" || sv.GitVersion != "v1.37.2" || sv.GoVersion == "" || sv.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Fatalf("serverVersion %+v, want major 1, minor 37, gitVersion v1.37.2, a goVersion and platform %s/%s", sv, runtime.GOOS, runtime.GOARCH)
	}
}

// kubectlAPIResources: the resources podlab serves, each as a real
// cluster's discovery lists it (short names, group version, scope, kind,
// verbs, categories).
func kubectlAPIResources(t *testing.T, k *kubectl) {
	tb := parseTable(t, k.okQuiet(t, "api-resources", "-o", "wide"))
	if got, want := strings.Join(tb.header, "|"), "NAME|SHORTNAMES|APIVERSION|NAMESPACED|KIND|VERBS|CATEGORIES"; got != want {
		t.Fatalf("header %s, want %s", got, want)
	}
	const all = "create,delete,deletecollection,get,list,patch,update,watch"
	for _, want := range []string{
		"pods|po|v1|true|Pod|" + all + "|all",
		"configmaps|cm|v1|true|ConfigMap|" + all + "|",
		"secrets||v1|true|Secret|" + all + "|",
		"events|ev|v1|true|Event|" + all + "|",
		"nodes|no|v1|false|Node|" + all + "|",
		// Upstream's namespace storage has no DeleteCollection.
		"namespaces|ns|v1|false|Namespace|create,delete,get,list,patch,update,watch|",
		"leases||coordination.k8s.io/v1|true|Lease|" + all + "|",
		"selfsubjectreviews||authentication.k8s.io/v1|false|SelfSubjectReview|create|",
		"selfsubjectaccessreviews||authorization.k8s.io/v1|false|SelfSubjectAccessReview|create|",
		"selfsubjectrulesreviews||authorization.k8s.io/v1|false|SelfSubjectRulesReview|create|",
	} {
		name, _, _ := strings.Cut(want, "|")
		row := tb.row(name)
		if row == nil {
			t.Errorf("api-resources lists no %s", name)
			continue
		}
		var cells []string
		for _, h := range tb.header {
			cells = append(cells, row[h])
		}
		if got := strings.Join(cells, "|"); got != want {
			t.Errorf("api-resources row\n  %s\nwant\n  %s", got, want)
		}
	}
	// The short name and the kind both name the resource, as upstream.
	if out := k.ok(t, "get", "po", "web", "-o", "name"); out != "pod/web\n" {
		t.Errorf("kubectl get po web -o name: %q", out)
	}
}

// kubectlGetPods: kubectl's table is podlab's own, column for column, and
// each status reads as upstream's for such a pod.
func kubectlGetPods(t *testing.T, l *lab, k *kubectl) {
	for _, wide := range []bool{false, true} {
		args := []string{"get", "pods"}
		header := "NAME|READY|STATUS|RESTARTS|AGE"
		if wide {
			args = append(args, "-o", "wide")
			header += "|IP|NODE|NOMINATED NODE|READINESS GATES"
		}
		kt := parseTable(t, k.okQuiet(t, args...))
		pt := parseTable(t, l.mustRun(args...))
		if got := strings.Join(kt.header, "|"); got != header {
			t.Fatalf("kubectl %v header %s, want %s", args, got, header)
		}
		if got := strings.Join(pt.header, "|"); got != header {
			t.Fatalf("podlab %v header %s, want %s", args, got, header)
		}
		age := slices.Index(kt.header, "AGE")
		mask := func(rows [][]string) string {
			var s []string
			for _, r := range rows {
				r = slices.Clone(r)
				if !regexp.MustCompile(`^\d+[smhd]`).MatchString(r[age]) {
					t.Fatalf("AGE %q of %v is no age", r[age], r)
				}
				r[age] = "<age>"
				s = append(s, strings.Join(r, "|"))
			}
			return strings.Join(s, "\n")
		}
		if kr, pr := mask(kt.rows), mask(pt.rows); kr != pr {
			t.Fatalf("kubectl %v and podlab %v differ (AGE aside):\nkubectl:\n%s\npodlab:\n%s", args, args, kr, pr)
		}
		for name, want := range map[string]string{
			"web": "1/1|Running|0", "sleeper": "1/1|Running|0", "files": "2/2|Running|0",
			"done": "0/1|Completed|0", "failed": "0/1|Error|0", "stuck": "0/1|Pending|0",
		} {
			row := kt.row(name)
			if row == nil {
				t.Fatalf("kubectl %v lists no %s", args, name)
			}
			if got := row["READY"] + "|" + row["STATUS"] + "|" + row["RESTARTS"]; got != want {
				t.Errorf("%s: READY|STATUS|RESTARTS %s, want %s", name, got, want)
			}
			if !wide {
				continue
			}
			ip, node := k.jsonpath(t, "{.status.podIP}", "pod", name), k.jsonpath(t, "{.spec.nodeName}", "pod", name)
			if node != "node-1" && node != "node-2" && name != "stuck" {
				t.Errorf("%s runs on %q, want a worker", name, node)
			}
			if name == "stuck" {
				ip, node = "<none>", "<none>"
			}
			if got, want := row["IP"]+"|"+row["NODE"]+"|"+row["NOMINATED NODE"]+"|"+row["READINESS GATES"], ip+"|"+node+"|<none>|<none>"; got != want {
				t.Errorf("%s: IP|NODE|NOMINATED NODE|READINESS GATES %s, want %s", name, got, want)
			}
		}
	}
}

// kubectlGetPodsWatch: get -w prints the table, then a row per change of
// a new pod, from Pending to Running, then Terminating when it is deleted.
func kubectlGetPodsWatch(t *testing.T, k *kubectl) {
	w := k.start(t, "get", "pods", "-w")
	i, first := w.waitLine(t, 0, 30*time.Second, "the header", func(s string) bool { return strings.HasPrefix(s, "NAME ") })
	if i != 0 || columnSep.Split(first.text, -1)[4] != "AGE" {
		t.Fatalf("the first line is not the header:\n%s", w.stdout())
	}
	w.waitLine(t, 1, 30*time.Second, "the row of web", func(s string) bool { return strings.HasPrefix(s, "web ") })

	k.applyFile(t, "watched.yaml", `apiVersion: v1
kind: Pod
metadata: {name: watched}
spec:
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
`)
	isWatched := func(status string) func(string) bool {
		return func(s string) bool {
			c := columnSep.Split(s, -1)
			return len(c) == 5 && c[0] == "watched" && (status == "" || c[2] == status)
		}
	}
	j, added := w.waitLine(t, 1, 30*time.Second, "a row of the new pod", isWatched(""))
	if c := columnSep.Split(added.text, -1); c[1] != "0/1" || (c[2] != "Pending" && c[2] != "ContainerCreating") || c[3] != "0" {
		t.Fatalf("the new pod's first row %q, want it 0/1 Pending (or ContainerCreating) with 0 restarts", added.text)
	}
	j, running := w.waitLine(t, j, time.Minute, "the new pod Running", isWatched("Running"))
	if c := columnSep.Split(running.text, -1); c[1] != "1/1" || c[3] != "0" {
		t.Fatalf("the Running row %q, want 1/1 with 0 restarts", running.text)
	}
	k.ok(t, "delete", "pod", "watched", "--wait=false")
	w.waitLine(t, j, 30*time.Second, "the pod Terminating", isWatched("Terminating"))
	w.interrupt()
	w.wait(t, 10*time.Second)
	lines := strings.Split(strings.TrimRight(w.stdout(), "\n"), "\n")
	for _, l := range lines[1:] {
		if c := columnSep.Split(l, -1); len(c) != 5 || c[0] == "NAME" {
			t.Fatalf("get -w printed %q: not a row of the table\n%s", l, w.stdout())
		}
	}
	if w.stderr() != "" {
		t.Errorf("get -w wrote to stderr:\n%s", w.stderr())
	}
}

// kubectlDescribePod: describe's sections, filled from the pod and its events.
func kubectlDescribePod(t *testing.T, k *kubectl) {
	out := k.okQuiet(t, "describe", "pod", "web")
	hostIP := k.jsonpath(t, "{.status.hostIP}", "pod", "web")
	podIP := k.jsonpath(t, "{.status.podIP}", "pod", "web")
	node := regexp.QuoteMeta(k.jsonpath(t, "{.spec.nodeName}", "pod", "web"))
	for _, re := range []string{
		`(?m)^Name:\s+web$`,
		`(?m)^Namespace:\s+default$`,
		`(?m)^Priority:\s+0$`,
		`(?m)^Service Account:\s+default$`,
		`(?m)^Node:\s+` + node + `/` + regexp.QuoteMeta(hostIP) + `$`,
		`(?m)^Start Time:\s+\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$`,
		`(?m)^Labels:\s+app=web\n\s+edit=before$`,
		`(?m)^Status:\s+Running$`,
		`(?m)^IP:\s+` + regexp.QuoteMeta(podIP) + `$`,
		`(?m)^Containers:\n  nginx:\n    Container ID:\s+docker://[0-9a-f]{64}\n    Image:\s+nginx\n`,
		`(?m)^    Port:\s+80/TCP \(http\)$`,
		`(?m)^    State:\s+Running\n      Started:\s+\w{3}, `,
		`(?m)^    Ready:\s+True$`,
		`(?m)^    Restart Count:\s+0$`,
		`(?m)^Conditions:\n  Type\s+Status\n`,
		`(?m)^  Ready\s+True\s*$`,
		`(?m)^  PodScheduled\s+True\s*$`,
		`(?m)^QoS Class:\s+BestEffort$`,
		`(?m)^Tolerations:\s+node.kubernetes.io/not-ready:NoExecute op=Exists for 300s$`,
		`(?m)^Events:\n  Type\s+Reason\s+Age\s+From\s+Message\n  ----\s+------\s+----\s+----\s+-------\n`,
		`(?m)^  Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default/web to ` + node + `$`,
		`(?m)^  Normal\s+Created\s+\S+\s+kubelet\s+spec.containers\{nginx\}: Created container: nginx$`,
		`(?m)^  Normal\s+Started\s+\S+\s+kubelet\s+spec.containers\{nginx\}: Started container nginx$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("describe pod web has no match for %s", re)
		}
	}
	if t.Failed() {
		t.Logf("describe pod web:\n%s", out)
	}
	r := k.run(t, "describe", "pod", "nosuch")
	if r.code != 1 || r.stderr != "Error from server (NotFound): pods \"nosuch\" not found\n" {
		t.Errorf("describe of a missing pod: %v", r)
	}
}

// kubectlApplyTwice: applying what is there changes nothing; applying a
// change configures the object.
func kubectlApplyTwice(t *testing.T, k *kubectl) {
	pods := writeTemp(t, "pods.yaml", kubectlPods)
	before := map[string]string{}
	for _, n := range kubectlPodNames {
		before[n] = k.resourceVersion(t, "pod", n)
	}
	out := k.ok(t, "apply", "-f", pods)
	var want strings.Builder
	for _, n := range kubectlPodNames {
		want.WriteString("pod/" + n + " unchanged\n")
	}
	if out != want.String() {
		t.Fatalf("applying the pods again printed\n%s\nwant\n%s", out, want.String())
	}
	for _, n := range kubectlPodNames {
		if rv := k.resourceVersion(t, "pod", n); rv != before[n] {
			t.Errorf("pod %s: resourceVersion %s after an unchanged apply, was %s", n, rv, before[n])
		}
	}

	cm := func(v string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: applied}\ndata: {color: " + v + "}\n"
	}
	path := writeTemp(t, "cm.yaml", cm("blue"))
	k.want(t, 0, "configmap/applied created\n", "apply", "-f", path)
	rv := k.resourceVersion(t, "configmap", "applied")
	k.want(t, 0, "configmap/applied unchanged\n", "apply", "-f", path)
	if got := k.resourceVersion(t, "configmap", "applied"); got != rv {
		t.Errorf("an unchanged apply moved the resourceVersion %s to %s", rv, got)
	}
	writeFile(t, path, cm("green"))
	k.want(t, 0, "configmap/applied configured\n", "apply", "-f", path)
	if got := k.jsonpath(t, "{.data.color}", "configmap", "applied"); got != "green" {
		t.Errorf("data.color %q after apply, want green", got)
	}
	last := k.jsonpath(t, `{.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}`, "configmap", "applied")
	if !strings.Contains(last, `"color":"green"`) {
		t.Errorf("last-applied-configuration %q does not hold the applied data", last)
	}
}

type managedField struct {
	Manager, Operation, APIVersion, FieldsType, Time, Subresource string
	FieldsV1                                                      map[string]any
}

func managedFields(t *testing.T, k *kubectl, args ...string) []managedField {
	t.Helper()
	out := k.ok(t, append(append([]string{"get"}, args...), "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields}")...)
	var mf []managedField
	if err := json.Unmarshal([]byte(out), &mf); err != nil {
		t.Fatalf("managedFields: %v\n%s", err, out)
	}
	return mf
}

// ownsDataKey reports whether the managed fields entry owns .data.<key>.
func (m managedField) ownsDataKey(key string) bool {
	data, _ := m.FieldsV1["f:data"].(map[string]any)
	_, ok := data["f:"+key]
	return ok
}

// kubectlServerSideApply: apply --server-side records kubectl as the
// manager of what it applied; another manager changing that field
// conflicts, until it forces.
func kubectlServerSideApply(t *testing.T, k *kubectl) {
	path := writeTemp(t, "ssa.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa}\ndata: {a: \"1\", b: \"2\"}\n")
	k.want(t, 0, "configmap/ssa serverside-applied\n", "apply", "--server-side", "-f", path)
	mf := managedFields(t, k, "configmap", "ssa")
	if len(mf) != 1 || mf[0].Manager != "kubectl" || mf[0].Operation != "Apply" || mf[0].APIVersion != "v1" ||
		mf[0].FieldsType != "FieldsV1" || mf[0].Time == "" || !mf[0].ownsDataKey("a") || !mf[0].ownsDataKey("b") {
		t.Fatalf("managedFields %+v, want one entry: manager kubectl, operation Apply, owning .data.a and .data.b", mf)
	}
	k.want(t, 0, "configmap/ssa serverside-applied\n", "apply", "--server-side", "-f", path)

	other := writeTemp(t, "other.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa}\ndata: {a: \"changed\"}\n")
	r := k.run(t, "apply", "--server-side", "--field-manager=lab-e2e", "-f", other)
	if r.code != 1 || !strings.HasPrefix(r.stderr, "error: Apply failed with 1 conflict: conflict with \"kubectl\": .data.a\n") {
		t.Fatalf("a conflicting apply: %v", r)
	}
	if got := k.jsonpath(t, "{.data.a}", "configmap", "ssa"); got != "1" {
		t.Fatalf("the conflicting apply changed data.a to %q", got)
	}
	k.want(t, 0, "configmap/ssa serverside-applied\n", "apply", "--server-side", "--field-manager=lab-e2e", "--force-conflicts", "-f", other)
	if got := k.jsonpath(t, "{.data.a} {.data.b}", "configmap", "ssa"); got != "changed 2" {
		t.Fatalf("data a and b %q after the forced apply, want changed 2", got)
	}
	for _, m := range managedFields(t, k, "configmap", "ssa") {
		switch m.Manager {
		case "kubectl":
			if m.ownsDataKey("a") || !m.ownsDataKey("b") {
				t.Errorf("after the forced apply kubectl owns %v, want .data.b only", m.FieldsV1)
			}
		case "lab-e2e":
			if m.Operation != "Apply" || !m.ownsDataKey("a") {
				t.Errorf("lab-e2e's entry %+v, want an Apply owning .data.a", m)
			}
		default:
			t.Errorf("unexpected manager %+v", m)
		}
	}
}

// kubectlStatusManagedFields: who wrote what, as a real cluster records it:
// kubectl's client-side apply, and the kubelet's status updates (manager
// kubelet, subresource status), what --show-managed-fields shows a learner.
func kubectlStatusManagedFields(t *testing.T, k *kubectl) {
	var got []string
	for _, m := range managedFields(t, k, "pod", "web") {
		got = append(got, strings.TrimSpace(m.Manager+" "+m.Operation+" "+m.Subresource))
	}
	for _, want := range []string{"kubectl-client-side-apply Update", "kubelet Update status"} {
		if !slices.Contains(got, want) {
			t.Errorf("pod web's managedFields (manager operation subresource) %q lack %q", got, want)
		}
	}
}

// kubectlDiff: diff shows what apply would do, exits 1 when it would change
// something, and changes nothing itself.
func kubectlDiff(t *testing.T, k *kubectl) {
	fresh := writeTemp(t, "fresh.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: fresh}\nspec:\n  containers:\n  - {name: app, image: busybox}\n")
	r := k.run(t, "diff", "-f", fresh)
	if r.code != 1 || !regexp.MustCompile(`(?m)^\+\+\+ \S+/MERGED-\d+/v1\.Pod\.default\.fresh\t`).MatchString(r.stdout) ||
		!regexp.MustCompile(`(?m)^\+  name: fresh$`).MatchString(r.stdout) ||
		// The server's defaults, from the dry run the diff is made of.
		!regexp.MustCompile(`(?m)^\+  schedulerName: default-scheduler$`).MatchString(r.stdout) {
		t.Fatalf("diff of a new pod: want exit 1 and the whole defaulted pod added: %v", r)
	}
	k.notFound(t, "pods", "fresh")

	rv := k.resourceVersion(t, "pod", "web")
	changed := writeTemp(t, "web.yaml", strings.Replace(kubectlPods[:strings.Index(kubectlPods, "---")], "app: web,", "app: changed,", 1))
	r = k.run(t, "diff", "-f", changed)
	if r.code != 1 || !regexp.MustCompile(`(?m)^-    app: web\n\+    app: changed$`).MatchString(r.stdout) ||
		!regexp.MustCompile(`(?m)^--- \S+/LIVE-\d+/v1\.Pod\.default\.web\t`).MatchString(r.stdout) {
		t.Fatalf("diff of a changed label: want exit 1 and the label's change: %v", r)
	}
	if n := strings.Count(r.stdout, "\n-") + strings.Count(r.stdout, "\n+"); n != 4 { // ---, +++, the two label lines
		t.Errorf("diff of a changed label shows more than the label:\n%s", r.stdout)
	}
	if got := k.resourceVersion(t, "pod", "web"); got != rv {
		t.Errorf("diff moved web's resourceVersion %s to %s", rv, got)
	}
	if got := k.jsonpath(t, "{.metadata.labels.app}", "pod", "web"); got != "web" {
		t.Errorf("diff changed web's label to %q", got)
	}
	k.want(t, 0, "", "diff", "-f", writeTemp(t, "same.yaml", kubectlPods[:strings.Index(kubectlPods, "---")]))
}

// kubectlDryRunServer: every write with --dry-run=server is checked and
// answered by the server (with its defaults) and stored nowhere.
func kubectlDryRunServer(t *testing.T, k *kubectl) {
	fresh := writeTemp(t, "fresh.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: fresh}\nspec:\n  containers:\n  - {name: app, image: busybox}\n")
	k.want(t, 0, "pod/fresh created (server dry run)\n", "apply", "-f", fresh, "--dry-run=server")
	k.notFound(t, "pods", "fresh")
	out := k.ok(t, "create", "-f", fresh, "--dry-run=server", "-o", "jsonpath={.spec.schedulerName} {.spec.containers[0].terminationMessagePath} {.metadata.uid}")
	if !regexp.MustCompile(`^default-scheduler /dev/termination-log [0-9a-f-]{36}$`).MatchString(out) {
		t.Errorf("create --dry-run=server returned %q, want the server's defaults and a uid", out)
	}
	k.notFound(t, "pods", "fresh")
	k.want(t, 0, "pod/dry created (server dry run)\n", "run", "dry", "--image=busybox", "--dry-run=server")
	k.notFound(t, "pods", "dry")
	k.want(t, 0, "configmap/dry created (server dry run)\n", "create", "configmap", "dry", "--from-literal=a=b", "--dry-run=server")
	k.notFound(t, "configmaps", "dry")
	r := k.run(t, "create", "-f", writeTemp(t, "bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers:\n  - {name: app}\n"), "--dry-run=server")
	if r.code != 1 || !strings.Contains(r.stderr, `The Pod "bad" is invalid: spec.containers[0].image: Required value`) {
		t.Errorf("a dry run of an invalid pod: %v", r)
	}

	rv := k.resourceVersion(t, "pod", "web")
	if got := k.ok(t, "patch", "pod", "web", "-p", `{"metadata":{"labels":{"dry":"run"}}}`, "--dry-run=server", "-o", "jsonpath={.metadata.labels.dry}"); got != "run" {
		t.Errorf("patch --dry-run=server returned label %q, want the patched object", got)
	}
	if got := k.jsonpath(t, "{.metadata.resourceVersion} {.metadata.labels.dry}", "pod", "web"); got != rv+" " {
		t.Errorf("after patch --dry-run=server: resourceVersion and label %q, want %q", got, rv+" ")
	}

	rv = k.resourceVersion(t, "pod", "sleeper")
	k.want(t, 0, "pod \"sleeper\" deleted from default namespace (server dry run)\n", "delete", "pod", "sleeper", "--dry-run=server")
	if got := k.jsonpath(t, "{.metadata.resourceVersion} {.metadata.deletionTimestamp} {.status.phase}", "pod", "sleeper"); got != rv+"  Running" {
		t.Errorf("after delete --dry-run=server: %q, want %q (no deletionTimestamp)", got, rv+"  Running")
	}
	rv = k.resourceVersion(t, "configmap", "applied")
	k.want(t, 0, "configmap \"applied\" deleted from default namespace (server dry run)\n", "delete", "configmap", "applied", "--dry-run=server")
	if got := k.resourceVersion(t, "configmap", "applied"); got != rv {
		t.Errorf("delete --dry-run=server moved the resourceVersion %s to %s", rv, got)
	}
}

// kubectlCreate: the create generators for configmaps, secrets and
// namespaces; a namespace's deletion takes its content with it.
func kubectlCreate(t *testing.T, k *kubectl) {
	k.want(t, 0, "configmap/settings created\n", "create", "configmap", "settings", "--from-literal=mode=fast", "--from-literal=level=3")
	if got := k.jsonpath(t, "{.data.mode} {.data.level}", "configmap", "settings"); got != "fast 3" {
		t.Errorf("configmap data %q, want fast 3", got)
	}
	r := k.run(t, "create", "configmap", "settings", "--from-literal=mode=slow")
	if r.code != 1 || r.stderr != "error: failed to create configmap: configmaps \"settings\" already exists\n" {
		t.Errorf("creating it again: %v", r)
	}
	tb := parseTable(t, k.okQuiet(t, "get", "configmap", "settings"))
	if got := strings.Join(tb.header, "|"); got != "NAME|DATA|AGE" || len(tb.rows) != 1 || tb.rows[0][1] != "2" {
		t.Errorf("get configmap settings:\n%v", tb)
	}

	k.want(t, 0, "secret/creds created\n", "create", "secret", "generic", "creds", "--from-literal=password=hunter2")
	if got := k.jsonpath(t, "{.type} {.data.password}", "secret", "creds"); got != "Opaque "+base64.StdEncoding.EncodeToString([]byte("hunter2")) {
		t.Errorf("secret type and data %q, want Opaque and base64 of hunter2", got)
	}
	tb = parseTable(t, k.okQuiet(t, "get", "secret", "creds"))
	if got := strings.Join(tb.header, "|"); got != "NAME|TYPE|DATA|AGE" || len(tb.rows) != 1 || tb.rows[0][1] != "Opaque" || tb.rows[0][2] != "1" {
		t.Errorf("get secret creds:\n%v", tb)
	}

	k.want(t, 0, "namespace/team-a created\n", "create", "namespace", "team-a")
	tb = parseTable(t, k.okQuiet(t, "get", "namespace", "team-a"))
	if got := strings.Join(tb.header, "|"); got != "NAME|STATUS|AGE" || len(tb.rows) != 1 || tb.rows[0][1] != "Active" {
		t.Errorf("get namespace team-a:\n%v", tb)
	}
	if got := k.jsonpath(t, `{.metadata.labels.kubernetes\.io/metadata\.name}`, "namespace", "team-a"); got != "team-a" {
		t.Errorf("namespace label kubernetes.io/metadata.name %q, want team-a", got)
	}
	k.want(t, 0, "configmap/inside created\n", "create", "configmap", "inside", "-n", "team-a", "--from-literal=a=b")
	k.want(t, 0, "namespace \"team-a\" deleted\n", "delete", "namespace", "team-a")
	k.notFound(t, "namespaces", "team-a")
	r = k.run(t, "get", "configmaps", "-n", "team-a")
	if r.code != 0 || r.stdout != "" || r.stderr != "No resources found in team-a namespace.\n" {
		t.Errorf("the deleted namespace's configmaps: %v", r)
	}
}

// kubectlLabelAnnotate: label and annotate, overwrite and remove.
func kubectlLabelAnnotate(t *testing.T, k *kubectl) {
	k.want(t, 0, "pod/web labeled\n", "label", "pod", "web", "tier=front")
	tb := parseTable(t, k.okQuiet(t, "get", "pod", "web", "-L", "tier"))
	if got := strings.Join(tb.header, "|"); got != "NAME|READY|STATUS|RESTARTS|AGE|TIER" || tb.row("web")["TIER"] != "front" {
		t.Errorf("get pod web -L tier:\n%v", tb)
	}
	r := k.run(t, "label", "pod", "web", "tier=back")
	if r.code != 1 || r.stderr != "error: 'tier' already has a value (front), and --overwrite is false\n" {
		t.Errorf("relabel without --overwrite: %v", r)
	}
	k.want(t, 0, "pod/web labeled\n", "label", "pod", "web", "tier=back", "--overwrite")
	if got := k.jsonpath(t, "{.metadata.labels.tier}", "pod", "web"); got != "back" {
		t.Errorf("label tier %q, want back", got)
	}
	k.want(t, 0, "pod/web unlabeled\n", "label", "pod", "web", "tier-")
	if got := k.jsonpath(t, "{.metadata.labels}", "pod", "web"); got != `{"app":"web","edit":"before"}` {
		t.Errorf("labels %s after removing tier", got)
	}
	if out := k.ok(t, "get", "pods", "-l", "app=web", "-o", "name"); out != "pod/web\n" {
		t.Errorf("get pods -l app=web: %q", out)
	}

	k.want(t, 0, "pod/web annotated\n", "annotate", "pod", "web", "lab.podlab.dev/note=hello world")
	if got := k.jsonpath(t, `{.metadata.annotations.lab\.podlab\.dev/note}`, "pod", "web"); got != "hello world" {
		t.Errorf("annotation %q, want hello world", got)
	}
	r = k.run(t, "annotate", "pod", "web", "lab.podlab.dev/note=other")
	if r.code != 1 || r.stderr != "error: --overwrite is false but found the following declared annotation(s): 'lab.podlab.dev/note' already has a value (hello world)\n" {
		t.Errorf("reannotate without --overwrite: %v", r)
	}
	k.want(t, 0, "pod/web annotated\n", "annotate", "pod", "web", "lab.podlab.dev/note-")
	if got := k.jsonpath(t, `{.metadata.annotations.lab\.podlab\.dev/note}`, "pod", "web"); got != "" {
		t.Errorf("annotation %q after removing it", got)
	}
}

// kubectlTaint: a taint added to the node and removed again.
func kubectlTaint(t *testing.T, k *kubectl) {
	t.Cleanup(func() { k.run(t, "taint", "nodes", "node-1", "lab-"); k.run(t, "uncordon", "node-1") })
	k.want(t, 0, "node/node-1 tainted\n", "taint", "nodes", "node-1", "lab=e2e:NoSchedule")
	if got := k.jsonpath(t, "{.spec.taints}", "node", "node-1"); got != `[{"effect":"NoSchedule","key":"lab","value":"e2e"}]` {
		t.Errorf("taints %s", got)
	}
	if out := k.ok(t, "describe", "node", "node-1"); !regexp.MustCompile(`(?m)^Taints:\s+lab=e2e:NoSchedule$`).MatchString(out) {
		t.Errorf("describe node shows no Taints: lab=e2e:NoSchedule:\n%s", out)
	}
	r := k.run(t, "taint", "nodes", "node-1", "lab=e2e:NoSchedule")
	if r.code != 1 || r.stderr != "error: node node-1 already has lab taint(s) with same effect(s) and --overwrite is false\n" {
		t.Errorf("the same taint again: %v", r)
	}
	k.want(t, 0, "node/node-1 untainted\n", "taint", "nodes", "node-1", "lab=e2e:NoSchedule-")
	if got := k.jsonpath(t, "{.spec.taints}", "node", "node-1"); got != "" {
		t.Errorf("taints %s after removing the taint", got)
	}
	if out := k.ok(t, "describe", "node", "node-1"); !regexp.MustCompile(`(?m)^Taints:\s+<none>$`).MatchString(out) {
		t.Errorf("describe node shows taints after their removal:\n%s", out)
	}
}

// kubectlCordon: cordon marks the node unschedulable, shown in its STATUS.
func kubectlCordon(t *testing.T, k *kubectl) {
	t.Cleanup(func() { k.run(t, "uncordon", "node-1") })
	status := func() string {
		t.Helper()
		tb := parseTable(t, k.okQuiet(t, "get", "nodes"))
		if got := strings.Join(tb.header, "|"); got != "NAME|STATUS|ROLES|AGE|VERSION" {
			t.Fatalf("get nodes header %s", got)
		}
		return tb.row("node-1")["STATUS"]
	}
	if got := status(); got != "Ready" {
		t.Fatalf("node-1 STATUS %q before cordon, want Ready", got)
	}
	k.want(t, 0, "node/node-1 cordoned\n", "cordon", "node-1")
	if got := status(); got != "Ready,SchedulingDisabled" {
		t.Errorf("node-1 STATUS %q after cordon, want Ready,SchedulingDisabled", got)
	}
	if got := k.jsonpath(t, "{.spec.unschedulable}", "node", "node-1"); got != "true" {
		t.Errorf("spec.unschedulable %q after cordon", got)
	}
	k.want(t, 0, "node/node-1 already cordoned\n", "cordon", "node-1")

	// Upstream's node lifecycle controller taints a cordoned node
	// (TaintNodesByCondition), so describe shows the taint too.
	t.Run("unschedulable-taint", func(t *testing.T) {
		deadline := time.Now().Add(5 * time.Second)
		for {
			out := k.ok(t, "describe", "node", "node-1")
			if regexp.MustCompile(`(?m)^Taints:\s+node.kubernetes.io/unschedulable:NoSchedule$`).MatchString(out) &&
				regexp.MustCompile(`(?m)^Unschedulable:\s+true$`).MatchString(out) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("describe node of a cordoned node, want Taints: node.kubernetes.io/unschedulable:NoSchedule and Unschedulable: true, as upstream:\n%s", out)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})

	k.want(t, 0, "node/node-1 uncordoned\n", "uncordon", "node-1")
	if got := status(); got != "Ready" {
		t.Errorf("node-1 STATUS %q after uncordon, want Ready", got)
	}
	if got := k.jsonpath(t, "{.spec.unschedulable}", "node", "node-1"); got != "" {
		t.Errorf("spec.unschedulable %q after uncordon", got)
	}
}

// kubectlPatch: the three patch types. A strategic merge patch merges the
// containers list by name; a merge patch replaces the list (which a pod
// forbids); a JSON patch addresses it by index.
func kubectlPatch(t *testing.T, k *kubectl) {
	containers := func() string {
		t.Helper()
		return k.jsonpath(t, `{range .spec.containers[*]}{.name}={.image} {.command}{"\n"}{end}`, "pod", "patched")
	}
	loop := `["sh","-c","trap 'exit 0' TERM; while true; do sleep 1; done"]`
	k.want(t, 0, "pod/patched patched\n", "patch", "pod", "patched", "-p", `{"spec":{"containers":[{"name":"app","image":"busybox:1.35"}]}}`)
	if got := containers(); got != "app=busybox:1.35 "+loop+"\n" {
		t.Errorf("containers after the strategic merge patch:\n%s", got)
	}

	r := k.run(t, "patch", "pod", "patched", "--type=merge", "-p", `{"spec":{"containers":[{"name":"app","image":"busybox"}]}}`)
	if r.code != 1 || !strings.HasPrefix(r.stderr, "The Pod \"patched\" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`") {
		t.Errorf("a merge patch replacing the containers: %v", r)
	}
	k.want(t, 0, "pod/patched patched\n", "patch", "pod", "patched", "--type=merge", "-p", `{"metadata":{"labels":{"merged":"yes"}}}`)
	if got := k.jsonpath(t, "{.metadata.labels.merged}", "pod", "patched"); got != "yes" {
		t.Errorf("label merged %q after the merge patch", got)
	}

	k.want(t, 0, "pod/patched patched\n", "patch", "pod", "patched", "--type=json", "-p", `[{"op":"replace","path":"/spec/containers/0/image","value":"busybox"},{"op":"add","path":"/metadata/labels/json","value":"yes"}]`)
	if got := containers(); got != "app=busybox "+loop+"\n" {
		t.Errorf("containers after the JSON patch:\n%s", got)
	}
	// A patch that changes nothing says so (kubectl compares the object
	// before and after): on the completed pod, whose status stays still.
	k.want(t, 0, "pod/done patched\n", "patch", "pod", "done", "--type=merge", "-p", `{"metadata":{"labels":{"patched":"yes"}}}`)
	rv := k.resourceVersion(t, "pod", "done")
	for _, p := range []struct{ typ, patch string }{
		{"strategic", `{"metadata":{"labels":{"patched":"yes"}}}`},
		{"merge", `{"metadata":{"labels":{"patched":"yes"}}}`},
		{"json", `[{"op":"add","path":"/metadata/labels/patched","value":"yes"}]`},
	} {
		k.want(t, 0, "pod/done patched (no change)\n", "patch", "pod", "done", "--type="+p.typ, "-p", p.patch)
	}
	if got := k.resourceVersion(t, "pod", "done"); got != rv {
		t.Errorf("no-op patches moved the resourceVersion %s to %s", rv, got)
	}
	// Two changes of the spec, each a new generation; the no-op patches none.
	if got := k.jsonpath(t, "{.metadata.generation}", "pod", "patched"); got != "3" {
		t.Errorf("generation %s after two image changes and two no-op patches, want 3", got)
	}
}

// kubectlEdit: edit with KUBE_EDITOR a script that changes a label.
func kubectlEdit(t *testing.T, k *kubectl) {
	dir := t.TempDir()
	editor := filepath.Join(dir, "editor")
	if err := os.WriteFile(editor, []byte("#!/bin/sh\nsed -i 's/^    edit: before$/    edit: after/' \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := k.runWith(t, "", []string{"KUBE_EDITOR=" + editor}, "edit", "pod", "web")
	if r.code != 0 || r.stdout != "pod/web edited\n" {
		t.Fatalf("edit: %v", r)
	}
	if got := k.jsonpath(t, "{.metadata.labels.edit}", "pod", "web"); got != "after" {
		t.Errorf("label edit %q after the edit, want after", got)
	}
	r = k.runWith(t, "", []string{"KUBE_EDITOR=true"}, "edit", "pod", "web")
	if r.code != 0 || r.stdout != "" || r.stderr != "Edit cancelled, no changes made.\n" {
		t.Errorf("an edit that changes nothing: %v", r)
	}
	k.ok(t, "label", "pod", "web", "edit=before", "--overwrite")
}

// kubectlExplain: explain reads the schema from the server's OpenAPI.
func kubectlExplain(t *testing.T, k *kubectl) {
	out := k.okQuiet(t, "explain", "pod.spec.containers")
	if !strings.HasPrefix(out, "KIND:       Pod\nVERSION:    v1\n\nFIELD: containers <[]Container>\n\n\nDESCRIPTION:\n    List of containers belonging to the pod.") {
		t.Errorf("explain pod.spec.containers begins otherwise:\n%s", out)
	}
	for _, re := range []string{
		`(?m)^FIELDS:$`,
		`(?m)^  name\t<string> -required-$`,
		`(?m)^  image\t<string>$`,
		`(?m)^  ports\t<\[\]ContainerPort>$`,
		`(?m)^  livenessProbe\t<Probe>$`,
		`(?m)^  imagePullPolicy\t<string>\n  enum: Always, IfNotPresent, Never$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("explain pod.spec.containers has no match for %s", re)
		}
	}
	if out := k.ok(t, "explain", "pods", "--recursive"); !regexp.MustCompile(`(?m)^      terminationMessagePolicy\t<string>$`).MatchString(out) {
		t.Errorf("explain pods --recursive lacks spec.containers.terminationMessagePolicy:\n%s", out)
	}
	r := k.run(t, "explain", "pod.spec.nosuchfield")
	if r.code != 1 || r.stderr != "error: field \"nosuchfield\" does not exist\n" {
		t.Errorf("explain of a missing field: %v", r)
	}
}

// kubectlWait: wait for a condition, for a JSONPath value, for deletion, and
// a timeout.
func kubectlWait(t *testing.T, k *kubectl) {
	k.want(t, 0, "pod/web condition met\npod/sleeper condition met\n", "wait", "--for=condition=Ready", "pod/web", "pod/sleeper", "--timeout=30s")
	k.want(t, 0, "pod/done condition met\n", "wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/done", "--timeout=30s")
	r := k.run(t, "wait", "--for=condition=Ready", "pod/stuck", "--timeout=1s")
	if r.code != 1 || r.stderr != "error: timed out waiting for the condition on pods/stuck\n" {
		t.Errorf("wait on a pod that never gets ready: %v", r)
	}

	// Its TERM trap takes two seconds: wait finds the pod before it goes.
	k.applyFile(t, "gone.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: gone}\nspec:\n  containers:\n  - name: app\n    image: busybox\n    command: [\"sh\", \"-c\", \"trap 'sleep 2; exit 0' TERM; while true; do sleep 1; done\"]\n")
	k.want(t, 0, "pod/gone condition met\n", "wait", "--for=condition=Ready", "pod/gone", "--timeout=60s")
	w := k.start(t, "wait", "--for=delete", "pod/gone", "--timeout=60s")
	k.ok(t, "delete", "pod", "gone", "--wait=false")
	if got := k.jsonpath(t, "{.metadata.name}", "pod", "gone"); got != "gone" {
		t.Fatalf("the pod went at once (%q): the test cannot tell wait --for=delete waited", got)
	}
	if code := w.wait(t, time.Minute); code != 0 || w.stdout() != "pod/gone condition met\n" {
		t.Fatalf("wait --for=delete: exit %d, stdout %q, stderr %q", code, w.stdout(), w.stderr())
	}
	k.notFound(t, "pods", "gone")
}

// kubectlDelete: delete returns once the pod is gone: its containers have
// stopped and the API has none.
func kubectlDelete(t *testing.T, l *lab, k *kubectl) {
	start := time.Now()
	k.want(t, 0, "pod \"victim\" deleted from default namespace\n", "delete", "pod", "victim")
	took := time.Since(start)
	k.notFound(t, "pods", "victim")
	for _, c := range l.containers(l.labID()) {
		if c.Labels["podlab.dev/pod-name"] == "victim" && c.State == "running" {
			t.Errorf("container %s of the deleted pod still runs", c.Names)
		}
	}
	// Its TERM trap sleeps a second: delete waited for it.
	if took < time.Second {
		t.Errorf("delete returned after %s, before the pod's container ended", took)
	}
	r := k.run(t, "delete", "pod", "victim")
	if r.code != 1 || r.stderr != "Error from server (NotFound): pods \"victim\" not found\n" {
		t.Errorf("deleting it again: %v", r)
	}
}

// kubectlAuth: auth can-i and auth whoami for the lab's client certificate.
func kubectlAuth(t *testing.T, l *lab, k *kubectl) {
	for _, args := range [][]string{{"create", "pods"}, {"delete", "nodes"}, {"get", "pods", "--subresource=log"}, {"*", "*"}} {
		k.want(t, 0, "yes\n", append([]string{"auth", "can-i"}, args...)...)
	}
	tb := parseTable(t, k.okQuiet(t, "auth", "can-i", "--list"))
	if got := strings.Join(tb.header, "|"); got != "Resources|Non-Resource URLs|Resource Names|Verbs" {
		t.Errorf("auth can-i --list header %s", got)
	}
	if !slices.ContainsFunc(tb.rows, func(r []string) bool { return strings.Join(r, "|") == "*.*|[]|[]|[*]" }) ||
		!slices.ContainsFunc(tb.rows, func(r []string) bool { return strings.Join(r, "|") == "|[*]|[]|[*]" }) {
		t.Errorf("auth can-i --list lacks system:masters' rules *.* and [*]:\n%v", tb.rows)
	}

	out := k.okQuiet(t, "auth", "whoami")
	cert, err := os.ReadFile(filepath.Join(l.home, "pki", "client.crt"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(cert)
	if block == nil {
		t.Fatal("pki/client.crt is not PEM")
	}
	if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(block.Bytes)
	want := "ATTRIBUTE                                           VALUE\n" +
		"Username                                            podlab\n" +
		"Groups                                              [system:masters system:authenticated]\n" +
		"Extra: authentication.kubernetes.io/credential-id   [X509SHA256=" + hex.EncodeToString(sum[:]) + "]\n"
	if out != want {
		t.Errorf("auth whoami printed\n%s\nwant\n%s", out, want)
	}
}

// kubectlEvents: kubectl events and get events list what happened to the pods.
func kubectlEvents(t *testing.T, k *kubectl) {
	tb := parseTable(t, k.okQuiet(t, "events"))
	if got := strings.Join(tb.header, "|"); got != "LAST SEEN|TYPE|REASON|OBJECT|MESSAGE" {
		t.Fatalf("kubectl events header %s", got)
	}
	has := func(tb table, cells ...string) bool {
		return slices.ContainsFunc(tb.rows, func(r []string) bool { return strings.Join(r[1:], "|") == strings.Join(cells, "|") })
	}
	webNode, sleeperNode := k.jsonpath(t, "{.spec.nodeName}", "pod", "web"), k.jsonpath(t, "{.spec.nodeName}", "pod", "sleeper")
	for _, want := range [][]string{
		{"Normal", "Scheduled", "Pod/web", "Successfully assigned default/web to " + webNode},
		{"Normal", "Created", "Pod/web", "Created container: nginx"},
		{"Normal", "Started", "Pod/web", "Started container nginx"},
		{"Normal", "Killing", "Pod/victim", "Stopping container app"},
	} {
		if !has(tb, want...) {
			t.Errorf("kubectl events has no row %q", want)
		}
	}
	if t.Failed() {
		t.Logf("kubectl events:\n%v", tb.rows)
	}
	tb = parseTable(t, k.okQuiet(t, "events", "--for", "pod/sleeper"))
	if len(tb.rows) == 0 || !has(tb, "Normal", "Scheduled", "Pod/sleeper", "Successfully assigned default/sleeper to "+sleeperNode) {
		t.Errorf("kubectl events --for pod/sleeper:\n%v", tb.rows)
	}
	for _, r := range tb.rows {
		if r[3] != "Pod/sleeper" {
			t.Errorf("kubectl events --for pod/sleeper lists %v", r)
		}
	}
	tb = parseTable(t, k.okQuiet(t, "get", "events", "--field-selector", "involvedObject.name=web"))
	if got := strings.Join(tb.header, "|"); got != "LAST SEEN|TYPE|REASON|OBJECT|MESSAGE" {
		t.Fatalf("kubectl get events header %s", got)
	}
	if !has(tb, "Normal", "Scheduled", "pod/web", "Successfully assigned default/web to "+webNode) {
		t.Errorf("kubectl get events has no Scheduled row of pod/web:\n%v", tb.rows)
	}
	for _, r := range tb.rows {
		if r[3] != "pod/web" {
			t.Errorf("get events --field-selector involvedObject.name=web lists %v", r)
		}
	}
}
