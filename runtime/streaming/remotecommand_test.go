package streaming

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	gwebsocket "github.com/gorilla/websocket"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/transport/spdy"
	"k8s.io/client-go/util/exec"
	"k8s.io/streaming/pkg/httpstream"
)

// execClient is one way client-go runs a remote command.
type execClient struct {
	name      string
	upgrade   string // the Upgrade header the server sees
	newExec   func(t *testing.T, cfg *rest.Config, u *url.URL) remotecommand.Executor
	halfClose bool // the end of the client's stdin reaches the command
	exitCode  bool // v4+: a status with the exit code comes back
	resize    bool // v3+: terminal sizes come through
}

func spdyExecutor(protocols ...string) func(*testing.T, *rest.Config, *url.URL) remotecommand.Executor {
	return func(t *testing.T, cfg *rest.Config, u *url.URL) remotecommand.Executor {
		t.Helper()
		var e remotecommand.Executor
		var err error
		if len(protocols) == 0 {
			e, err = remotecommand.NewSPDYExecutor(cfg, http.MethodPost, u)
		} else {
			transport, upgrader, terr := spdy.RoundTripperFor(cfg)
			if terr != nil {
				t.Fatal(terr)
			}
			e, err = remotecommand.NewSPDYExecutorForProtocols(transport, upgrader, http.MethodPost, u, protocols...)
		}
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
}

func webSocketExecutor(protocols ...string) func(*testing.T, *rest.Config, *url.URL) remotecommand.Executor {
	return func(t *testing.T, cfg *rest.Config, u *url.URL) remotecommand.Executor {
		t.Helper()
		var e remotecommand.Executor
		var err error
		if len(protocols) == 0 {
			e, err = remotecommand.NewWebSocketExecutor(cfg, http.MethodGet, u.String())
		} else {
			e, err = remotecommand.NewWebSocketExecutorForProtocols(cfg, http.MethodGet, u.String(), protocols...)
		}
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
}

// fallbackExecutor is kubectl's: WebSocket first, SPDY when the upgrade fails.
func fallbackExecutor(t *testing.T, cfg *rest.Config, u *url.URL) remotecommand.Executor {
	t.Helper()
	e, err := remotecommand.NewFallbackExecutor(webSocketExecutor()(t, cfg, u), spdyExecutor()(t, cfg, u), func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var execClients = []execClient{
	{name: "spdy", upgrade: "SPDY/3.1", newExec: spdyExecutor(), halfClose: true, exitCode: true, resize: true},
	{name: "spdy/v3", upgrade: "SPDY/3.1", newExec: spdyExecutor("v3.channel.k8s.io"), halfClose: true, resize: true},
	{name: "spdy/v2", upgrade: "SPDY/3.1", newExec: spdyExecutor("v2.channel.k8s.io"), halfClose: true},
	{name: "spdy/v1", upgrade: "SPDY/3.1", newExec: spdyExecutor("channel.k8s.io")},
	{name: "websocket", upgrade: "websocket", newExec: webSocketExecutor(), halfClose: true, exitCode: true, resize: true},
	{name: "websocket/v4", upgrade: "websocket", newExec: webSocketExecutor("v4.channel.k8s.io"), exitCode: true, resize: true},
	{name: "websocket/v1", upgrade: "websocket", newExec: webSocketExecutor("channel.k8s.io")},
	{name: "fallback", upgrade: "websocket", newExec: fallbackExecutor, halfClose: true, exitCode: true, resize: true},
}

// execServer serves ServeRemoteCommand with run at /exec, options from the
// query as the REST layer reads them.
func execServer(t *testing.T, useTLS bool, srv Server, run Run) *testServer {
	return newTestServer(t, useTLS, func(w http.ResponseWriter, r *http.Request) {
		srv.ServeRemoteCommand(w, r, optionsFromQuery(r.URL.Query()), run)
	})
}

func query(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return q
}

func stream(t *testing.T, e remotecommand.Executor, opts remotecommand.StreamOptions) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return e.StreamWithContext(ctx, opts)
}

// lines is a Writer that reports each complete line it is given.
type lines struct {
	mu  sync.Mutex
	buf bytes.Buffer
	c   chan string
}

func newLines() *lines { return &lines{c: make(chan string, 100)} }

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for {
		i := bytes.IndexByte(l.buf.Bytes(), '\n')
		if i < 0 {
			return len(p), nil
		}
		l.c <- strings.TrimSuffix(string(l.buf.Next(i+1)), "\n")
	}
}

func (l *lines) expect(t *testing.T, want string) {
	t.Helper()
	if got := wait(t, l.c, fmt.Sprintf("line %q", want)); got != want {
		t.Fatalf("got line %q, want %q", got, want)
	}
}

// cat copies stdin to stdout, as `kubectl exec -i pod -- cat` would.
func cat(_ context.Context, s Streams) error {
	if s.Stdin == nil || s.Stdout == nil {
		return errors.New("cat needs stdin and stdout")
	}
	_, err := io.Copy(s.Stdout, s.Stdin)
	return err
}

func TestRemoteCommandStdinRoundTrip(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		for _, c := range execClients {
			if !c.halfClose {
				continue
			}
			t.Run(fmt.Sprintf("%s/tls=%v", c.name, useTLS), func(t *testing.T) {
				ts := execServer(t, useTLS, Server{}, cat)
				e := c.newExec(t, ts.cfg, ts.url(t, "/exec", query("stdin", "true", "stdout", "true")))
				stdinR, stdinW := io.Pipe()
				out := newLines()
				errc := make(chan error, 1)
				go func() { errc <- stream(t, e, remotecommand.StreamOptions{Stdin: stdinR, Stdout: out}) }()

				// Interactive: each line comes back before the next is sent.
				for _, line := range []string{"ping", "pong"} {
					fmt.Fprintln(stdinW, line)
					out.expect(t, line)
				}
				// Closing stdin ends cat, and with it the session
				// (for WebSocket, v5's stream-close signal).
				stdinW.Close()
				if err := wait(t, errc, "the session to end"); err != nil {
					t.Fatalf("Stream: %v", err)
				}
				if got := ts.lastUpgrade(); got != c.upgrade {
					t.Errorf("upgraded to %q, want %q", got, c.upgrade)
				}
				ts.waitHandled(t)
			})
		}
	}
}

func TestRemoteCommandStdoutStderr(t *testing.T) {
	for _, c := range execClients {
		t.Run(c.name, func(t *testing.T) {
			ts := execServer(t, false, Server{}, func(_ context.Context, s Streams) error {
				if s.Stdin != nil || s.TTY || s.Resize != nil {
					return fmt.Errorf("unexpected streams %+v", s)
				}
				fmt.Fprint(s.Stdout, "to stdout\n")
				fmt.Fprint(s.Stderr, "to stderr\n")
				return nil
			})
			e := c.newExec(t, ts.cfg, ts.url(t, "/exec", query("stdout", "true", "stderr", "true")))
			var stdout, stderr bytes.Buffer
			if err := stream(t, e, remotecommand.StreamOptions{Stdout: &stdout, Stderr: &stderr}); err != nil {
				t.Fatalf("Stream: %v", err)
			}
			if stdout.String() != "to stdout\n" || stderr.String() != "to stderr\n" {
				t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
			}
		})
	}
}

func TestRemoteCommandExitCode(t *testing.T) {
	exit3 := func(_ context.Context, s Streams) error {
		fmt.Fprintln(s.Stdout, "about to fail")
		return exec.CodeExitError{Err: errors.New("command terminated with exit code 3"), Code: 3}
	}
	for _, c := range execClients {
		if c.name == "spdy/v1" || c.name == "websocket/v1" {
			continue // a v1 client may finish before it reads the error stream
		}
		t.Run(c.name, func(t *testing.T) {
			ts := execServer(t, false, Server{}, exit3)
			e := c.newExec(t, ts.cfg, ts.url(t, "/exec", query("stdout", "true")))
			var stdout bytes.Buffer
			err := stream(t, e, remotecommand.StreamOptions{Stdout: &stdout})
			if stdout.String() != "about to fail\n" {
				t.Errorf("stdout %q", stdout.String())
			}
			if c.exitCode {
				var exitErr exec.CodeExitError
				if !errors.As(err, &exitErr) || exitErr.Code != 3 {
					t.Fatalf("got %#v, want exec.CodeExitError with code 3", err)
				}
				return
			}
			// Before v4 the error stream carries the message only.
			want := "error executing remote command: command terminated with non-zero exit code: command terminated with exit code 3"
			if err == nil || err.Error() != want {
				t.Fatalf("got %v, want %q", err, want)
			}
		})
	}
}

func TestRemoteCommandFailure(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"plain error", errors.New("boom"), "Internal error occurred: error executing command in container: boom"},
		{"api status", apierrors.NewBadRequest("container app is not running"), "container app is not running"},
	}
	for _, c := range execClients {
		if !c.exitCode {
			continue
		}
		for _, tc := range cases {
			t.Run(c.name+"/"+tc.name, func(t *testing.T) {
				ts := execServer(t, false, Server{}, func(context.Context, Streams) error { return tc.err })
				e := c.newExec(t, ts.cfg, ts.url(t, "/exec", query("stdout", "true")))
				err := stream(t, e, remotecommand.StreamOptions{Stdout: io.Discard})
				if err == nil || err.Error() != tc.want {
					t.Fatalf("got %v, want %q", err, tc.want)
				}
			})
		}
	}
}

// sizeQueue is a remotecommand.TerminalSizeQueue fed by a channel.
type sizeQueue chan remotecommand.TerminalSize

func (q sizeQueue) Next() *remotecommand.TerminalSize {
	s, ok := <-q
	if !ok {
		return nil
	}
	return &s
}

func TestRemoteCommandTTYResize(t *testing.T) {
	sizes := []remotecommand.TerminalSize{{Width: 80, Height: 24}, {Width: 100, Height: 40}, {Width: 132, Height: 50}}
	for _, c := range execClients {
		if !c.resize {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			ts := execServer(t, false, Server{}, func(_ context.Context, s Streams) error {
				// stderr was asked for, but a terminal has none.
				if !s.TTY || s.Stderr != nil || s.Resize == nil {
					return fmt.Errorf("unexpected streams %+v", s)
				}
				for range sizes {
					size, ok := <-s.Resize
					if !ok {
						return errors.New("resize closed early")
					}
					fmt.Fprintf(s.Stdout, "%dx%d\n", size.Width, size.Height)
				}
				return nil
			})
			e := c.newExec(t, ts.cfg, ts.url(t, "/exec", query("stdout", "true", "stderr", "true", "tty", "true")))
			queue := make(sizeQueue)
			defer close(queue)
			out := newLines()
			errc := make(chan error, 1)
			go func() {
				errc <- stream(t, e, remotecommand.StreamOptions{Stdout: out, Tty: true, TerminalSizeQueue: queue})
			}()
			for _, s := range sizes {
				queue <- s
				out.expect(t, fmt.Sprintf("%dx%d", s.Width, s.Height))
			}
			if err := wait(t, errc, "the session to end"); err != nil {
				t.Fatalf("Stream: %v", err)
			}
		})
	}

	t.Run("spdy/v2 has no resize stream", func(t *testing.T) {
		ts := execServer(t, false, Server{}, func(_ context.Context, s Streams) error {
			for range s.Resize {
				return errors.New("a size came without a resize stream")
			}
			fmt.Fprintln(s.Stdout, "no sizes")
			return nil
		})
		e := spdyExecutor("v2.channel.k8s.io")(t, ts.cfg, ts.url(t, "/exec", query("stdout", "true", "tty", "true")))
		var stdout bytes.Buffer
		if err := stream(t, e, remotecommand.StreamOptions{Stdout: &stdout, Tty: true}); err != nil || stdout.String() != "no sizes\n" {
			t.Fatalf("Stream: %v, stdout %q", err, stdout.String())
		}
	})
}

func TestRemoteCommandClientHangsUp(t *testing.T) {
	for _, c := range execClients {
		if c.name != "spdy" && c.name != "websocket" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			ended := make(chan error, 1)
			ts := execServer(t, false, Server{}, func(ctx context.Context, s Streams) error {
				fmt.Fprintln(s.Stdout, "ready")
				<-ctx.Done()
				ended <- ctx.Err()
				return ctx.Err()
			})
			e := c.newExec(t, ts.cfg, ts.url(t, "/exec", query("stdin", "true", "stdout", "true")))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out := newLines()
			errc := make(chan error, 1)
			stdinR, stdinW := io.Pipe()
			defer stdinW.Close()
			go func() { errc <- e.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: stdinR, Stdout: out}) }()
			out.expect(t, "ready")
			cancel() // the client goes away mid-stream
			if err := wait(t, errc, "the client to return"); !errors.Is(err, context.Canceled) {
				t.Errorf("client: %v", err)
			}
			if err := wait(t, ended, "Run's context to end"); !errors.Is(err, context.Canceled) {
				t.Errorf("Run's context: %v", err)
			}
			ts.waitHandled(t)
		})
	}
}

func TestRemoteCommandIdleTimeout(t *testing.T) {
	for _, c := range execClients {
		if c.name != "spdy" && c.name != "websocket" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			ended := make(chan struct{})
			ts := execServer(t, false, Server{IdleTimeout: 200 * time.Millisecond}, func(ctx context.Context, s Streams) error {
				<-ctx.Done()
				close(ended)
				return ctx.Err()
			})
			e := c.newExec(t, ts.cfg, ts.url(t, "/exec", query("stdout", "true")))
			errc := make(chan error, 1)
			go func() { errc <- stream(t, e, remotecommand.StreamOptions{Stdout: io.Discard}) }()
			wait(t, ended, "the idle connection to be closed")
			wait(t, errc, "the client to return")
			ts.waitHandled(t)
		})
	}
}

func TestRemoteCommandRejectedBeforeUpgrade(t *testing.T) {
	ran := make(chan struct{}, 1)
	run := func(context.Context, Streams) error { ran <- struct{}{}; return nil }

	t.Run("no streams", func(t *testing.T) {
		ts := execServer(t, false, Server{}, run)
		u := ts.url(t, "/exec", query("command", "true"))
		const msg = "you must specify at least 1 of stdin, stdout, stderr"
		err := stream(t, spdyExecutor()(t, ts.cfg, u), remotecommand.StreamOptions{Stdout: io.Discard})
		if err == nil || err.Error() != "unable to upgrade connection: "+msg {
			t.Errorf("spdy: %v", err)
		}
		// The WebSocket client sees the Status and an upgrade failure, on
		// which kubectl falls back to SPDY.
		err = stream(t, webSocketExecutor()(t, ts.cfg, u), remotecommand.StreamOptions{Stdout: io.Discard})
		if status := upgradeFailureStatus(err); status == nil || status.Code != http.StatusBadRequest || status.Message != msg {
			t.Errorf("websocket: %v", err)
		}
		err = stream(t, fallbackExecutor(t, ts.cfg, u), remotecommand.StreamOptions{Stdout: io.Discard})
		if err == nil || err.Error() != "unable to upgrade connection: "+msg {
			t.Errorf("fallback: %v", err)
		}
	})

	t.Run("no upgrade", func(t *testing.T) {
		ts := execServer(t, false, Server{}, run)
		resp, err := http.Post(ts.url(t, "/exec", query("stdout", "true")).String(), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var status metav1.Status
		if err := json.NewDecoder(resp.Body).Decode(&status); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Content-Type") != "application/json" ||
			status.Kind != "Status" || status.Reason != metav1.StatusReasonBadRequest || status.Message != "Upgrade request required" {
			t.Errorf("got %d %+v", resp.StatusCode, status)
		}
	})

	t.Run("unknown protocol", func(t *testing.T) {
		ts := execServer(t, false, Server{}, run)
		u := ts.url(t, "/exec", query("stdout", "true"))
		err := stream(t, spdyExecutor("v9.channel.k8s.io")(t, ts.cfg, u), remotecommand.StreamOptions{Stdout: io.Discard})
		if err == nil || !strings.Contains(err.Error(), "unable to negotiate protocol") {
			t.Errorf("spdy: %v", err)
		}
		err = stream(t, webSocketExecutor("v9.channel.k8s.io")(t, ts.cfg, u), remotecommand.StreamOptions{Stdout: io.Discard})
		if status := upgradeFailureStatus(err); status == nil || status.Code != http.StatusForbidden {
			t.Errorf("websocket: %v", err)
		}
	})

	t.Run("legacy server without websocket", func(t *testing.T) {
		// kubectl's fallback reaches the SPDY side after a refused WebSocket.
		ts := newTestServer(t, false, func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Upgrade") == "websocket" {
				http.Error(w, "no websockets here", http.StatusBadRequest)
				return
			}
			ServeRemoteCommand(w, r, optionsFromQuery(r.URL.Query()), cat)
		})
		e := fallbackExecutor(t, ts.cfg, ts.url(t, "/exec", query("stdin", "true", "stdout", "true")))
		var stdout bytes.Buffer
		if err := stream(t, e, remotecommand.StreamOptions{Stdin: strings.NewReader("via spdy"), Stdout: &stdout}); err != nil || stdout.String() != "via spdy" {
			t.Fatalf("Stream: %v, stdout %q", err, stdout.String())
		}
	})

	select {
	case <-ran:
		t.Error("Run ran for a rejected request")
	default:
	}
}

// upgradeFailureStatus is the Status the server answered a refused
// WebSocket upgrade with, as client-go decodes it.
func upgradeFailureStatus(err error) *metav1.Status {
	var failure *httpstream.UpgradeFailureError
	if !errors.As(err, &failure) {
		return nil
	}
	var status *apierrors.StatusError
	if !errors.As(failure.Cause, &status) {
		return nil
	}
	return &status.ErrStatus
}

func TestRemoteCommandStreamCreationTimeout(t *testing.T) {
	ran := make(chan struct{}, 1)
	ts := execServer(t, false, Server{StreamCreationTimeout: 100 * time.Millisecond}, func(context.Context, Streams) error {
		ran <- struct{}{}
		return nil
	})
	transport, upgrader, err := spdy.RoundTripperFor(ts.cfg)
	if err != nil {
		t.Fatal(err)
	}
	dialer := spdy.NewDialerForStreaming(upgrader, &http.Client{Transport: transport}, http.MethodPost, ts.url(t, "/exec", query("stdout", "true")))
	conn, protocol, err := dialer.Dial("v4.channel.k8s.io")
	if err != nil || protocol != "v4.channel.k8s.io" {
		t.Fatalf("Dial: %q, %v", protocol, err)
	}
	defer conn.Close()
	// The error stream alone: the stdout stream never comes.
	if _, err := conn.CreateStream(http.Header{"Streamtype": {"error"}}); err != nil {
		t.Fatal(err)
	}
	wait(t, conn.CloseChan(), "the server to give up")
	ts.waitHandled(t)
	select {
	case <-ran:
		t.Error("Run ran without its streams")
	default:
	}
}

// TestRemoteCommandBase64 speaks v4.base64.channel.k8s.io, which client-go
// has no executor for, with a plain WebSocket client.
func TestRemoteCommandBase64(t *testing.T) {
	ts := execServer(t, false, Server{}, func(_ context.Context, s Streams) error {
		line := make([]byte, 3)
		if _, err := io.ReadFull(s.Stdin, line); err != nil {
			return err
		}
		_, err := s.Stdout.Write(bytes.ToUpper(line))
		return err
	})
	u := ts.url(t, "/exec", query("stdin", "true", "stdout", "true"))
	u.Scheme = "ws"
	ws, resp, err := gwebsocket.DefaultDialer.Dial(u.String(), http.Header{"Sec-Websocket-Protocol": {"v4.base64.channel.k8s.io"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if p := resp.Header.Get("Sec-Websocket-Protocol"); p != "v4.base64.channel.k8s.io" {
		t.Fatalf("negotiated %q", p)
	}
	if err := ws.WriteMessage(gwebsocket.TextMessage, []byte("0"+base64.StdEncoding.EncodeToString([]byte("abc")))); err != nil {
		t.Fatal(err)
	}
	got := map[byte]string{}
	for {
		kind, msg, err := ws.ReadMessage()
		if err != nil {
			break // the server closes the connection after the status
		}
		if kind != gwebsocket.TextMessage || len(msg) == 0 {
			t.Fatalf("unexpected message %d %q", kind, msg)
		}
		data, err := base64.StdEncoding.DecodeString(string(msg[1:]))
		if err != nil {
			t.Fatal(err)
		}
		got[msg[0]-'0'] += string(data)
	}
	var status metav1.Status
	if err := json.Unmarshal([]byte(got[3]), &status); err != nil || status.Status != metav1.StatusSuccess {
		t.Fatalf("status %q: %v", got[3], err)
	}
	if got[1] != "ABC" {
		t.Errorf("stdout %q", got[1])
	}
}

// wrappedWriter is a middleware's ResponseWriter: not a Hijacker itself,
// but it unwraps to one.
type wrappedWriter struct{ http.ResponseWriter }

func (w wrappedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func TestRemoteCommandBehindWrappedWriter(t *testing.T) {
	for _, c := range []execClient{execClients[0], execClients[4]} {
		t.Run(c.name, func(t *testing.T) {
			ts := newTestServer(t, false, func(w http.ResponseWriter, r *http.Request) {
				ServeRemoteCommand(wrappedWriter{w}, r, optionsFromQuery(r.URL.Query()), cat)
			})
			e := c.newExec(t, ts.cfg, ts.url(t, "/exec", query("stdin", "true", "stdout", "true")))
			var stdout bytes.Buffer
			if err := stream(t, e, remotecommand.StreamOptions{Stdin: strings.NewReader("wrapped"), Stdout: &stdout}); err != nil || stdout.String() != "wrapped" {
				t.Fatalf("Stream: %v, stdout %q", err, stdout.String())
			}
		})
	}
}
