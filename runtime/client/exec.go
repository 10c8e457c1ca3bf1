package client

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/apiserver/execstream"
)

// Exec runs a command in a pod's container over an upgraded connection and
// returns the command's exit code.
func (c *Client) Exec(ctx context.Context, namespace, pod string, opts ExecOptions) (int, error) {
	return c.stream(ctx, "exec", namespace, pod, opts)
}

// Attach connects to a pod container's main process until it ends.
func (c *Client) Attach(ctx context.Context, namespace, pod string, opts ExecOptions) error {
	_, err := c.stream(ctx, "attach", namespace, pod, opts)
	return err
}

// stream runs an exec or attach session over an upgraded connection.
func (c *Client) stream(ctx context.Context, sub, namespace, pod string, opts ExecOptions) (int, error) {
	q := url.Values{}
	if opts.Container != "" {
		q.Set("container", opts.Container)
	}
	for _, arg := range opts.Command {
		q.Add("command", arg)
	}
	q.Set("stdin", fmt.Sprint(opts.Stdin != nil))
	q.Set("stdout", "true")
	q.Set("stderr", fmt.Sprint(!opts.TTY))
	q.Set("tty", fmt.Sprint(opts.TTY))

	conn, br, err := c.upgrade(ctx, resourcePath(api.Pods, namespace, pod)+"/"+sub+"?"+q.Encode())
	if err != nil {
		return -1, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	fw := execstream.NewWriter(conn)
	if opts.Stdin != nil {
		go func() {
			io.Copy(fw.Channel(execstream.Stdin), opts.Stdin)
			fw.WriteFrame(execstream.StdinClose, nil)
		}()
	}
	if opts.Resize != nil {
		go func() {
			for sz := range opts.Resize {
				b, _ := json.Marshal(sz)
				if fw.WriteFrame(execstream.Resize, b) != nil {
					return
				}
			}
		}()
	}
	stdout, stderr := opts.Stdout, opts.Stderr
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	for {
		ch, payload, err := execstream.ReadFrame(br)
		if err != nil {
			if ctx.Err() != nil {
				return -1, ctx.Err()
			}
			return -1, fmt.Errorf("exec stream ended without an exit status: %w", err)
		}
		switch ch {
		case execstream.Stdout:
			stdout.Write(payload)
		case execstream.Stderr:
			stderr.Write(payload)
		case execstream.Exit:
			var exit struct {
				Code  int    `json:"code"`
				Error string `json:"error"`
			}
			if err := json.Unmarshal(payload, &exit); err != nil {
				return -1, err
			}
			if exit.Error != "" {
				return -1, &ExecError{Message: exit.Error}
			}
			return exit.Code, nil
		}
	}
}

// upgrade opens a connection to the API server and upgrades it to an exec
// stream for path; the caller closes the connection.
func (c *Client) upgrade(ctx context.Context, path string) (net.Conn, *bufio.Reader, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", c.socket)
	if err != nil {
		return nil, nil, &UnavailableError{Socket: c.socket, Err: err}
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	req, err := http.NewRequest(http.MethodPost, "http://podlab"+path, nil)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", execstream.Upgrade)
	if err := req.Write(conn); err != nil {
		conn.Close()
		return nil, nil, err
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		defer resp.Body.Close()
		conn.Close()
		return nil, nil, decodeError(resp)
	}
	return conn, br, nil
}

// ExecError is a failure to run the command at all (not its exit status).
type ExecError struct{ Message string }

func (e *ExecError) Error() string { return strings.TrimSpace(e.Message) }
