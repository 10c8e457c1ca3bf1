package kubectl

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
)

// logsWorkloads are a Deployment, a Service and a ConfigMap over pods
// labelled app=x (the test adds the pods: the harness runs no controllers).
const logsWorkloads = `apiVersion: apps/v1
kind: Deployment
metadata: {name: x}
spec:
  replicas: 2
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec:
      containers:
      - {name: app, image: busybox}
---
apiVersion: v1
kind: Service
metadata: {name: x}
spec:
  selector: {app: x}
  ports:
  - port: 80
---
apiVersion: v1
kind: ConfigMap
metadata: {name: x}
`

// xPod is a pod of app x, bound to the node; running ones are Running,
// the others Pending.
func xPod(h *harness, name string, running bool, containers ...string) {
	h.T.Helper()
	m := "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", labels: {app: x}}\nspec:\n  containers:\n"
	for _, c := range containers {
		m += "  - {name: " + c + ", image: busybox}\n"
	}
	if _, errOut, code := h.Run("", "apply", "-f", h.File(name+".yaml", m)); code != 0 {
		h.T.Fatal(errOut)
	}
	h.Bind("default", name)
	if !running {
		return
	}
	if _, err := h.St.GuaranteedUpdate(api.Pods, "default", name, func(o api.Object) (api.Object, error) {
		o.(*corev1.Pod).Status.Phase = corev1.PodRunning
		return o, nil
	}); err != nil {
		h.T.Fatal(err)
	}
}

func TestLogsOfAWorkloadReadOnePodAsKubectlChoosesIt(t *testing.T) {
	h := newHarness(t)
	h.Run("", "apply", "-f", h.File("x.yaml", logsWorkloads))
	// kubectl's ByLogging: the Running pod before the Pending one.
	xPod(h, "x-a", false, "app")
	xPod(h, "x-b", true, "app")
	for _, arg := range []string{"deployment/x", "deploy/x", "svc/x", "service/x"} {
		out, errOut, code := h.Run("", "logs", arg)
		if code != 0 || out != "logs of x-b/app\n" || errOut != "Found 2 pods, using pod/x-b\n" {
			t.Errorf("logs %s: %d %q %q", arg, code, out, errOut)
		}
	}
	if out, errOut, code := h.Run("", "logs", "deployment/x", "--all-pods"); code != 0 || errOut != "" ||
		out != "[pod/x-b/app] logs of x-b/app\n[pod/x-a/app] logs of x-a/app\n" {
		t.Errorf("--all-pods: %d %q %q", code, out, errOut)
	}
	if _, errOut, code := h.Run("", "logs", "configmap/x"); code != 1 ||
		errOut != "error: cannot get the logs from *v1.ConfigMap: selector for *v1.ConfigMap not implemented\n" {
		t.Errorf("configmap: %d %q", code, errOut)
	}
	if _, errOut, code := h.Run("", "logs", "deployment/nope"); code != 1 ||
		errOut != "error: error from server (NotFound): deployments.apps \"nope\" not found in namespace \"default\"\n" {
		t.Errorf("missing deployment: %d %q", code, errOut)
	}
	if _, errOut, code := h.Run("", "logs", "nope"); code != 1 ||
		errOut != "error: error from server (NotFound): pods \"nope\" not found in namespace \"default\"\n" {
		t.Errorf("missing pod: %d %q", code, errOut)
	}
}

func TestLogsOfAWorkloadWithNoPodsWaitsThenTimesOut(t *testing.T) {
	h := newHarness(t)
	h.Run("", "apply", "-f", h.File("x.yaml", logsWorkloads))
	_, errOut, code := h.Run("", "logs", "deployment/x", "--pod-running-timeout=300ms")
	if code != 1 || errOut != "error: timed out waiting for the condition\n" {
		t.Fatalf("no pods: %d %q", code, errOut)
	}
	if _, errOut, code := h.Run("", "logs", "deployment/x", "--pod-running-timeout=0s"); code != 1 ||
		errOut != "error: --pod-running-timeout must be higher than zero\n" {
		t.Fatalf("zero timeout: %d %q", code, errOut)
	}
}

func TestLogsBySelectorReadEveryPod(t *testing.T) {
	h := newHarness(t)
	xPod(h, "x-a", true, "app")
	xPod(h, "x-b", true, "app", "side")
	h.RunningPod("web") // app=web: not selected
	out, errOut, code := h.Run("", "logs", "-l", "app=x", "--prefix")
	// Without -c kubectl defaults each pod's container, saying so for a
	// pod with several; the prefix is [pod/NAME/CONTAINER].
	if code != 0 || out != "[pod/x-a/app] logs of x-a/app\n[pod/x-b/app] logs of x-b/app\n" ||
		errOut != "Defaulted container \"app\" out of: app, side\n" {
		t.Fatalf("-l --prefix: %d %q %q", code, out, errOut)
	}
	if out, _, _ := h.Run("", "logs", "-l", "app=x", "--all-containers"); out != "logs of x-a/app\nlogs of x-b/app\nlogs of x-b/side\n" {
		t.Errorf("-l --all-containers: %q", out)
	}
	if out, errOut, _ := h.Run("", "logs", "-l", "app=x", "-c", "side", "--prefix"); out != "" ||
		errOut != "error: container side is not valid for pod x-a out of: app\n" {
		t.Errorf("-c missing in a pod: %q %q", out, errOut)
	}
	if out, errOut, code := h.Run("", "logs", "-l", "app=none"); code != 0 || out != "" || errOut != "No resources found in default namespace.\n" {
		t.Errorf("nothing selected: %d %q %q", code, out, errOut)
	}
	if _, errOut, code := h.Run("", "logs", "x-a", "-l", "app=x"); code != 1 ||
		errOut != "error: only a selector (-l) or a POD name is allowed\nSee 'podlab logs -h' for help and examples\n" {
		t.Errorf("name and selector: %d %q", code, errOut)
	}
	if _, errOut, code := h.Run("", "logs"); code != 1 || !strings.HasPrefix(errOut,
		"error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command\n") {
		t.Errorf("no argument: %d %q", code, errOut)
	}
}

func TestLogsFollowSeveralStreamsUpToTheLimit(t *testing.T) {
	h := newHarness(t)
	xPod(h, "x-a", true, "app")
	xPod(h, "x-b", true, "app")
	xPod(h, "x-c", true, "app")
	_, errOut, code := h.Run("", "logs", "-f", "-l", "app=x", "--max-log-requests=2")
	if code != 1 || errOut != "error: you are attempting to follow 3 log streams, but maximum allowed concurrency is 2, use --max-log-requests to increase the limit\n" {
		t.Fatalf("over the limit: %d %q", code, errOut)
	}
	// Within it, the streams are read at once; each line whole, prefixed.
	out, errOut, code := h.Run("", "logs", "-f", "-l", "app=x", "--prefix")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 0 || errOut != "" || len(lines) != 3 {
		t.Fatalf("-f -l: %d %q %q", code, out, errOut)
	}
	for _, p := range []string{"x-a", "x-b", "x-c"} {
		if !strings.Contains(out, "[pod/"+p+"/app] logs of "+p+"/app\n") {
			t.Errorf("-f -l printed no whole line of %s:\n%s", p, out)
		}
	}
}

func TestLogsValidateAsKubectl(t *testing.T) {
	h := newHarness(t)
	h.RunningPod("web")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"web", "-c", "nope"}, "error: container nope is not valid for pod web out of: app\n"},
		{[]string{"web", "app", "-c", "app"}, "error: only one of -c or an inline [CONTAINER] arg is allowed\n"},
		{[]string{"web", "-c", "app", "--all-containers"}, "error: --all-containers=true should not be specified with container name app\n"},
		{[]string{"web", "--since=1h", "--since-time=2026-01-01T00:00:00Z"}, "error: at most one of `sinceTime` or `sinceSeconds` may be specified\n"},
		{[]string{"web", "--tail=-2"}, "error: --tail must be greater than or equal to -1\n"},
		{[]string{"web", "--limit-bytes=-1"}, "error: --limit-bytes must be greater than 0\n"},
		{[]string{"web", "--since=-1s"}, "error: --since must be greater than 0\n"},
	} {
		if out, errOut, code := h.Run("", append([]string{"logs"}, c.args...)...); code != 1 || out != "" || errOut != c.want {
			t.Errorf("logs %v: %d %q %q, want %q", c.args, code, out, errOut, c.want)
		}
	}
}

func TestLogOptionsAsKubectlSendsThem(t *testing.T) {
	f := logsFlags{tail: -1, selector: "app=x", since: 1500 * time.Millisecond}
	o, err := f.podLogOptions(false)
	// -l without --tail reads the last 10 lines; --since rounds to the nearest second.
	if err != nil || o.TailLines == nil || *o.TailLines != 10 || *o.SinceSeconds != 2 {
		t.Fatalf("selector defaults: %+v %v", o, err)
	}
	if o, _ := f.podLogOptions(true); o.TailLines != nil {
		t.Errorf("--tail=-1 given with -l: tail %d, want all", *o.TailLines)
	}
	f = logsFlags{tail: 3, since: 1400 * time.Millisecond, sinceTime: "2026-01-02T03:04:05.5Z"}
	o, _ = f.podLogOptions(true)
	if *o.TailLines != 3 || *o.SinceSeconds != 1 || !o.SinceTime.Equal(&metav1.Time{Time: time.Date(2026, 1, 2, 3, 4, 5, 5e8, time.UTC)}) {
		t.Errorf("options: %+v", o)
	}
	if _, err := (&logsFlags{tail: -1, sinceTime: "yesterday"}).podLogOptions(false); err == nil {
		t.Error("a --since-time that is no RFC 3339 time was accepted")
	}
}

func TestLoggingOrderIsKubectlsByLogging(t *testing.T) {
	now := time.Now()
	ready := func(at time.Time) []corev1.PodCondition {
		return []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(at)}}
	}
	pod := func(name, node string, phase corev1.PodPhase, conds []corev1.PodCondition, restarts int32, created time.Time) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(created)},
			Spec:   corev1.PodSpec{NodeName: node},
			Status: corev1.PodStatus{Phase: phase, Conditions: conds, ContainerStatuses: []corev1.ContainerStatus{{RestartCount: restarts}}}}
	}
	for _, c := range []struct {
		first, second *corev1.Pod
		why           string
	}{
		{pod("a", "n", corev1.PodPending, nil, 0, now), pod("b", "", corev1.PodRunning, nil, 0, now), "assigned first"},
		{pod("a", "n", corev1.PodRunning, nil, 0, now), pod("b", "n", corev1.PodPending, nil, 0, now), "running first"},
		{pod("a", "n", corev1.PodRunning, ready(now), 0, now), pod("b", "n", corev1.PodRunning, nil, 0, now), "ready first"},
		{pod("a", "n", corev1.PodRunning, ready(now.Add(-time.Hour)), 0, now), pod("b", "n", corev1.PodRunning, ready(now), 0, now), "ready longer first"},
		{pod("a", "n", corev1.PodRunning, nil, 3, now), pod("b", "n", corev1.PodRunning, nil, 1, now), "more restarts first"},
		{pod("a", "n", corev1.PodRunning, nil, 0, now.Add(-time.Hour)), pod("b", "n", corev1.PodRunning, nil, 0, now), "older first"},
	} {
		if !loggingLess(c.first, c.second) || loggingLess(c.second, c.first) {
			t.Errorf("%s: the order is wrong", c.why)
		}
	}
}

// The default-container annotation picks each selected pod's container.
func TestLogsBySelectorHonourTheDefaultContainer(t *testing.T) {
	h := newHarness(t)
	xPod(h, "x-a", true, "app", "side")
	h.Run("", "annotate", "pod", "x-a", defaultContainerAnnotation+"=side")
	if out, errOut, _ := h.Run("", "logs", "-l", "app=x"); out != "logs of x-a/side\n" || errOut != "" {
		t.Fatalf("annotated: %q %q", out, errOut)
	}
}

// --ignore-errors prints a refused log as "error: ..." where the log would
// go, and goes on: --since=400ms rounds to 0 s, which the server refuses.
func TestLogsIgnoreErrorsGoesOn(t *testing.T) {
	h := newHarness(t)
	xPod(h, "x-a", true, "app")
	xPod(h, "x-b", true, "app")
	out, errOut, code := h.Run("", "logs", "-l", "app=x", "--since=400ms", "--ignore-errors")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 0 || errOut != "" || len(lines) != 2 || !strings.HasPrefix(lines[0], "error: ") ||
		!strings.Contains(lines[0], `"x-a"`) || !strings.Contains(lines[1], `"x-b"`) || !strings.Contains(out, "sinceSeconds") {
		t.Fatalf("--ignore-errors: %d %q %q", code, out, errOut)
	}
	if out, _, code := h.Run("", "logs", "-l", "app=x", "--since=400ms"); code != 1 || out != "" {
		t.Fatalf("without --ignore-errors: %d %q", code, out)
	}
}

// With -f kubectl retries a log the server refuses, once a second, saying
// why each time on stderr, until --pod-running-timeout.
func TestLogsFollowRetriesARefusedLog(t *testing.T) {
	h := newHarness(t)
	h.RunningPod("web")
	out, errOut, code := h.Run("", "logs", "web", "-f", "--since=400ms", "--pod-running-timeout=2500ms")
	if tries := strings.Count(errOut, "sinceSeconds"); code != 1 || out != "" || tries < 2 || !strings.HasSuffix(errOut, "error: context deadline exceeded\n") {
		t.Fatalf("-f refused: %d %q %q", code, out, errOut)
	}
}

// logsMoreWorkloads select app=x as well: each kind kubectl reads a
// selector from.
const logsMoreWorkloads = `apiVersion: v1
kind: ReplicationController
metadata: {name: x}
spec:
  selector: {app: x}
  template:
    metadata: {labels: {app: x}}
    spec:
      containers:
      - {name: app, image: busybox}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: x}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec:
      containers:
      - {name: app, image: busybox}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: x}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec:
      containers:
      - {name: app, image: busybox}
---
apiVersion: batch/v1
kind: Job
metadata: {name: x}
spec:
  manualSelector: true
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec:
      restartPolicy: Never
      containers:
      - {name: app, image: busybox}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: x}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec:
      containers:
      - {name: app, image: busybox}
`

func TestLogsOfEveryWorkloadKind(t *testing.T) {
	h := newHarness(t)
	if _, errOut, code := h.Run("", "apply", "-f", h.File("more.yaml", logsMoreWorkloads)); code != 0 {
		t.Fatal(errOut)
	}
	xPod(h, "x-a", true, "app")
	// One pod: no "Found" notice.
	for _, arg := range []string{"rc/x", "replicationcontroller/x", "ds/x", "daemonset/x", "statefulset/x", "sts/x", "job/x", "rs/x", "replicaset/x"} {
		if out, errOut, code := h.Run("", "logs", arg, "--prefix"); code != 0 || out != "[pod/x-a/app] logs of x-a/app\n" || errOut != "" {
			t.Errorf("logs %s: %d %q %q", arg, code, out, errOut)
		}
	}
}
