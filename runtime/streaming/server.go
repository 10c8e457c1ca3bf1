package streaming

import (
	"context"
	"net/http"
	"time"

	remotecommandconsts "k8s.io/apimachinery/pkg/util/remotecommand"
)

const (
	// DefaultStreamCreationTimeout bounds how long a client may take to open
	// the streams of a session (upstream's default, 30 s).
	DefaultStreamCreationTimeout = remotecommandconsts.DefaultStreamCreationTimeout
	// DefaultIdleTimeout closes a connection that carried nothing for this
	// long (the kubelet's and API server's default, 4 h).
	DefaultIdleTimeout = 4 * time.Hour
)

// Server serves streaming requests with its timeouts; the zero Server uses
// the defaults, and so do the package-level ServeRemoteCommand and
// ServePortForward.
type Server struct {
	// StreamCreationTimeout bounds the wait for a session's streams.
	StreamCreationTimeout time.Duration
	// IdleTimeout closes a connection idle for this long.
	IdleTimeout time.Duration
}

func (s Server) streamCreationTimeout() time.Duration {
	if s.StreamCreationTimeout > 0 {
		return s.StreamCreationTimeout
	}
	return DefaultStreamCreationTimeout
}

func (s Server) idleTimeout() time.Duration {
	if s.IdleTimeout > 0 {
		return s.IdleTimeout
	}
	return DefaultIdleTimeout
}

// ServeRemoteCommand is Server{}.ServeRemoteCommand.
func ServeRemoteCommand(w http.ResponseWriter, req *http.Request, opts Options, run Run) {
	Server{}.ServeRemoteCommand(w, req, opts, run)
}

// ServePortForward is Server{}.ServePortForward.
func ServePortForward(w http.ResponseWriter, req *http.Request, forward Forward) {
	Server{}.ServePortForward(w, req, forward)
}

// sessionContext is the context of one upgraded session: req's, cancelled
// when gone is closed (the client went away) or by the returned cancel.
// After a hijack net/http no longer watches the connection, so the
// transport's own end-of-connection signal has to stand in for it.
func sessionContext[T any](req *http.Request, gone <-chan T) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(req.Context())
	go func() {
		select {
		case <-gone:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}
