package kubectl

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/internal/kubetest"
	"github.com/podlab/podlab/runtime/api"
)

func (h *harness) pods() []*corev1.Pod {
	h.T.Helper()
	objs, _, err := h.St.List(api.Pods, "", metav1.ListOptions{})
	if err != nil {
		h.T.Fatal(err)
	}
	var out []*corev1.Pod
	for _, o := range objs {
		out = append(out, o.(*corev1.Pod))
	}
	return out
}

func TestRunDryRunClientPrintsTheManifest(t *testing.T) {
	h := newHarness(t)
	out, errOut, code := h.Run("", "run", "web", "--image=nginx", "--port=80", "--dry-run=client", "-o", "yaml")
	if code != 0 || errOut != "" {
		t.Fatalf("%d %q", code, errOut)
	}
	cliGolden(t, "run-dry-run", out)
	if out, _, _ := h.Run("", "run", "web", "--image=nginx", "--dry-run=client"); out != "pod/web created (dry run)\n" {
		t.Fatalf("dry run without -o: %q", out)
	}
	if out, _, _ := h.Run("", "run", "web", "--image=nginx", "--dry-run=client", "-o", "name"); out != "pod/web\n" {
		t.Fatalf("-o name: %q", out)
	}
	if ps := h.pods(); len(ps) != 0 {
		t.Fatalf("a dry run created %d pods", len(ps))
	}
}

func TestRunCreatesThePodAsKubectlDoes(t *testing.T) {
	h := newHarness(t)
	out, errOut, code := h.Run("", "run", "web", "--image=nginx", "--port=80", "--env=GREETING=hi", "--env", "EMPTY=",
		"--image-pull-policy=IfNotPresent", "--", "--listen", ":80")
	if code != 0 || out != "pod/web created\n" {
		t.Fatalf("%d %q %q", code, out, errOut)
	}
	o, err := h.St.Get(api.Pods, "default", "web")
	if err != nil {
		t.Fatal(err)
	}
	p := o.(*corev1.Pod)
	c := p.Spec.Containers[0]
	if p.Labels["run"] != "web" || len(p.Labels) != 1 || len(p.Spec.Containers) != 1 || c.Name != "web" || c.Image != "nginx" ||
		len(c.Ports) != 1 || c.Ports[0].ContainerPort != 80 || strings.Join(c.Args, " ") != "--listen :80" || c.Command != nil ||
		c.ImagePullPolicy != corev1.PullIfNotPresent || len(c.Env) != 2 || c.Env[0] != (corev1.EnvVar{Name: "GREETING", Value: "hi"}) ||
		p.Spec.RestartPolicy != corev1.RestartPolicyAlways || p.Spec.DNSPolicy != corev1.DNSClusterFirst {
		t.Fatalf("pod: labels %v spec %+v", p.Labels, p.Spec)
	}

	// --command makes the arguments the command; --labels replaces run=NAME; -n picks the namespace.
	out, errOut, code = h.Run("", "run", "sleeper", "-n", "team", "--image=busybox", "--restart=Never", "--labels=app=sleep,tier=back", "--command", "--", "sleep", "3600")
	if code != 0 || out != "pod/sleeper created\n" {
		t.Fatalf("%d %q %q", code, out, errOut)
	}
	o, err = h.St.Get(api.Pods, "team", "sleeper")
	if err != nil {
		t.Fatal(err)
	}
	p = o.(*corev1.Pod)
	if strings.Join(p.Spec.Containers[0].Command, " ") != "sleep 3600" || p.Spec.Containers[0].Args != nil ||
		p.Labels["app"] != "sleep" || p.Labels["tier"] != "back" || p.Labels["run"] != "" || p.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Fatalf("pod: labels %v spec %+v", p.Labels, p.Spec)
	}

	// The server's errors come back kubectl's way.
	if _, errOut, code := h.Run("", "run", "web", "--image=nginx"); code != 1 || errOut != "Error from server (AlreadyExists): pods \"web\" already exists\n" {
		t.Fatalf("duplicate: %d %q", code, errOut)
	}
	if _, errOut, code := h.Run("", "run", "Bad_Name", "--image=nginx"); code != 1 || !strings.HasPrefix(errOut, "Error from server (Invalid): ") {
		t.Fatalf("invalid name: %d %q", code, errOut)
	}
}

func TestRunOverridesAndServerDryRun(t *testing.T) {
	h := newHarness(t)
	out, errOut, code := h.Run("", "run", "web", "--image=nginx", "--dry-run=client", "-o", "json",
		`--overrides={"metadata":{"labels":{"team":"a"}},"spec":{"hostname":"box"}}`)
	if code != 0 || !strings.Contains(out, `"team": "a"`) || !strings.Contains(out, `"run": "web"`) || !strings.Contains(out, `"hostname": "box"`) {
		t.Fatalf("merge overrides: %d %q\n%s", code, errOut, out)
	}
	out, errOut, code = h.Run("", "run", "web", "--image=nginx", "--dry-run=server")
	if code != 0 || out != "pod/web created (server dry run)\n" || len(h.pods()) != 0 {
		t.Fatalf("server dry run: %d %q %q", code, out, errOut)
	}
	// The server's defaults show, and its validation applies.
	out, _, _ = h.Run("", "run", "web", "--image=nginx", "--dry-run=server", "-o", "yaml")
	if !strings.Contains(out, "imagePullPolicy: Always\n") || !strings.Contains(out, "namespace: default\n") || !strings.Contains(out, "phase: Pending\n") {
		t.Fatalf("server dry run -o yaml:\n%s", out)
	}
	if _, errOut, code := h.Run("", "run", "web", "--image=nginx", "--port=99999", "--dry-run=server"); code != 1 || !strings.Contains(errOut, "Error from server (Invalid): ") || !strings.Contains(errOut, "containerPort") {
		t.Fatalf("server dry run validation: %d %q", code, errOut)
	}
	h.Run("", "run", "web", "--image=nginx")
	if _, errOut, code := h.Run("", "run", "web", "--image=nginx", "--dry-run=server"); code != 1 || errOut != "Error from server (AlreadyExists): pods \"web\" already exists\n" {
		t.Fatalf("server dry run of an existing pod: %d %q", code, errOut)
	}
}

func TestRunFlagErrors(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--image=nginx"}, "error: NAME is required for run\n"},
		{[]string{"run", "web"}, "error: --image is required\n"},
		{[]string{"run", "web", "--image=nginx", "-t"}, "error: -i/--stdin is required for containers with -t/--tty=true\n"},
		{[]string{"run", "web", "--image=nginx", "--rm"}, "error: --rm should only be used for attached containers\n"},
		{[]string{"run", "web", "--image=nginx", "--restart=Sometimes"}, "error: invalid restart policy: Sometimes\n"},
		{[]string{"run", "web", "--image=nginx", "--dry-run=maybe"}, "error: Invalid dry-run value (maybe). Must be \"none\", \"server\", or \"client\".\n"},
		{[]string{"run", "web", "--image=nginx", "-i", "--dry-run=client"}, "error: --dry-run=[server|client] can't be used with attached containers options (--attach, --stdin, or --tty)\n"},
		{[]string{"run", "web", "--image=nginx", "--env=NOVALUE"}, "error: invalid env: NOVALUE\n"},
		{[]string{"run", "web", "--image=nginx", "--labels=oops"}, "error: invalid label spec: oops\n"},
	} {
		if out, errOut, code := h.Run("", tc.args...); code != 1 || out != "" || errOut != tc.want {
			t.Errorf("%v: %d %q %q", tc.args, code, out, errOut)
		}
	}
	if ps := h.pods(); len(ps) != 0 {
		t.Fatalf("bad flags created %d pods", len(ps))
	}
}

// setPodStatus stands in for the scheduler and the kubelet: as soon as the
// pod exists it binds it to the test node and sets its status.
func (h *harness) setPodStatus(name string, status corev1.PodStatus) {
	go func() {
		for range 200 {
			pod, err := h.Kube.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
			if err != nil {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			if pod.Spec.NodeName == "" {
				b := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: name, UID: pod.UID}, Target: corev1.ObjectReference{Kind: "Node", Name: kubetest.Node}}
				h.Kube.CoreV1().Pods("default").Bind(context.Background(), b, metav1.CreateOptions{})
			}
			if _, err := h.St.GuaranteedUpdate(api.Pods, "default", name, func(o api.Object) (api.Object, error) {
				o.(*corev1.Pod).Status = status
				return o, nil
			}); err == nil {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
}

func TestRunInteractiveAttachesAndRemoves(t *testing.T) {
	h := newHarness(t)
	h.setPodStatus("box", corev1.PodStatus{Phase: corev1.PodRunning})
	out, errOut, code := h.Run("", "run", "box", "-i", "--rm", "--image=busybox", "--", "sh")
	if code != 0 || out != "logs of box/box\nattached to box/box\npod \"box\" deleted from default namespace\n" {
		t.Fatalf("%d %q %q", code, out, errOut)
	}
	if ps := h.pods(); len(ps) != 0 && ps[0].DeletionTimestamp == nil {
		t.Fatalf("--rm left the pod: %+v", ps[0].ObjectMeta)
	}
}

func TestRunAttachedExitsWithThePodsCode(t *testing.T) {
	h := newHarness(t)
	// The pod fails before podlab can attach: its logs show, then its exit code.
	h.setPodStatus("job", corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{{
		Name: "job", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 3, Reason: "Error"}}}}})
	out, errOut, code := h.Run("", "run", "job", "-i", "--image=busybox", "--restart=Never", "--", "sh", "-c", "exit 3")
	if code != 3 || out != "logs of job/job\n" || errOut != "pod default/job terminated (Error)\n" {
		t.Fatalf("%d %q %q", code, out, errOut)
	}
}

func TestRunFallsBackToLogsWhenTheContainerEndedFirst(t *testing.T) {
	h := newHarness(t)
	h.setPodStatus("quick", corev1.PodStatus{Phase: corev1.PodRunning})
	out, errOut, code := h.Run("", "run", "quick", "-i", "--rm", "--image=busybox", "--", "sh", "-c", "echo hi")
	if code != 0 || out != "logs of quick/quick\npod \"quick\" deleted from default namespace\n" || !strings.Contains(errOut, `warning: couldn't attach to pod/quick, falling back to streaming logs: unable to upgrade connection: container not found ("quick")`) {
		t.Fatalf("%d %q %q", code, out, errOut)
	}
}
