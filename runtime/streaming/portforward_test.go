package streaming

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	gwebsocket "github.com/gorilla/websocket"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
	"k8s.io/klog/v2"
	"k8s.io/streaming/pkg/httpstream"
)

// pfClient is one way client-go dials a port-forward session.
type pfClient struct {
	name    string
	upgrade string // the Upgrade header the server sees
	dialer  func(t *testing.T, cfg *rest.Config, u *url.URL) httpstream.Dialer
}

func spdyDialer(t *testing.T, cfg *rest.Config, u *url.URL) httpstream.Dialer {
	t.Helper()
	transport, upgrader, err := spdy.RoundTripperFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return spdy.NewDialerForStreaming(upgrader, &http.Client{Transport: transport}, http.MethodPost, u)
}

func tunnelDialer(t *testing.T, cfg *rest.Config, u *url.URL) httpstream.Dialer {
	t.Helper()
	d, err := portforward.NewSPDYOverWebsocketDialerForStreaming(u, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// fallbackDialer is kubectl's: the WebSocket tunnel first, SPDY when the
// upgrade fails.
func fallbackDialer(t *testing.T, cfg *rest.Config, u *url.URL) httpstream.Dialer {
	return portforward.NewFallbackDialerForStreaming(tunnelDialer(t, cfg, u), spdyDialer(t, cfg, u), func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
}

var pfClients = []pfClient{
	{name: "spdy", upgrade: "SPDY/3.1", dialer: spdyDialer},
	{name: "tunnel", upgrade: "websocket", dialer: tunnelDialer},
	{name: "fallback", upgrade: "websocket", dialer: fallbackDialer},
}

func pfServer(t *testing.T, useTLS bool, srv Server, forward Forward) *testServer {
	return newTestServer(t, useTLS, func(w http.ResponseWriter, r *http.Request) {
		srv.ServePortForward(w, r, forward)
	})
}

// echo answers a forwarded connection with "port N:" and then its bytes,
// until the client half-closes.
func echo(_ context.Context, port int32, conn io.ReadWriter) error {
	if _, err := fmt.Fprintf(conn, "port %d:", port); err != nil {
		return err
	}
	_, err := io.Copy(conn, conn)
	return err
}

// logBuffer collects what client-go logs.
type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.String() }

// forwarder runs client-go's PortForwarder, as kubectl port-forward does,
// on 127.0.0.1 for ports ("local:remote"); it returns the local ports, the
// result of ForwardPorts and what the forwarder logged.
func forwarder(t *testing.T, d httpstream.Dialer, ports ...string) ([]portforward.ForwardedPort, <-chan error, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	logger := funcr.New(func(prefix, args string) {
		logs.mu.Lock()
		defer logs.mu.Unlock()
		fmt.Fprintln(&logs.buf, prefix, args)
	}, funcr.Options{})
	ctx, cancel := context.WithCancel(klog.NewContext(context.Background(), logger))
	ready := make(chan struct{})
	pf, err := portforward.NewOnAddressesForStreamingWithContext(ctx, d, []string{"127.0.0.1"}, ports, ready, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	errc, done := make(chan error, 1), make(chan struct{})
	go func() {
		defer close(done)
		errc <- pf.ForwardPorts()
	}()
	select {
	case <-ready:
	case <-done:
		t.Fatalf("ForwardPorts: %v", <-errc)
	case <-time.After(10 * time.Second):
		t.Fatal("port-forward not ready")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("ForwardPorts did not return")
		}
	})
	fwd, err := pf.GetPorts()
	if err != nil {
		t.Fatal(err)
	}
	return fwd, errc, logs
}

func dialLocal(t *testing.T, port uint16) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c.(*net.TCPConn)
}

// roundTrip sends msg through a forwarded local port, half-closes, and
// returns the whole answer.
func roundTrip(t *testing.T, port uint16, msg string) string {
	t.Helper()
	c := dialLocal(t, port)
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatal(err)
	}
	_ = c.CloseWrite()
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPortForwardBothWays(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		for _, c := range pfClients {
			t.Run(fmt.Sprintf("%s/tls=%v", c.name, useTLS), func(t *testing.T) {
				ts := pfServer(t, useTLS, Server{}, echo)
				fwd, _, _ := forwarder(t, c.dialer(t, ts.cfg, ts.url(t, "/portforward", nil)), "0:80", "0:81")
				// Several ports, and several connections to each, share the session.
				for _, p := range fwd {
					for i := range 2 {
						msg := fmt.Sprintf("hello %d", i)
						if got, want := roundTrip(t, p.Local, msg), fmt.Sprintf("port %d:%s", p.Remote, msg); got != want {
							t.Errorf("got %q, want %q", got, want)
						}
					}
				}
				if got := ts.lastUpgrade(); got != c.upgrade {
					t.Errorf("upgraded to %q, want %q", got, c.upgrade)
				}
			})
		}
	}
}

func TestPortForwardConcurrentConnections(t *testing.T) {
	for _, c := range pfClients {
		t.Run(c.name, func(t *testing.T) {
			// Neither forward answers before both are running.
			var running atomic.Int32
			both := make(chan struct{})
			ts := pfServer(t, false, Server{}, func(ctx context.Context, port int32, conn io.ReadWriter) error {
				if running.Add(1) == 2 {
					close(both)
				}
				select {
				case <-both:
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(10 * time.Second):
					return errors.New("the other connection never came")
				}
				return echo(ctx, port, conn)
			})
			fwd, _, _ := forwarder(t, c.dialer(t, ts.cfg, ts.url(t, "/portforward", nil)), "0:80")
			conns := []*net.TCPConn{dialLocal(t, fwd[0].Local), dialLocal(t, fwd[0].Local)}
			for i, conn := range conns {
				fmt.Fprintf(conn, "conn %d", i)
			}
			for i, conn := range conns {
				want := fmt.Sprintf("port 80:conn %d", i)
				got := make([]byte, len(want))
				if _, err := io.ReadFull(conn, got); err != nil || string(got) != want {
					t.Fatalf("conn %d: got %q, %v", i, got, err)
				}
			}
			// Both still open: each answers on its own.
			for i, conn := range conns {
				fmt.Fprintf(conn, " again %d", i)
				_ = conn.CloseWrite()
			}
			for i, conn := range conns {
				rest, err := io.ReadAll(conn)
				if want := fmt.Sprintf(" again %d", i); err != nil || string(rest) != want {
					t.Fatalf("conn %d: got %q, %v, want %q", i, rest, err, want)
				}
			}
		})
	}
}

func TestPortForwardError(t *testing.T) {
	for _, c := range pfClients {
		t.Run(c.name, func(t *testing.T) {
			ts := pfServer(t, false, Server{}, func(_ context.Context, port int32, _ io.ReadWriter) error {
				return ForwardingError(port, "web-1", "1234", errors.New("connection refused"))
			})
			fwd, errc, logs := forwarder(t, c.dialer(t, ts.cfg, ts.url(t, "/portforward", nil)), "0:80")
			local := dialLocal(t, fwd[0].Local)
			io.WriteString(local, "hello")
			// kubectl drops the local connection, maybe with our bytes unread: a reset.
			if got, _ := io.ReadAll(local); len(got) != 0 {
				t.Errorf("a failed forward answered %q", got)
			}
			// As upstream: kubectl logs the error and drops the session.
			if err := wait(t, errc, "ForwardPorts to return"); !errors.Is(err, portforward.ErrLostConnectionToPod) {
				t.Errorf("ForwardPorts: %v", err)
			}
			log := logs.String()
			if !strings.Contains(log, "An error occurred forwarding") || !strings.Contains(log, "error forwarding port 80 to pod web-1, uid 1234: connection refused") {
				t.Errorf("client log:\n%s", log)
			}
		})
	}
}

// tcpForward relays a forwarded connection to a TCP port on 127.0.0.1,
// half-closing each way as its side ends, as podlab's kubelet does in the
// pod's network namespace.
func tcpForward(ctx context.Context, port int32, conn io.ReadWriter) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))))
	if err != nil {
		return ForwardingError(port, "tcp-test", "", err)
	}
	defer c.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(c, conn)
		_ = c.(*net.TCPConn).CloseWrite()
	}()
	_, err = io.Copy(conn, c)
	<-done
	return err
}

func TestPortForwardToTCPListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	remote := ln.Addr().(*net.TCPAddr).Port
	big := strings.Repeat("0123456789abcdef", 64<<10) // 1 MiB, many frames

	for _, c := range pfClients {
		t.Run(c.name, func(t *testing.T) {
			ts := pfServer(t, false, Server{}, tcpForward)
			fwd, _, _ := forwarder(t, c.dialer(t, ts.cfg, ts.url(t, "/portforward", nil)), fmt.Sprintf("0:%d", remote))
			if got := roundTrip(t, fwd[0].Local, big); got != big {
				t.Errorf("echoed %d bytes, want %d", len(got), len(big))
			}
		})
	}
}

// dialSession opens a raw port-forward session with client-go's SPDY
// dialer, to drive its streams by hand.
func dialSession(t *testing.T, ts *testServer) httpstream.Connection {
	t.Helper()
	conn, protocol, err := spdyDialer(t, ts.cfg, ts.url(t, "/portforward", nil)).Dial(portforward.PortForwardProtocolV1Name)
	if err != nil || protocol != portforward.PortForwardProtocolV1Name {
		t.Fatalf("Dial: %q, %v", protocol, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func pfHeaders(streamType, port, requestID string) http.Header {
	h := http.Header{}
	h.Set("streamType", streamType)
	h.Set("port", port)
	if requestID != "" {
		h.Set("requestID", requestID)
	}
	return h
}

// openPair opens a forwarded connection's streams the way client-go does:
// the error stream first, our side of it closed at once.
func openPair(t *testing.T, conn httpstream.Connection, port, requestID string) (data, errs httpstream.Stream) {
	t.Helper()
	errs, err := conn.CreateStream(pfHeaders("error", port, requestID))
	if err != nil {
		t.Fatal(err)
	}
	_ = errs.Close()
	data, err = conn.CreateStream(pfHeaders("data", port, requestID))
	if err != nil {
		t.Fatal(err)
	}
	return data, errs
}

func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	c := make(chan string, 1)
	go func() { b, _ := io.ReadAll(r); c <- string(b) }()
	return wait(t, c, "a stream to end")
}

func TestPortForwardStreams(t *testing.T) {
	t.Run("paired by requestID", func(t *testing.T) {
		conn := dialSession(t, pfServer(t, false, Server{}, echo))
		d1, e1 := openPair(t, conn, "80", "1")
		d2, e2 := openPair(t, conn, "81", "2")
		for i, d := range []httpstream.Stream{d1, d2} {
			fmt.Fprintf(d, "req %d", i+1)
			_ = d.Close()
		}
		if got := readAll(t, d1); got != "port 80:req 1" {
			t.Errorf("data 1: %q", got)
		}
		if got := readAll(t, d2); got != "port 81:req 2" {
			t.Errorf("data 2: %q", got)
		}
		if got := readAll(t, e1) + readAll(t, e2); got != "" {
			t.Errorf("errors: %q", got)
		}
	})

	t.Run("old client without requestID", func(t *testing.T) {
		conn := dialSession(t, pfServer(t, false, Server{}, echo))
		data, errs := openPair(t, conn, "8080", "")
		fmt.Fprint(data, "old")
		_ = data.Close()
		if got := readAll(t, data); got != "port 8080:old" {
			t.Errorf("data: %q", got)
		}
		if got := readAll(t, errs); got != "" {
			t.Errorf("error: %q", got)
		}
	})

	t.Run("failed forward", func(t *testing.T) {
		conn := dialSession(t, pfServer(t, false, Server{}, func(_ context.Context, port int32, _ io.ReadWriter) error {
			return ForwardingError(port, "web-1", "", errors.New("nc: connection refused"))
		}))
		data, errs := openPair(t, conn, "9", "0")
		if got, want := readAll(t, errs), "error forwarding port 9 to pod web-1, uid : nc: connection refused"; got != want {
			t.Errorf("error stream %q, want %q", got, want)
		}
		if got := readAll(t, data); got != "" {
			t.Errorf("data: %q", got)
		}
	})

	t.Run("invalid streams are refused", func(t *testing.T) {
		conn := dialSession(t, pfServer(t, false, Server{}, echo))
		for _, h := range []http.Header{pfHeaders("data", "", "1"), pfHeaders("data", "0", "1"), pfHeaders("data", "http", "1"), pfHeaders("stdin", "80", "1")} {
			if _, err := conn.CreateStream(h); err == nil {
				t.Errorf("stream %v accepted", h)
			}
		}
		// The session goes on.
		data, _ := openPair(t, conn, "80", "2")
		_ = data.Close()
		if got := readAll(t, data); got != "port 80:" {
			t.Errorf("data: %q", got)
		}
	})

	t.Run("stream creation timeout", func(t *testing.T) {
		conn := dialSession(t, pfServer(t, false, Server{StreamCreationTimeout: 100 * time.Millisecond}, echo))
		errs, err := conn.CreateStream(pfHeaders("error", "80", "7"))
		if err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, errs); got != "request 7: timed out waiting for streams" {
			t.Errorf("error stream %q", got)
		}
	})
}

func TestPortForwardClientHangsUp(t *testing.T) {
	for _, c := range pfClients[:2] {
		t.Run(c.name, func(t *testing.T) {
			started, ended := make(chan struct{}), make(chan error, 1)
			ts := pfServer(t, false, Server{}, func(ctx context.Context, _ int32, _ io.ReadWriter) error {
				close(started)
				<-ctx.Done()
				ended <- ctx.Err()
				return nil
			})
			conn, _, err := c.dialer(t, ts.cfg, ts.url(t, "/portforward", nil)).Dial(portforward.PortForwardProtocolV1Name)
			if err != nil {
				t.Fatal(err)
			}
			openPair(t, conn, "80", "0")
			wait(t, started, "the forward to start")
			conn.Close()
			if err := wait(t, ended, "the forward's context to end"); !errors.Is(err, context.Canceled) {
				t.Errorf("forward's context: %v", err)
			}
			ts.waitHandled(t)
		})
	}
}

// TestPortForwardWebSocketChannels speaks the kubelet's WebSocket
// port-forward, ports in the query, with a plain WebSocket client.
func TestPortForwardWebSocketChannels(t *testing.T) {
	ts := pfServer(t, false, Server{}, func(_ context.Context, port int32, conn io.ReadWriter) error {
		if port == 81 {
			return ForwardingError(port, "web-1", "", errors.New("refused"))
		}
		b := make([]byte, 5)
		if _, err := io.ReadFull(conn, b); err != nil {
			return err
		}
		_, err := fmt.Fprintf(conn, "port %d:%s", port, b)
		return err
	})
	// "ports" as corev1.PodPortForwardOptions names it, "port" as the kubelet does.
	u := ts.url(t, "/portforward", url.Values{"ports": {"80"}, "port": {"81"}})
	u.Scheme = "ws"
	ws, resp, err := gwebsocket.DefaultDialer.Dial(u.String(), http.Header{"Sec-Websocket-Protocol": {"v4.channel.k8s.io"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if p := resp.Header.Get("Sec-Websocket-Protocol"); p != "v4.channel.k8s.io" {
		t.Fatalf("negotiated %q", p)
	}
	if err := ws.WriteMessage(gwebsocket.BinaryMessage, []byte("\x00hello")); err != nil {
		t.Fatal(err)
	}
	got := map[byte][]byte{}
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			break // the session ends with its last forward
		}
		got[msg[0]] = append(got[msg[0]], msg[1:]...)
	}
	le := func(p uint16) string { return string(binary.LittleEndian.AppendUint16(nil, p)) }
	want := map[byte]string{
		0: le(80) + "port 80:hello",
		1: le(80),
		2: le(81),
		3: le(81) + "error forwarding port 81 to pod web-1, uid : refused",
	}
	for ch, w := range want {
		if string(got[ch]) != w {
			t.Errorf("channel %d: %q, want %q", ch, got[ch], w)
		}
	}
}

func TestPortForwardRejectedBeforeUpgrade(t *testing.T) {
	forwarded := make(chan struct{}, 1)
	ts := pfServer(t, false, Server{}, func(context.Context, int32, io.ReadWriter) error {
		forwarded <- struct{}{}
		return nil
	})
	decode := func(t *testing.T, resp *http.Response) metav1.Status {
		t.Helper()
		var status metav1.Status
		if err := json.NewDecoder(resp.Body).Decode(&status); err != nil {
			t.Fatal(err)
		}
		return status
	}

	t.Run("no upgrade", func(t *testing.T) {
		resp, err := http.Post(ts.url(t, "/portforward", nil).String(), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if s := decode(t, resp); resp.StatusCode != 400 || s.Message != "Upgrade request required" {
			t.Errorf("got %d %+v", resp.StatusCode, s)
		}
	})

	t.Run("websocket without ports", func(t *testing.T) {
		u := ts.url(t, "/portforward", nil)
		u.Scheme = "ws"
		_, resp, err := gwebsocket.DefaultDialer.Dial(u.String(), http.Header{"Sec-Websocket-Protocol": {"v4.channel.k8s.io"}})
		if err == nil {
			t.Fatal("upgraded")
		}
		defer resp.Body.Close()
		if s := decode(t, resp); resp.StatusCode != 400 || s.Message != `query parameter "port" is required` {
			t.Errorf("got %d %+v", resp.StatusCode, s)
		}
	})

	t.Run("unknown tunnelled protocol", func(t *testing.T) {
		u := ts.url(t, "/portforward", nil)
		u.Scheme = "ws"
		_, resp, err := gwebsocket.DefaultDialer.Dial(u.String(), http.Header{"Sec-Websocket-Protocol": {"SPDY/3.1+v9.portforward.k8s.io"}})
		if err == nil {
			t.Fatal("upgraded")
		}
		defer resp.Body.Close()
		if s := decode(t, resp); resp.StatusCode != 403 || s.Reason != metav1.StatusReasonForbidden {
			t.Errorf("got %d %+v", resp.StatusCode, s)
		}
	})

	t.Run("unknown spdy protocol", func(t *testing.T) {
		_, _, err := spdyDialer(t, ts.cfg, ts.url(t, "/portforward", nil)).Dial("v9.portforward.k8s.io")
		if err == nil || !strings.Contains(err.Error(), "unable to negotiate protocol") {
			t.Errorf("Dial: %v", err)
		}
	})

	select {
	case <-forwarded:
		t.Error("a rejected request was forwarded")
	default:
	}
}
