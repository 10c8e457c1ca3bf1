package exercises

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/internal/kubetest"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/streaming"
)

// noIO stands in for the kubelet: fixed logs, and an exec that prints what
// ps would in a pod sharing the pause container's PID namespace.
type noIO struct{}

func (noIO) Logs(context.Context, *corev1.Pod, *corev1.PodLogOptions) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader("ready to serve\n")), nil
}
func (noIO) CheckRunning(context.Context, *corev1.Pod, string) error { return nil }
func (noIO) Exec(_ context.Context, _ *corev1.Pod, _ string, _ []string, s streaming.Streams) error {
	io.WriteString(s.Stdout, "PID 1 /pause\n")
	return nil
}
func (noIO) Attach(context.Context, *corev1.Pod, string, streaming.Streams) error { return nil }
func (noIO) PortForward(context.Context, *corev1.Pod, int32, io.ReadWriter) error {
	return nil
}

func TestChecksAgainstTheAPI(t *testing.T) {
	srv := kubetest.Start(t, kubetest.Options{PodIO: noIO{}})
	ctx := context.Background()
	cl := client.New(srv.Socket)
	ev := NewEvaluator(cl)
	clock := time.Now()
	ev.Now = func() time.Time { return clock }

	web := Check{Pod: &PodCheck{Name: "web", Phase: "Running", Container: &ContainerCheck{Name: "app", State: "running", MaxRestarts: ptr(int32(0))}}}
	if ok, why := ev.Eval(ctx, "web", web); ok || !strings.Contains(why, `pods "web" not found`) {
		t.Fatalf("before the pod exists: %v %q", ok, why)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}}
	if _, err := srv.Client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if ok, why := ev.Eval(ctx, "web", web); ok || !strings.Contains(why, "is Pending, not Running") {
		t.Fatalf("pending pod: %v %q", ok, why)
	}
	srv.Client.CoreV1().Pods("default").Delete(ctx, "web", metav1.DeleteOptions{})
	srv.Running(t, pod.DeepCopy())
	if ok, why := ev.Eval(ctx, "web", web); !ok {
		t.Fatalf("running pod: %q", why)
	}
	checks := map[string]struct {
		c    Check
		want bool
	}{
		"selector":       {Check{Pod: &PodCheck{Selector: "app=web", Phase: "Running"}}, true},
		"selector miss":  {Check{Pod: &PodCheck{Selector: "app=db"}}, false},
		"logs":           {Check{Logs: &LogsCheck{Pod: "web", Match: "ready to serve"}}, true},
		"exec":           {Check{Exec: &ExecCheck{Pod: "web", Command: []string{"ps"}, Output: `1 /pause`}}, true},
		"exec mismatch":  {Check{Exec: &ExecCheck{Pod: "web", Command: []string{"ps"}, Output: `nginx`}}, false},
		"http":           {Check{HTTP: &HTTPCheck{From: "web", URL: "http://127.0.0.1/", Body: "pause"}}, true},
		"field":          {Check{Field: &FieldCheck{Kind: "Pod", Name: "web", Path: "spec.containers[0].image", Equals: "nginx"}}, true},
		"field mismatch": {Check{Field: &FieldCheck{Kind: "Pod", Name: "web", Path: "status.phase", Equals: "Failed"}}, false},
		"absent":         {Check{Absent: &ObjectRef{Kind: "Pod", Name: "web"}}, false},
		"not absent":     {Check{Not: &Check{Absent: &ObjectRef{Kind: "Pod", Name: "web"}}}, true},
		"any":            {Check{Any: []Check{{Exists: &ObjectRef{Kind: "Pod", Name: "nope"}}, {Exists: &ObjectRef{Kind: "pod", Name: "web"}}}}, true},
		"all":            {Check{All: []Check{{Exists: &ObjectRef{Kind: "Pod", Name: "nope"}}, {Exists: &ObjectRef{Kind: "Pod", Name: "web"}}}}, false},
		"no event yet":   {Check{Event: &EventCheck{Reason: "Killing"}}, false},
	}
	for name, c := range checks {
		if err := c.c.Validate(); err != nil {
			t.Fatalf("%s: invalid check: %v", name, err)
		}
		if ok, why := ev.Eval(ctx, name, c.c); ok != c.want {
			t.Errorf("%s: got %v (%s), want %v", name, ok, why, c.want)
		}
	}
	// "for": true only once it has held long enough.
	held := Check{Exists: &ObjectRef{Kind: "Pod", Name: "web"}, For: "10s"}
	if ok, _ := ev.Eval(ctx, "held", held); ok {
		t.Fatal("a for: 10s check held at once")
	}
	clock = clock.Add(11 * time.Second)
	if ok, why := ev.Eval(ctx, "held", held); !ok {
		t.Fatalf("after 11s: %q", why)
	}
}

func TestValidateRejectsBadChecks(t *testing.T) {
	for _, c := range []Check{
		{},
		{Pod: &PodCheck{Name: "a"}, Exists: &ObjectRef{Kind: "Pod", Name: "a"}},
		{Pod: &PodCheck{}},
		{Exists: &ObjectRef{Kind: "Pod", Name: "a"}, For: "soon"},
		{All: []Check{{Logs: &LogsCheck{Pod: "a"}}}},
		{HTTP: &HTTPCheck{From: "a"}},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("check %+v validated", c)
		}
	}
}

func ptr[T any](v T) *T { return &v }
