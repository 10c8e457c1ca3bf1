package streaming

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	remotecommandconsts "k8s.io/apimachinery/pkg/util/remotecommand"
	"k8s.io/streaming/pkg/httpstream"
	"k8s.io/streaming/pkg/httpstream/spdy"
	"k8s.io/streaming/pkg/runtime"
)

// spdyExecProtocols are the remote command subprotocols over SPDY, those
// the kubelet serves (remotecommand.SupportedStreamingProtocols); v5 is
// WebSocket only.
var spdyExecProtocols = remotecommandconsts.SupportedStreamingProtocols

// offered is a stream the client opened, with the signal that the
// server's reply to it is on its way.
type offered struct {
	stream    httpstream.Stream
	replySent <-chan struct{}
}

// serveSPDYExec serves a remote command over SPDY: the client opens one
// stream per standard stream it wants, plus the error stream and, from v3
// on with a TTY, the resize stream; the session starts once all of them are
// there (the kubelet's createHTTPStreamStreams).
func (s Server) serveSPDYExec(w http.ResponseWriter, req *http.Request, opts Options, run Run) {
	protocol, ok := handshake(w, req, spdyExecProtocols)
	if !ok {
		return
	}
	hw := newHijackWriter(w)
	incoming := make(chan offered)
	setUp := make(chan struct{})
	conn := spdy.NewResponseUpgrader().UpgradeResponse(hw, req, func(st httpstream.Stream, replySent <-chan struct{}) error {
		switch t := st.Headers().Get(corev1.StreamType); t {
		case corev1.StreamTypeError, corev1.StreamTypeStdin, corev1.StreamTypeStdout, corev1.StreamTypeStderr, corev1.StreamTypeResize:
		default:
			return fmt.Errorf("unexpected stream type: %q", t)
		}
		select {
		case incoming <- offered{st, replySent}:
			return nil
		case <-setUp:
			return errors.New("the session's streams are already set up")
		}
	})
	if conn == nil {
		return // the upgrader has answered
	}
	defer conn.Close()
	conn.SetIdleTimeout(s.idleTimeout())

	resizable := protocol != remotecommandconsts.StreamProtocolV2Name && protocol != remotecommandconsts.StreamProtocolV1Name
	want := map[string]bool{
		corev1.StreamTypeError:  true,
		corev1.StreamTypeStdin:  opts.Stdin,
		corev1.StreamTypeStdout: opts.Stdout,
		corev1.StreamTypeStderr: opts.Stderr,
		corev1.StreamTypeResize: opts.TTY && resizable,
	}
	streams, ok := collectStreams(conn, incoming, want, s.streamCreationTimeout())
	close(setUp)
	if !ok {
		return
	}

	if protocol == remotecommandconsts.StreamProtocolV1Name && streams[corev1.StreamTypeStdin] != nil {
		// v1 half-closes stdin from the server's side once set up (the
		// kubelet's v1ProtocolHandler); from v2 on the client finishes when
		// the server closes it, so it stays open. (v1's error stream is not
		// reset at once, though, as 1.0 kubelets did by mistake.)
		_ = streams[corev1.StreamTypeStdin].Close()
	}

	ctx, cancel := sessionContext(req, conn.CloseChan())
	defer cancel()
	ss := Streams{TTY: opts.TTY}
	if st := streams[corev1.StreamTypeStdin]; st != nil {
		ss.Stdin = st
	}
	if st := streams[corev1.StreamTypeStdout]; st != nil {
		ss.Stdout = st
	}
	if st := streams[corev1.StreamTypeStderr]; st != nil {
		ss.Stderr = st
	}
	if opts.TTY {
		if st := streams[corev1.StreamTypeResize]; st != nil {
			ss.Resize = resizeEvents(st, ctx.Done())
		} else {
			ss.Resize = noResize()
		}
	}
	report := textStatus(streams[corev1.StreamTypeError])
	if protocol == remotecommandconsts.StreamProtocolV4Name {
		report = jsonStatus(streams[corev1.StreamTypeError])
	}
	runSession(ctx, run, ss, report)
}

// collectStreams gathers the streams want names, one of each type, within
// timeout; it gives up when the client goes away. A stream counts once its
// reply is on its way, so that a session ended at once still answers every
// stream it accepted (the kubelet's waitStreamReply).
func collectStreams(conn httpstream.Connection, incoming <-chan offered, want map[string]bool, timeout time.Duration) (map[string]httpstream.Stream, bool) {
	expected := 0
	for _, w := range want {
		if w {
			expected++
		}
	}
	expired := time.NewTimer(timeout)
	defer expired.Stop()
	streams := map[string]httpstream.Stream{}
	for len(streams) < expected {
		select {
		case o := <-incoming:
			select {
			case <-o.replySent:
			case <-expired.C:
				runtime.HandleError(errors.New("timed out waiting for client to create streams"))
				return nil, false
			}
			t := o.stream.Headers().Get(corev1.StreamType)
			if _, dup := streams[t]; dup || !want[t] {
				_ = o.stream.Reset()
				continue
			}
			streams[t] = o.stream
		case <-expired.C:
			runtime.HandleError(errors.New("timed out waiting for client to create streams"))
			return nil, false
		case <-conn.CloseChan():
			return nil, false
		}
	}
	return streams, true
}

// handshake negotiates the subprotocol with httpstream.Handshake, but
// answers a failure with a metav1.Status rather than Handshake's plain text;
// the headers Handshake sets (the chosen or the accepted protocols) stay.
func handshake(w http.ResponseWriter, req *http.Request, protocols []string) (string, bool) {
	cw := &captureWriter{header: w.Header()}
	protocol, err := httpstream.Handshake(req, cw, protocols)
	if err != nil {
		code := cw.code
		if code == 0 {
			code = http.StatusBadRequest
		}
		writeHTTPStatus(w, code, reasonFor(code), err.Error())
		return "", false
	}
	return protocol, true
}

// captureWriter takes the response Handshake writes on a failure, sharing
// the real response's header.
type captureWriter struct {
	header http.Header
	code   int
}

func (c *captureWriter) Header() http.Header         { return c.header }
func (c *captureWriter) Write(b []byte) (int, error) { return len(b), nil }
func (c *captureWriter) WriteHeader(code int)        { c.code = code }
