package apiserver_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/podlab/podlab/internal/apitest"
	"github.com/podlab/podlab/runtime/api"
)

// forwardIO answers a forwarded connection with its port and input.
type forwardIO struct{ fakePodIO }

func (forwardIO) PortForward(_ context.Context, pod *corev1.Pod, port int32, stdin io.Reader, stdout io.Writer) error {
	in, _ := io.ReadAll(stdin)
	_, err := io.WriteString(stdout, pod.Name+" "+strings.ToUpper(string(in)))
	return err
}

// rw is a forwarded connection: its input, then what came back.
type rw struct {
	in  io.Reader
	out bytes.Buffer
}

func (c *rw) Read(p []byte) (int, error)  { return c.in.Read(p) }
func (c *rw) Write(p []byte) (int, error) { return c.out.Write(p) }

func TestPortForwardRelaysAndValidates(t *testing.T) {
	srv := apitest.Start(t, forwardIO{}, nil)
	ctx := context.Background()
	if _, _, err := srv.Client.Create(ctx, api.Pods, newPod("web", "app")); err != nil {
		t.Fatal(err)
	}
	conn := &rw{in: strings.NewReader("hello")}
	if err := srv.Client.PortForward(ctx, "default", "web", 80, conn); err != nil || conn.out.String() != "web HELLO" {
		t.Fatalf("forwarded %q, %v", conn.out.String(), err)
	}
	if err := srv.Client.PortForward(ctx, "default", "web", 0, &rw{in: strings.NewReader("")}); !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), `invalid port "0"`) {
		t.Fatalf("port 0: %v", err)
	}
	if err := srv.Client.PortForward(ctx, "default", "nope", 80, &rw{in: strings.NewReader("")}); !apierrors.IsNotFound(err) || err.Error() != `pods "nope" not found` {
		t.Fatalf("missing pod: %v", err)
	}

	// A node agent without port forwarding has no such subresource.
	cl, _, _ := startServer(t)
	cl.Create(ctx, api.Pods, newPod("web", "app"))
	if err := cl.PortForward(ctx, "default", "web", 80, &rw{in: strings.NewReader("")}); !apierrors.IsNotFound(err) {
		t.Fatalf("without a PortForwarder: %v", err)
	}
}
