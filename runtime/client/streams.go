package client

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream/spdy"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/tools/remotecommand"
	clientspdy "k8s.io/client-go/transport/spdy"
	"k8s.io/client-go/util/exec"

	"github.com/podlab/podlab/runtime/api"
)

// Logs streams a container's log.
func (c *Client) Logs(ctx context.Context, namespace, pod string, opts *corev1.PodLogOptions) (io.ReadCloser, error) {
	rc, err := c.request("GET", api.Pods, namespace, pod).SubResource("log").VersionedParams(opts, api.ParameterCodec).Stream(ctx)
	return rc, c.unavailable(err)
}

// Exec runs a command in a container and returns its exit code.
func (c *Client) Exec(ctx context.Context, namespace, pod string, opts ExecOptions) (int, error) {
	r := c.request("POST", api.Pods, namespace, pod).SubResource("exec").VersionedParams(&corev1.PodExecOptions{
		Container: opts.Container, Command: opts.Command,
		Stdin: opts.Stdin != nil, Stdout: true, Stderr: !opts.TTY, TTY: opts.TTY,
	}, api.ParameterCodec)
	return c.stream(ctx, r, opts)
}

// Attach connects to a container's main process until it ends.
func (c *Client) Attach(ctx context.Context, namespace, pod string, opts ExecOptions) error {
	r := c.request("POST", api.Pods, namespace, pod).SubResource("attach").VersionedParams(&corev1.PodAttachOptions{
		Container: opts.Container, Stdin: opts.Stdin != nil, Stdout: true, Stderr: !opts.TTY, TTY: opts.TTY,
	}, api.ParameterCodec)
	_, err := c.stream(ctx, r, opts)
	return err
}

// upgrader is SPDY over the unix socket: client-go's own round tripper,
// dialing through a transport that reaches the socket.
func (c *Client) upgrader() (*spdy.SpdyRoundTripper, error) {
	transport := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", c.socket)
	}}
	return spdy.NewRoundTripperWithConfig(spdy.RoundTripperConfig{UpgradeTransport: transport, PingPeriod: 5 * time.Second})
}

func (c *Client) stream(ctx context.Context, r *rest.Request, opts ExecOptions) (int, error) {
	rt, err := c.upgrader()
	if err != nil {
		return -1, err
	}
	executor, err := remotecommand.NewSPDYExecutorForTransports(rt, rt, "POST", r.URL())
	if err != nil {
		return -1, err
	}
	so := remotecommand.StreamOptions{Stdin: opts.Stdin, Stdout: opts.Stdout, Stderr: opts.Stderr, Tty: opts.TTY}
	if opts.Resize != nil {
		so.TerminalSizeQueue = sizeQueue(opts.Resize)
	}
	err = executor.StreamWithContext(ctx, so)
	var exit exec.CodeExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exit):
		return exit.Code, nil
	}
	return -1, c.unavailable(err)
}

// sizeQueue hands remotecommand the terminal sizes as they come.
type sizeQueue <-chan TermSize

func (q sizeQueue) Next() *remotecommand.TerminalSize {
	sz, ok := <-q
	if !ok {
		return nil
	}
	return &remotecommand.TerminalSize{Width: sz.Width, Height: sz.Height}
}

// PortForward forwards local ports to a pod as kubectl port-forward does,
// with client-go's own forwarder (and so kubectl's messages on out and
// errOut), until ctx ends or the connection to the pod is lost.
func (c *Client) PortForward(ctx context.Context, namespace, pod string, addresses, ports []string, ready chan struct{}, out, errOut io.Writer) error {
	rt, err := c.upgrader()
	if err != nil {
		return err
	}
	u := c.request("POST", api.Pods, namespace, pod).SubResource("portforward").URL()
	dialer := clientspdy.NewDialer(rt, &http.Client{Transport: rt}, "POST", u)
	stop := make(chan struct{})
	done := context.AfterFunc(ctx, func() { close(stop) })
	defer done()
	fw, err := portforward.NewOnAddresses(dialer, addresses, ports, stop, ready, out, errOut)
	if err != nil {
		return err
	}
	return c.unavailable(fw.ForwardPorts())
}
